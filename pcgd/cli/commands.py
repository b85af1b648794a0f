"""Registers every domain's commands on the root app (one place to see them all)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    from pcgd.units import cli as units_cli

    app.add_typer(units_cli.app, name="units")
