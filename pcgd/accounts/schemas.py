"""The user a request carries, built from one row of `user_account` joined to its unit.

Kept apart from `service` so that sessions and the audit trail, which `service` uses, can name the
user without importing it back.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["USER_COLUMNS", "CurrentUser", "current_user"]


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
    # The digest of the session the request came with ("" outside a web request): the save
    # function checks it is still live in its own transaction (pcgd.accounts.sessions).
    session: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


USER_COLUMNS = (
    "a.id, a.username, a.role, a.unit AS unit_id, u.code AS unit_code,"
    " u.name AS unit_name, u.kind AS unit_kind, a.full_name"
)


def current_user(row: dict[str, object]) -> CurrentUser:
    fields = {k: row[k] for k in CurrentUser.__slots__ if k in row}  # type: ignore[attr-defined]
    return CurrentUser(**fields)  # type: ignore[arg-type]
