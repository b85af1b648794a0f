"""Compliance: evaluating units against the standards from the stored counts, and showing it."""
