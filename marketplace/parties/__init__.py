"""Parties: the platform, merchants, shops, users, roles, credentials."""
