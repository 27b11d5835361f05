"""Writes of the trading app, one module per feature; every function is keyword-only and typed."""
