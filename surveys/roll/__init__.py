"""The household roll interchange formats: "pcgd roll v1" (CSV/XLSX) and the national
MauNhapLieu workbook. Pure: no database, no web; file I/O only for the files themselves.

Flow: `reader.read_table` / `mau_nhap_lieu.read_mau_nhap_lieu` → canonical text records →
`validate.RollValidator` (one rule set for files, workbook and web form) → `ParseResult`
(households + errors + warnings) → `writer.write_roll` / `mau_nhap_lieu.write_mau_nhap_lieu`;
`annotate.write_annotated` marks the problems in a copy of the upload.

Choices where roll-format.md leaves room are listed in the docstrings of `validate` and
`mau_nhap_lieu`.
"""

from pcgd.common.text import fold, name_key
from surveys.roll.annotate import annotate, write_annotated
from surveys.roll.load import LoadedRoll, parse_file
from surveys.roll.mau_nhap_lieu import (
    parse_mau_nhap_lieu,
    read_mau_nhap_lieu,
    write_mau_nhap_lieu,
)
from surveys.roll.model import Issue, ParseResult, RollHousehold, RollPerson
from surveys.roll.reader import RollFileError, detect_format, read_table
from surveys.roll.validate import (
    HouseholdCheck,
    RollValidator,
    parse_roll,
    parse_roll_rows,
    validate_records,
)
from surveys.roll.writer import write_roll, write_roll_vi

__all__ = [
    "HouseholdCheck",
    "Issue",
    "LoadedRoll",
    "ParseResult",
    "RollFileError",
    "RollHousehold",
    "RollPerson",
    "RollValidator",
    "annotate",
    "detect_format",
    "fold",
    "name_key",
    "parse_file",
    "parse_mau_nhap_lieu",
    "parse_roll",
    "parse_roll_rows",
    "read_mau_nhap_lieu",
    "read_table",
    "validate_records",
    "write_annotated",
    "write_mau_nhap_lieu",
    "write_roll",
    "write_roll_vi",
]
