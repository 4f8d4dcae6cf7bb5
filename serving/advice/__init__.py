"""Merchant advice that joins the marketplace's read models with the ML libraries
(replenishment from stored demand forecasts)."""
