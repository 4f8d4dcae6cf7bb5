"""Recommendation serving: model registry, sellable cache, rules, use cases, training."""
