"""The recommender pipeline: every surface's model trained, evaluated and registered."""
