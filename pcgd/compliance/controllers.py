"""Evaluation API and the compliance board pages."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get

from pcgd.accounts.scope import require_unit
from pcgd.accounts.service import CurrentUser
from pcgd.accounts.years import default_year
from pcgd.compliance import service
from pcgd.compliance.pages import BoardPages
from pcgd.errors import UserError
from pcgd.standards import load_rules, rules_as_dict
from pcgd.units import service as units
from pcgd.web.security import login_required


def _policy(policy: str | None) -> str | None:
    """A known choice of the disabled-persons policy, else a 400 naming the choices."""
    if policy is None:
        return None
    choices = load_rules().policy("disabled_excluded").choices
    if policy not in choices:
        raise UserError(f"policy không hợp lệ “{policy[:40]}”: chọn một trong {', '.join(choices)}")
    return policy


class EvaluationApi(Controller):
    path = "/api"
    guards = [login_required]
    tags = ["standards"]

    @get("/units/{code:str}/evaluation")
    async def evaluation(
        self, user: CurrentUser, code: str, year: int | None = None, policy: str | None = None
    ) -> dict[str, Any]:
        """The standards.md §7 object for a commune, district or province."""
        year = await default_year(user, year, code)
        unit = await units.resolve(code, year)
        await require_unit(user, unit, year)
        return await service.evaluate_unit(unit, year, policy=_policy(policy))

    @get("/units/{code:str}/shortfall")
    async def shortfall(
        self, user: CurrentUser, code: str, criterion: str, year: int | None = None,
        policy: str | None = None,
    ) -> dict[str, Any]:
        """The people behind a commune criterion's shortfall (its to-do list)."""
        year = await default_year(user, year, code, "commune")
        commune = await units.resolve(code, year, kind="commune")
        await require_unit(user, commune, year)
        return await service.shortfall_people(commune, year, criterion, policy=_policy(policy))

    @get("/rules")
    async def rules(self, year: int | None = None) -> dict[str, Any]:
        """Every rule set, criterion and threshold in force, with sources."""
        return rules_as_dict(year=year)


HANDLERS: list[object] = [EvaluationApi, BoardPages]
