"""Bulk writing of real (imported) and synthetic marketplace data, and the importers."""
