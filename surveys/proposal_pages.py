"""Mover-link proposals: the page and API where a commune confirms or refuses a link.

See `surveys.proposals`: a link between two communes is proposed by one and confirmed by the
other (or the level above); each side sees only its own record until then.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import msgspec
from litestar import Controller, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from pcgd.accounts.scope import require_unit
from pcgd.accounts.service import CurrentUser
from pcgd.accounts.years import default_year
from pcgd.units import service as units
from pcgd.web.security import login_required
from surveys import proposals


class OwnRecord(msgspec.Struct):
    person_year_id: int
    household_id: int
    household_code: str
    full_name: str
    birth_year: int
    movement: str


class UnitRef(msgspec.Struct):
    code: str
    name: str


class ProposalOut(msgspec.Struct):
    id: int
    year: int
    direction: str  # incoming: waiting for this commune; outgoing: waiting for the other
    can_decide: bool
    match: str
    match_label: str
    own_side: str  # moved_out | moved_in
    own: OwnRecord | None
    other_commune: UnitRef | None
    created_at: str


class DecisionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: str = ""


class DecisionOut(msgspec.Struct):
    id: int
    status: str


async def _year(user: CurrentUser, year: int | None, code: str) -> int:
    """The asked year, else the latest year with data in which the commune code exists."""
    return await default_year(user, year, code, "commune")


async def _list(user: CurrentUser, code: str, year: int) -> tuple[units.Unit, list[dict[str, Any]]]:
    commune = await units.resolve(code, year, kind="commune")
    scope = await require_unit(user, commune, year)
    return commune, await proposals.pending_for(scope, commune, year)


class ProposalApi(Controller):
    path = "/api"
    guards = [login_required]
    tags = ["movers"]

    @get("/communes/{code:str}/link-proposals")
    async def list_proposals(
        self, user: CurrentUser, code: str, year: int | None = None
    ) -> list[ProposalOut]:
        """Pending mover links touching the commune (only its own record of each)."""
        _, rows = await _list(user, code, await _year(user, year, code))
        return msgspec.convert(rows, list[ProposalOut])

    @post("/link-proposals/{proposal_id:int}/confirm", status_code=200)
    async def confirm(self, user: CurrentUser, proposal_id: int, data: DecisionIn) -> DecisionOut:
        """Confirm: the two records are linked and the persons merged (audited both sides)."""
        done = await proposals.decide(user, proposal_id, confirm=True, reason=data.reason)
        return DecisionOut(**done)

    @post("/link-proposals/{proposal_id:int}/refuse", status_code=200)
    async def refuse(self, user: CurrentUser, proposal_id: int, data: DecisionIn) -> DecisionOut:
        """Refuse: nothing is linked and the pair is not proposed again."""
        done = await proposals.decide(user, proposal_id, confirm=False, reason=data.reason)
        return DecisionOut(**done)


@dataclass
class DecisionForm:
    code: str
    year: int
    decision: str = ""
    reason: str = ""


class ProposalPages(Controller):
    guards = [login_required]
    include_in_schema = False

    @get("/communes/{code:str}/link-proposals")
    async def page(self, user: CurrentUser, code: str, year: int | None = None,
                   done: str = "") -> Template:
        year = await _year(user, year, code)
        commune, rows = await _list(user, code, year)
        return Template(
            template_name="link_proposals.html",
            context={"user": user, "year": year, "unit": commune, "rows": rows, "done": done},
        )

    @post("/link-proposals/{proposal_id:int}")
    async def decide(
        self, user: CurrentUser, proposal_id: int,
        data: Annotated[DecisionForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Redirect:
        result = await proposals.decide(
            user, proposal_id, confirm=data.decision == "confirm", reason=data.reason
        )
        query = urlencode({"year": data.year, "done": result["status"]})
        return Redirect(path=f"/communes/{quote(data.code, safe='')}/link-proposals?{query}")


HANDLERS: list[object] = [ProposalApi, ProposalPages]
