"""Forecast evaluation: metrics, the rolling-origin backtest, the report and its command."""
