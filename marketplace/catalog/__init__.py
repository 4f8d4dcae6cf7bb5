"""Catalog: category tree, SPUs (products), SKUs, prices, search."""
