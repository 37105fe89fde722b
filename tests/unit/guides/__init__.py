"""Tests of the compliance_guides/ format, checker and content."""
