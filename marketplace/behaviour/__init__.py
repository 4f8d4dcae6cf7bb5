"""Behaviour events: what shoppers view, search, click, put in carts and buy, as the
recommenders, forecasts and pricing models learn from them."""
