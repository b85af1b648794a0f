"""The `pcgd` command line."""
