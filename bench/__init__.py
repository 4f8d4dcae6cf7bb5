"""Benchmarks: each prints its figures (run with ``make bench``)."""
