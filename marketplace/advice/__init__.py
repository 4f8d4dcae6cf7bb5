"""Advice for merchants: price suggestions to accept or reject, and demand forecasts."""
