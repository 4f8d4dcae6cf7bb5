"""Agora recsys: filled in by a later issue."""
