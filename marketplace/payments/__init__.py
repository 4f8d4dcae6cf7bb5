"""Payments: one payment for a checkout group, gateways behind one port, an event log."""
