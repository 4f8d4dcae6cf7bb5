"""Agora recsys: recommender models, their offline evaluation, content search.

A pure library (no web, database, Ray or MLflow): `recsys.interactions` builds the
users x items matrix from exported events, `recsys.factory` makes and loads models that
implement `recsys.base.Recommender`, `python -m recsys.evaluation.run` compares them.
"""
