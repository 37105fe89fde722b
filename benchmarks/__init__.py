"""Benchmarks: realistic data volumes, results reported as ratios to their budgets."""
