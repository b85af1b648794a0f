"""The form builders: pure functions from a `reports.data.FormData` to a cell model."""
