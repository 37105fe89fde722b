"""Rectification cases: orders, evidence, review."""
