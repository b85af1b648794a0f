"""Accounts: creation, password checks (argon2) and the user context a request carries."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pcgd import db
from pcgd.accounts.tables import ROLES
from pcgd.errors import UserError
from pcgd.units import service as units

# Interactive logins: argon2id with modest memory so 200 users can log in at once on 2 cores.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_ROLE_KIND = {"commune": "commune", "district": "district", "province": "province"}


@dataclass(frozen=True, slots=True)
class CurrentUser:
    id: int
    username: str
    role: str
    unit_id: int | None
    unit_code: str | None
    unit_name: str | None
    unit_kind: str | None
    full_name: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < 8:
        raise UserError("mật khẩu phải có ít nhất 8 ký tự (password needs 8+ characters)")


async def create_user(
    username: str,
    password: str,
    role: str,
    unit: units.Unit | None,
    *,
    full_name: str = "",
    replace: bool = False,
) -> int:
    """Create (or with replace=True, reset) an account; the unit must match the role."""
    username = username.strip()
    if not username or len(username) > 100 or any(c.isspace() for c in username):
        raise UserError(f"bad username {username!r}")
    if role not in ROLES:
        raise UserError(f"bad role {role!r}: one of {', '.join(ROLES)}")
    if role != "admin":
        if unit is None:
            raise UserError(f"role {role} needs --unit")
        if unit.kind != _ROLE_KIND[role]:
            raise UserError(
                f"role {role} needs a {_ROLE_KIND[role]} unit; {unit.code} is a {unit.kind}"
            )
    check_password_strength(password)
    conflict = (
        "ON CONFLICT (username) DO UPDATE SET password_hash = EXCLUDED.password_hash,"
        " role = EXCLUDED.role, unit = EXCLUDED.unit, full_name = EXCLUDED.full_name,"
        " active = true"
        if replace
        else "ON CONFLICT (username) DO NOTHING"
    )
    user_id = await db.pool().fetchval(
        "INSERT INTO user_account (username, password_hash, role, unit, full_name, active,"
        f" created_at) VALUES ($1, $2, $3, $4, $5, true, $6) {conflict} RETURNING id",
        username,
        await asyncio.to_thread(hash_password, password),
        role,
        unit.id if unit else None,
        full_name,
        datetime.now(UTC),
    )
    if user_id is None:
        raise UserError(f"user {username!r} already exists")
    return int(user_id)


_USER_SQL = (
    "SELECT a.id, a.username, a.role, a.unit AS unit_id, u.code AS unit_code,"
    " u.name AS unit_name, u.kind AS unit_kind, a.full_name, a.password_hash, a.active"
    " FROM user_account a LEFT JOIN admin_unit u ON u.id = a.unit"
)


def _current(row: dict[str, object]) -> CurrentUser:
    fields = {k: row[k] for k in CurrentUser.__slots__}  # type: ignore[attr-defined]
    return CurrentUser(**fields)  # type: ignore[arg-type]


async def authenticate(username: str, password: str) -> CurrentUser | None:
    row = await db.pool().fetchrow(_USER_SQL + " WHERE a.username = $1", username.strip())
    # argon2 releases the GIL: hashing in a thread keeps the server answering during logins.
    if row is None or not row["active"]:
        await asyncio.to_thread(_hasher.hash, "timing-equaliser")  # same cost either way
        return None
    try:
        await asyncio.to_thread(_hasher.verify, row["password_hash"], password)
    except (VerificationError, InvalidHashError):
        return None
    return _current(dict(row))


async def get_user(user_id: int) -> CurrentUser | None:
    row = await db.pool().fetchrow(_USER_SQL + " WHERE a.id = $1 AND a.active", user_id)
    return _current(dict(row)) if row else None
