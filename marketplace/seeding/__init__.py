"""Building a marketplace with data: the demo seed (bulk importers come with issue 5)."""
