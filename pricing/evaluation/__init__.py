"""Checks of the pricing library against known truth: a simulator and the synthetic run."""
