"""Seed 003 (/api/v1: trades, import, risk-config) and seed 004 (/api/orders) views."""
