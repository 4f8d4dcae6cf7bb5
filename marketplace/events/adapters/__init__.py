"""Adapters of events: SQL tables and repositories, Redis Streams, the HTTP sender."""
