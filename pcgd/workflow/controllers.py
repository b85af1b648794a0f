"""Workflow and audit-trail API (interfaces.md): thin — resolve, scope, call the service."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post, put

from pcgd.accounts.service import CurrentUser
from pcgd.accounts.years import default_year
from pcgd.web.security import login_required
from pcgd.workflow import service, trail
from pcgd.workflow.pages import HANDLERS as PAGES
from pcgd.workflow.pages import TEMPLATES  # noqa: F401  (the app reads it)
from pcgd.workflow.schemas import (
    AnswerIn,
    ApproveIn,
    PeriodIn,
    ReasonIn,
    ReturnIn,
    UnlockDecisionIn,
)


class WorkflowApi(Controller):
    path = "/api/units/{code:str}"
    guards = [login_required]
    tags = ["workflow"]

    async def _unit(self, user: CurrentUser, code: str, year: int | None) -> tuple[Any, int]:
        year = await default_year(user, year, code)
        return await service.resolve(user, code, year), year

    @get("/workflow")
    async def workflow(self, user: CurrentUser, code: str, year: int | None = None) -> dict:
        """State, pinned issues, decision (and its snapshot), history and the caller's actions."""
        unit, year = await self._unit(user, code, year)
        return await service.view(user, unit, year)

    @post("/workflow/submit", status_code=200)
    async def submit(self, user: CurrentUser, code: str, year: int | None = None) -> dict:
        """The unit's own account submits its roll (draft or returned → submitted)."""
        unit, year = await self._unit(user, code, year)
        await service.submit(user, unit, year)
        return await service.view(user, unit, year)

    @post("/workflow/return", status_code=200)
    async def return_unit(
        self, user: CurrentUser, code: str, data: ReturnIn, year: int | None = None
    ) -> dict:
        """The level above returns it with a reason and issues pinned to households/persons."""
        unit, year = await self._unit(user, code, year)
        await service.return_unit(user, unit, year, data)
        return await service.view(user, unit, year)

    @post("/workflow/approve", status_code=200)
    async def approve(
        self, user: CurrentUser, code: str, data: ApproveIn, year: int | None = None
    ) -> dict:
        """The level above approves: the decision is recorded with the evaluation snapshot."""
        unit, year = await self._unit(user, code, year)
        await service.approve(user, unit, year, data)
        return await service.view(user, unit, year)

    @post("/workflow/lock", status_code=200)
    async def lock(self, user: CurrentUser, code: str, year: int | None = None) -> dict:
        """The province locks an approved unit-year."""
        unit, year = await self._unit(user, code, year)
        await service.lock(user, unit, year)
        return await service.view(user, unit, year)

    @post("/workflow/unlock-request", status_code=200)
    async def unlock_request(
        self, user: CurrentUser, code: str, data: ReasonIn, year: int | None = None
    ) -> dict:
        """The unit asks the level above to reopen its roll."""
        unit, year = await self._unit(user, code, year)
        await service.request_unlock(user, unit, year, data.reason)
        return await service.view(user, unit, year)

    @post("/workflow/unlock", status_code=200)
    async def unlock(
        self, user: CurrentUser, code: str, data: UnlockDecisionIn, year: int | None = None
    ) -> dict:
        """The level above grants (→ returned) or refuses the pending unlock request."""
        unit, year = await self._unit(user, code, year)
        await service.decide_unlock(user, unit, year, data.grant, data.answer)
        return await service.view(user, unit, year)

    @get("/period")
    async def period(self, user: CurrentUser, code: str, year: int | None = None) -> dict:
        """The survey period of the unit's province: entry window and deadlines."""
        year = await default_year(user, year, code)
        unit = await service.resolve_any(user, code, year)
        values = await service.period(await service.province_of(unit), year)
        return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}

    @put("/period")
    async def set_period(
        self, user: CurrentUser, code: str, data: PeriodIn, year: int | None = None
    ) -> dict:
        """The province changes its survey period's deadlines."""
        year = await default_year(user, year, code)
        unit = await service.resolve_any(user, code, year)
        province = await service.province_of(unit)
        await service.set_period(user, province, year, data)
        values = await service.period(province, year)
        return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}

    @get("/audit")
    async def unit_audit(
        self, user: CurrentUser, code: str, year: int | None = None, user_name: str = "",
        action: str = "", date_from: str = "", date_to: str = "",
    ) -> list[dict]:
        """The unit's audit trail for the year, newest first (field-by-field changes)."""
        year = await default_year(user, year, code)
        unit = await service.resolve_any(user, code, year)
        return await trail.unit_trail(
            unit, year, trail.Filters.parse(user_name, action, date_from, date_to)
        )


class IssueApi(Controller):
    path = "/api/workflow/issues/{issue_id:int}"
    guards = [login_required]
    tags = ["workflow"]

    @post("/answer", status_code=200)
    async def answer(self, user: CurrentUser, issue_id: int, data: AnswerIn) -> dict:
        """The commune answers a pinned issue of its returned roll."""
        await service.answer_issue(user, issue_id, data.answer)
        return {"status": "answered"}

    @post("/resolve", status_code=200)
    async def resolve(self, user: CurrentUser, issue_id: int) -> dict:
        """The reviewer closes an issue."""
        await service.resolve_issue(user, issue_id)
        return {"status": "resolved"}


class AuditApi(Controller):
    path = "/api"
    guards = [login_required]
    tags = ["audit"]

    @get("/households/{household_id:int}/audit")
    async def household_audit(
        self, user: CurrentUser, household_id: int, user_name: str = "", action: str = "",
        date_from: str = "", date_to: str = "",
    ) -> list[dict]:
        """A household's audit trail, newest first."""
        return await trail.household_trail(
            user, household_id, trail.Filters.parse(user_name, action, date_from, date_to)
        )

    @get("/persons/{person_id:int}/audit")
    async def person_audit(
        self, user: CurrentUser, person_id: int, user_name: str = "", action: str = "",
        date_from: str = "", date_to: str = "",
    ) -> list[dict]:
        """A person's audit trail (their households' changes that touched them), newest first."""
        return await trail.person_trail(
            user, person_id, trail.Filters.parse(user_name, action, date_from, date_to)
        )


HANDLERS: list[object] = [WorkflowApi, IssueApi, AuditApi, *PAGES]
