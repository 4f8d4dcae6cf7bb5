"""Procurement conversations: the transaction core the procurement agent writes through
(conversations, draft purchase orders frozen for confirmation, the buyer's confirmation,
grounded placement, and the audit log). See ADR 0015."""
