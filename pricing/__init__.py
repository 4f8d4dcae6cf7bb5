"""Agora pricing: filled in by a later issue."""
