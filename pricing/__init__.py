"""Agora pricing: price elasticities from sales history, and guarded price suggestions.

- ``elasticity``: per-series elasticity by Poisson pseudo-ML with promotion and seasonal
  controls (``design``, ``glm``); ``shrinkage``: empirical-Bayes pull toward the category.
- ``policy``: ``PricingPolicy.suggest`` picks the best price the ``guardrails`` allow, with
  intervals; ``domain`` holds its inputs and answers, ``money`` the Decimal rules, and
  ``inputs`` builds requests from a forecasting ``Panel`` and ``Forecast``.
- ``evaluation``: a simulator with known elasticities and the synthetic-marketplace run.

See docs/ml/pricing.md.
"""
