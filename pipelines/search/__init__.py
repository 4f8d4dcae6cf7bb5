"""The search family: the product search index, rebuilt when the catalogue changes."""
