from piccolo.columns import Boolean, Serial, Timestamptz, Varchar
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
