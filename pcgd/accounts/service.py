"""Accounts: creation, password checks (argon2) and the user context a request carries."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pcgd import db
from pcgd.accounts import sessions
from pcgd.accounts.schemas import USER_COLUMNS, CurrentUser, current_user
from pcgd.accounts.tables import ROLES
from pcgd.audit import service as audit
from pcgd.errors import UserError
from pcgd.units import service as units

# Interactive logins: argon2id with modest memory so 200 users can log in at once on 2 cores.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_ROLE_KIND = {"commune": "commune", "district": "district", "province": "province"}


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

    hashed = await asyncio.to_thread(hash_password, password)
    async with db.transaction() as conn:
        user_id = await conn.fetchval(
            "INSERT INTO user_account (username, password_hash, role, unit, full_name, active,"
            f" created_at) VALUES ($1, $2, $3, $4, $5, true, $6) {conflict} RETURNING id",
            username, hashed, role, unit.id if unit else None, full_name, datetime.now(UTC),
        )
        if user_id is None:
            raise UserError(f"tài khoản “{username}” đã có (dùng --replace để đặt lại)")
        if replace:
            await sessions.revoke_all(int(user_id), conn)  # a reset ends every session
        await audit.record(
            conn, None, "user_reset" if replace else "user_create", "user_account", user_id,
            after={"username": username, "role": role, "unit": unit.code if unit else None},
        )
    return int(user_id)


_USER_SQL = (
    f"SELECT {USER_COLUMNS}, a.password_hash, a.active"
    " FROM user_account a LEFT JOIN admin_unit u ON u.id = a.unit"
)


_current = current_user


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


async def change_password(user: CurrentUser, current: str, new: str) -> None:
    """The user's own change: checks the current password; ends every session of the user."""

    if await authenticate(user.username, current) is None:
        raise UserError("mật khẩu hiện tại không đúng")
    if new == current:
        raise UserError("mật khẩu mới phải khác mật khẩu hiện tại")
    check_password_strength(new)
    hashed = await asyncio.to_thread(hash_password, new)
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE user_account SET password_hash = $2 WHERE id = $1", user.id, hashed
        )
        await sessions.revoke_all(user.id, conn)
        await audit.record(conn, user, "password_change", "user_account", user.id)


async def deactivate(username: str, actor: CurrentUser | None = None) -> int:
    """Switch an account off and end its sessions (audited); returns the account id."""

    async with db.transaction() as conn:
        user_id = await conn.fetchval(
            "UPDATE user_account SET active = false WHERE username = $1 RETURNING id",
            username.strip(),
        )
        if user_id is None:
            raise UserError(f"không có tài khoản “{username}”")
        ended = await sessions.revoke_all(user_id, conn)
        await audit.record(conn, actor, "user_deactivate", "user_account", user_id,
                           after={"username": username, "sessions_ended": ended})
    return int(user_id)
