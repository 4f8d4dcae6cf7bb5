"""Agora pipelines: filled in by a later issue."""
