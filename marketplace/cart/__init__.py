"""Carts: a buyer's (or a guest's) chosen SKUs, priced live, merged on login."""
