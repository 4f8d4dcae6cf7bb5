"""Foreign exchange: rates by date and conversion of Money at a stated rate date."""
