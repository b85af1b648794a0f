"""User accounts, sessions and the scope filter (which units a user may see)."""
