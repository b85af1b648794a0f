"""Approval workflow: states, returns with pinned issues, recognition decisions (issue 13)."""
