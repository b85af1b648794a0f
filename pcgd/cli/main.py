"""Entry point: assembles the domain command groups and turns user errors into one line."""

from __future__ import annotations

import sys

import asyncpg
import typer
from typer._click import exceptions as click_errors  # typer vendors its own click

from pcgd.errors import UserError
from pcgd.settings import SettingsError

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="PCGD-XMC", pretty_exceptions_enable=False
)
db_app = typer.Typer(no_args_is_help=True, help="Database")
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply migrations (idempotent)."""
    from pcgd.runtime import run_with_database

    async def work() -> None:
        return None

    run_with_database(work, migrate=True)
    typer.echo("database is up to date", err=True)


def _register() -> None:
    from pcgd.cli import commands

    commands.register(app)


def main(argv: list[str] | None = None) -> None:
    _register()
    try:
        app(args=argv, standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.stderr.write("aborted\n")
        sys.exit(1)
    except click_errors.NoArgsIsHelpError as exc:
        sys.stdout.write(exc.format_message() + "\n")
        sys.exit(0)
    except click_errors.ClickException as exc:
        where = getattr(getattr(exc, "param", None), "opts", None)
        prefix = f"{where[0]}: " if where and where[0] not in exc.format_message() else ""
        message = " ".join(exc.format_message().split())
        sys.stderr.write(f"error: {prefix}{message}\n")
        sys.exit(1)
    except (UserError, SettingsError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(1)
    except (OSError, asyncpg.PostgresConnectionError) as exc:
        sys.stderr.write(f"error: database or file unavailable: {exc}\n")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
