"""Routers, one module per business area."""
