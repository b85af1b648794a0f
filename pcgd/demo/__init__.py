"""The synthetic demo province: deterministic rolls on real unit codes, and its load."""
