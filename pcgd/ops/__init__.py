"""Running pcgd for real: serving with several workers, shared cache freshness, backups."""
