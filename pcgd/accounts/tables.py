from piccolo.columns import Boolean, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import ForeignKey
from piccolo.table import Table

from pcgd.units.tables import AdminUnit

ROLES = ("commune", "district", "province", "admin")


class UserAccount(Table, tablename="user_account"):
    id = Serial(primary_key=True)
    username = Varchar(length=100, unique=True)
    password_hash = Varchar(length=200)
    role = Varchar(length=10)
    unit = ForeignKey(AdminUnit, on_delete=OnDelete.restrict, null=True)
    full_name = Varchar(length=200, default="")
    active = Boolean(default=True)
    created_at = Timestamptz()


class UserSession(Table, tablename="user_session"):
    """A login: the cookie holds a random token, this row its SHA-256 (revocable, expiring)."""

    id = Varchar(length=64, primary_key=True)
    user_id = ForeignKey(UserAccount, on_delete=OnDelete.cascade)
    created_at = Timestamptz()
    last_seen = Timestamptz()
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    address = Varchar(length=64, default="")


class LoginThrottle(Table, tablename="login_throttle"):
    """Failed logins per account and per address: the delay before the next try."""

    key = Varchar(length=200, primary_key=True)
    failures = Integer(default=0)
    last_failure = Timestamptz()
    blocked_until = Timestamptz()
