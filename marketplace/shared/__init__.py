"""Shared kernel: money, currencies, ids, clock and the domain error hierarchy."""
