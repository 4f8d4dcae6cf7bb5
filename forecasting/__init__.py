"""Agora forecasting: daily demand panels, forecasters, backtests and replenishment.

``base`` holds the interface (Panel, Forecast, Forecaster), ``panel`` builds panels from an
orders export, ``models`` and ``factory`` the forecasters, ``evaluation`` the metrics and the
rolling-origin backtest, ``replenishment`` reorder points and order quantities.
"""
