"""Agora procurement_agent: filled in by a later issue."""
