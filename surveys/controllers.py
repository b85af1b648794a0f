"""Household API routes (interfaces.md): thin — parse, authorize via the scope, call the service."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.status_codes import HTTP_201_CREATED

from pcgd.accounts.scope import require_unit
from pcgd.accounts.service import CurrentUser
from pcgd.accounts.years import default_year
from pcgd.errors import ValidationFailed
from pcgd.units import service as units
from pcgd.web.security import login_required, require_writer, writer_checked
from surveys import service
from surveys.schemas import HouseholdIn, HouseholdOut, HouseholdSummary

READ_ONLY_LABELS = {"id": "Mã hộ (id)", "commune": "Mã xã", "year": "Năm điều tra"}


def check_read_only(data: HouseholdIn, expected: dict[str, object]) -> None:
    """A client may send back what GET gave; the read-only fields must name this household."""
    errors = [
        {"row": -1, "field": name,
         "message": f"{READ_ONLY_LABELS[name]}: “{got}” không khớp với hộ này ({want})"}
        for name, want in expected.items()
        if (got := getattr(data, name)) is not None and got != want
    ]
    if errors:
        raise ValidationFailed("dữ liệu không khớp với hộ đang sửa", errors)


async def household_in_scope(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """401 without a session, 403 outside the user's units, before the body is even read
    (guards run first). It is the PUT route's only guard: Litestar copies the handler for
    every guard it runs, so login_required is not run again in front of it."""
    async with writer_checked(connection):
        user = await require_writer(connection)
        await service.scoped_household(user, int(connection.path_params["household_id"]))


async def writer_required(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """login_required for a save route (see pcgd.web.security.load_writer)."""
    async with writer_checked(connection):
        await require_writer(connection)


class CommuneHouseholdApi(Controller):
    path = "/api/communes/{code:str}/households"
    tags = ["households"]

    @get("/", guards=[login_required])
    async def list_households(
        self,
        user: CurrentUser,
        code: str,
        year: int | None = None,
        q: str = "",
        hamlet: str = "",
        limit: int = 100,
        offset: int = 0,
    ) -> list[HouseholdSummary]:
        """Households of a commune for a survey year; `q` ignores case and diacritics."""
        year = await default_year(user, year, code, "commune")
        commune = await units.resolve(code, year, kind="commune")
        scope = await require_unit(user, commune, year)
        return await service.list_households(
            scope, commune, year, q=q, hamlet=hamlet, limit=min(limit, 1000), offset=offset
        )

    @post("/", status_code=HTTP_201_CREATED, guards=[writer_required])
    async def create_household(
        self, request: Request[Any, Any, Any], user: CurrentUser, code: str, data: HouseholdIn,
        year: int | None = None,
    ) -> HouseholdOut:
        """Create a household with its members (422 with field errors when invalid)."""
        async with writer_checked(request):
            year = await default_year(user, year, code, "commune")
            commune = await units.resolve(code, year, kind="commune")
            scope = await require_unit(user, commune, year)
            check_read_only(data, {"commune": commune.code, "year": year})
            return await service.create_household(user, scope, commune, year, data)


class HouseholdApi(Controller):
    path = "/api/households/{household_id:int}"
    tags = ["households"]

    @get("/", guards=[login_required])
    async def get_household(self, user: CurrentUser, household_id: int) -> HouseholdOut:
        """The household with full personal IDs (this view is audited)."""
        scope, _ = await service.scoped_household(user, household_id)
        return await service.view_household(user, scope, household_id)

    @put("/", guards=[household_in_scope])
    async def update_household(
        self, request: Request[Any, Any, Any], user: CurrentUser, household_id: int,
        data: HouseholdIn,
    ) -> HouseholdOut:
        """Save with the `version` read: 409 if someone saved in between, 423 if locked.

        Takes the object GET returned: read-only fields are ignored or must match (422).
        """
        async with writer_checked(request):
            scope, year = await service.scoped_household(user, household_id)
            commune_id, _ = await service.household_commune(household_id)
            commune = await units.get(commune_id)
            check_read_only(data, {"id": household_id, "commune": commune.code, "year": year})
            return await service.update_household(user, scope, household_id, data)

    @delete("/", status_code=200, guards=[login_required])
    async def delete_household(
        self, user: CurrentUser, household_id: int, version: int | None = None
    ) -> Response[dict[str, str]]:
        """Delete with `?version=N` as read (422 without it, 409 when stale)."""
        scope, _ = await service.scoped_household(user, household_id)
        await service.delete_household(user, scope, household_id, version=version)
        return Response({"status": "deleted"})


HANDLERS: list[object] = [CommuneHouseholdApi, HouseholdApi]

from surveys.pages import HANDLERS as _pages  # noqa: E402  (the entry pages and validate API)

HANDLERS += _pages

from surveys.transfer_pages import HANDLERS as _transfer  # noqa: E402

HANDLERS += _transfer

from surveys.proposal_pages import HANDLERS as _proposals  # noqa: E402

HANDLERS += _proposals
