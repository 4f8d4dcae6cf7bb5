"""Agora forecasting: filled in by a later issue."""
