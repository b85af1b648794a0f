"""The school and learner registry: schools, and per school year their classes, staff, rooms and
learners (what schools export from the sector database).

Rows of one school year refer to each other by name (a learner's or teacher's `class_name`), not
by foreign key, so an import can replace a school's list for a year without breaking links.
Survey-year `year` means the school year that starts in September of `year` (standards.md §1).
"""

from piccolo.columns import (
    Array,
    Boolean,
    Date,
    Integer,
    Numeric,
    Serial,
    SmallInt,
    Varchar,
)
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
    address = Varchar(length=300, default="")
    satellite_sites = SmallInt(default=0)  # điểm lẻ (sites besides the main one)
    two_sessions = Boolean(default=False)  # dạy 2 buổi/ngày


class SchoolClass(Table, tablename="school_class"):
    """A class (or preschool age group) of one school year; `room` is the room it uses."""

    id = Serial(primary_key=True)
    school = ForeignKey(School, on_delete=OnDelete.restrict)
    year = Integer()
    name = Varchar(length=50)
    level = Varchar(length=10)  # MN TH THCS THPT GDTX GDNN
    grade = Varchar(length=3)  # MN: NT 3 4 5; TH 1-5; THCS 6-9; THPT/GDTX 10-12
    combined = Boolean(default=False)  # lớp ghép
    room = Varchar(length=50, default="")
    two_sessions = Boolean(default=False)
    min_equipment = Boolean(default=False)  # đủ thiết bị, đồ chơi tối thiểu (lớp 5 tuổi)
    pupils = SmallInt(null=True, default=None)


class Staff(Table, tablename="school_staff"):
    """A teacher or staff member of a school in one school year."""

    id = Serial(primary_key=True)
    school = ForeignKey(School, on_delete=OnDelete.restrict)
    year = Integer()
    staff_code = Varchar(length=30, default="")
    full_name = Varchar(length=200)
    birth_date = Date(null=True, default=None)
    sex = Varchar(length=1, default="")
    role = Varchar(length=20)  # teacher principal vice_principal staff
    level = Varchar(length=10, default="")  # level taught; '' = the school's only level
    employment = Varchar(length=10, default="")  # permanent | contract
    qualification = Varchar(length=15, default="")  # postgrad university college intermediate other
    meets_standard = Boolean(default=False)  # đạt chuẩn trình độ đào tạo
    rating = Varchar(length=10, default="")  # excellent good pass fail (chuẩn nghề nghiệp)
    subjects = Varchar(length=200, default="")
    class_name = Varchar(length=50, default="")  # class taught / in charge of


class Facility(Table, tablename="school_facility"):
    """Rooms of one type at a school in one school year (count and total area in m²)."""

    id = Serial(primary_key=True)
    school = ForeignKey(School, on_delete=OnDelete.restrict)
    year = Integer()
    room_type = Varchar(length=20)
    level = Varchar(length=10, default="")  # '' = the whole school
    count = Integer(default=0)
    area = Numeric(digits=(10, 1), null=True, default=None)


class Learner(Table, tablename="learner"):
    """A learner enrolled at a school in one school year.

    `completed` is the end-of-year result: completed the level's programme (MN 5-year-old group,
    TH grade 5) or graduated (THCS grade 9, THPT grade 12). `home_commune` is where the learner
    lives according to the school (None when the export does not say).
    """

    id = Serial(primary_key=True)
    school = ForeignKey(School, on_delete=OnDelete.restrict)
    year = Integer()
    personal_id = Varchar(length=12, null=True, default=None)
    full_name = Varchar(length=200)
    name_key = Varchar(length=200, default="")
    birth_date = Date(null=True, default=None)
    sex = Varchar(length=1, default="")
    class_name = Varchar(length=50, default="")
    level = Varchar(length=10)
    grade = Varchar(length=3, default="")
    completed = Boolean(default=False)
    home_commune = ForeignKey(AdminUnit, on_delete=OnDelete.restrict, null=True)
