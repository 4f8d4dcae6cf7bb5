"""The demand-forecast pipeline: candidates backtested, the champion rule's pick registered."""
