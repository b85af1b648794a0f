"""`pcgd users …`"""

from __future__ import annotations

import getpass
import sys
from datetime import date
from typing import Annotated

import typer

from pcgd.accounts import service
from pcgd.errors import UserError
from pcgd.runtime import run_with_database
from pcgd.units import service as units

app = typer.Typer(no_args_is_help=True, help="User accounts")


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Mật khẩu: ")
        if getpass.getpass("Nhập lại: ") != first:
            raise UserError("passwords do not match")
        return first
    text = sys.stdin.readline().rstrip("\r\n")
    if not text:
        raise UserError("no password on standard input")
    return text


@app.command("add")
def add(
    username: str,
    role: Annotated[str, typer.Option(help="commune | district | province | admin")],
    unit: Annotated[str | None, typer.Option(help="unit code")] = None,
    year: Annotated[int, typer.Option(help="survey year the unit code is read in")] = (
        date.today().year
    ),
    full_name: Annotated[str, typer.Option(help="display name")] = "",
    replace: Annotated[bool, typer.Option(help="reset an existing account")] = False,
) -> None:
    """Create an account; the password is read from standard input."""
    if role not in ("commune", "district", "province", "admin"):
        raise UserError(f"bad role {role!r}: one of commune, district, province, admin")
    password = _read_password()

    async def work() -> int:
        target = await units.resolve(unit, year) if unit else None
        return await service.create_user(
            username, password, role, target, full_name=full_name, replace=replace
        )

    user_id = run_with_database(work)
    typer.echo(f"user {username} created (id {user_id})", err=True)


@app.command("deactivate")
def deactivate(username: str) -> None:
    """Switch an account off and end all its sessions at once (audited)."""

    async def work() -> int:
        return await service.deactivate(username)

    user_id = run_with_database(work)
    typer.echo(f"tài khoản {username} đã bị khóa (id {user_id}); mọi phiên đăng nhập đã kết thúc",
               err=True)
