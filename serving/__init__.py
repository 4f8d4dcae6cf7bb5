"""Agora serving layer: the only home of FastAPI, uvicorn and the web pages."""
