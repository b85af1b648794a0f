from piccolo.columns import JSONB, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class AuditEntry(Table, tablename="audit_entry"):
    """Written by the same code path as the change itself (see pcgd.audit.service)."""

    id = Serial(primary_key=True)
    at = Timestamptz()
    user_id = Integer(null=True, default=None)
    username = Varchar(length=100, default="")
    action = Varchar(length=40)
    entity = Varchar(length=40)
    entity_id = Varchar(length=60, default="")
    commune_id = Integer(null=True, default=None)
    year = Integer(null=True, default=None)
    before = JSONB(null=True, default=None)
    after = JSONB(null=True, default=None)
    reason = Text(default="")
    source = Text(default="")  # route, "nhập tệp <name>", fix…; see pcgd.audit.service
