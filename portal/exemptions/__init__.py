"""Exemption applications and decisions (免罚申请与决定): models, rules and services."""
