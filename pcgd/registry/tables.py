from piccolo.columns import Array, Boolean, Serial, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import ForeignKey
from piccolo.table import Table

from pcgd.units.tables import AdminUnit


class School(Table, tablename="school"):
    """A school of the registry; its commune decides who may see it and where pupils study."""

    id = Serial(primary_key=True)
    code = Varchar(length=20, unique=True)
    name = Varchar(length=300)
    commune = ForeignKey(AdminUnit, on_delete=OnDelete.restrict, null=True)
    levels = Array(base_column=Varchar(length=10))  # MN TH THCS THPT GDTX GDNN
    public = Boolean(default=True)
