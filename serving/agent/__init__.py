"""Serving the procurement agent: conversations run turn by turn against the agent graph,
the buyer's confirmation enforced in code (``chat.ProcurementChat``)."""
