"""Recommender models; make them by name with recsys.factory.make."""
