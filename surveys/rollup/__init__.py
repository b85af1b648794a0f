"""Per-commune indicator counts: one SQL aggregation, stored and kept fresh on every save."""
