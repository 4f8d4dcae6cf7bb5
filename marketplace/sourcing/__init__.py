"""Sourcing: supplier profiles, B2B offers and contract prices."""
