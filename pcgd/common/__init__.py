"""Helpers every domain may use (formatting, text); they import nothing of the domains."""
