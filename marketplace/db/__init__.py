"""Database plumbing shared by every area: metadata, portable column types, engine, UoW."""
