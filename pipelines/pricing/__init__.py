"""The pricing pipeline: per-product price elasticities estimated, scored on held-out days,
registered and gated."""
