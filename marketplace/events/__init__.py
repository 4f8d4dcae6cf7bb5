"""Domain events: a transactional outbox, relayed to Redis Streams, and merchant webhooks."""
