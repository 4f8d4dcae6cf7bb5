"""Ordering: checkout groups, one sub-order per merchant, the order state machine."""
