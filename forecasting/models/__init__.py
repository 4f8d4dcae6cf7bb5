"""Forecasters behind forecasting.base.Forecaster; pick one with forecasting.factory."""
