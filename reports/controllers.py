"""Routes of the reports domain: the forms API, the "Biểu mẫu" pages and their static files."""

from __future__ import annotations

from pathlib import Path

from litestar import Controller, get
from litestar.static_files import create_static_files_router

from pcgd.accounts.service import CurrentUser
from pcgd.web.security import login_required
from reports import service
from reports.forms import catalogue
from reports.pages import TEMPLATES, FormPages, _unit
from reports.schemas import CheckItem, FormItem, FormSetOut

STATIC = Path(__file__).parent / "static"
__all__ = ["HANDLERS", "TEMPLATES"]  # TEMPLATES: this domain's own folder, found by the app


class FormsApi(Controller):
    path = "/api/units"
    guards = [login_required]
    tags = ["reports"]

    @get("/{code:str}/forms")
    async def form_set(self, user: CurrentUser, code: str, year: int | None = None
                       ) -> FormSetOut:
        """The unit's form set for the year (files, sheets) and the cross-form checks."""
        unit, year = await _unit(user, code, year)
        built = await service.form_set(unit, year)
        by_code = {s.code: s for s in catalogue.SPECS}
        return FormSetOut(
            unit=unit.code, year=year,
            files=[FormItem(f.code, f.file_name, by_code[f.code].title, by_code[f.code].group,
                            len(f.sheets)) for f in built.forms],
            checks=[CheckItem(f.check, f.area, f.left, f.right, f.left_value, f.right_value,
                              f.agrees) for f in built.findings],
            disagreements=len(built.disagreements),
            not_produced=[code for code, _, _ in catalogue.NOT_PRODUCED],
            pending=sorted(built.data.pending_used),
        )


HANDLERS: list[object] = [
    FormsApi,
    FormPages,
    create_static_files_router(path="/static/reports", directories=[STATIC],
                               include_in_schema=False),
]
