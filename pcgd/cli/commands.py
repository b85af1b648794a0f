"""Registers every domain's commands on the root app (one place to see them all)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    from pcgd.accounts import cli as accounts_cli
    from pcgd.compliance import cli as compliance_cli
    from pcgd.units import cli as units_cli
    from pcgd.web import cli as web_cli

    app.add_typer(units_cli.app, name="units")
    app.add_typer(accounts_cli.app, name="users")
    app.command("serve")(web_cli.serve)
    app.command("run")(web_cli.run)
    app.command("evaluate")(compliance_cli.evaluate)
    app.add_typer(compliance_cli.rules_app, name="rules")
    app.add_typer(compliance_cli.rollup_app, name="rollup")
    __import__("pcgd.registry.cli", fromlist=["register"]).register(app)
    app.command("demo")(__import__("pcgd.demo.cli", fromlist=["demo"]).demo)
    __import__("surveys.cli", fromlist=["register"]).register(app)
    for module_name in ("pcgd.workflow.cli", "reports.cli", "geo.cli", "pcgd.ops.cli",
                        "pcgd.dossier.cli"):
        module = _optional(module_name)
        if module is not None:
            module.register(app)


def _optional(module_name: str):
    """A domain's command module, or None while that domain does not exist yet."""
    import importlib

    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None
        raise
