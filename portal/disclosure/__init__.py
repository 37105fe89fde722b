"""Public disclosure of decisions (行政执法公示) and their verification by code."""
