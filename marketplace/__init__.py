"""Agora's transaction core: one package per business area, no web or ML imports."""
