"""The Litestar application factory: registers every domain's controllers in one place."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from pcgd import db
from pcgd.common.vn import JINJA_FILTERS
from pcgd.runtime import open_database
from pcgd.settings import Settings, get_settings
from pcgd.web import errors, layout, security

WEB_DIR = Path(__file__).parent


def route_handlers() -> list[object]:
    from pcgd.accounts.controllers import AuthApi, AuthPages
    from pcgd.units.controllers import UnitApi, UnitPages
    from pcgd.web.controllers import favicon, go, health, home, switch_year

    handlers: list[object] = [health, home, favicon, go, switch_year, AuthPages, AuthApi,
                              UnitPages, UnitApi]
    for extra in _domain_handlers():
        handlers.append(extra)
    return handlers


def _domain_handlers() -> list[object]:
    """Controllers of the later domains, registered when their modules exist."""
    import importlib

    found: list[object] = []
    for module_name in (
        "pcgd.compliance.controllers",
        "surveys.controllers",
        "pcgd.registry.controllers",
        "pcgd.workflow.controllers",
        "reports.controllers",
        "geo.controllers",
        "pcgd.ops.controllers",
    ):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        found.extend(getattr(module, "HANDLERS", []))
    return found


def create_app(settings: Settings | None = None, *, manage_database: bool = True) -> Litestar:
    settings = settings or get_settings()

    async def startup() -> None:
        await open_database(settings, max_size=20)

    async def shutdown() -> None:
        await db.close()
        db.stop_embedded()

    template_engine = JinjaTemplateEngine(directory=WEB_DIR / "templates")
    template_engine.engine.globals["app_name"] = "PCGD-XMC"
    template_engine.engine.filters.update(JINJA_FILTERS)
    return Litestar(
        route_handlers=[
            *route_handlers(),
            create_static_files_router(path="/static", directories=[WEB_DIR / "static"]),
        ],
        on_startup=[startup] if manage_database else [],
        on_shutdown=[shutdown] if manage_database else [],
        middleware=[security.session_config(settings).middleware, security.json_only_api],
        csrf_config=security.csrf_config(settings),
        dependencies={"user": Provide(security.provide_user)},
        template_config=TemplateConfig(instance=template_engine),
        exception_handlers=errors.HANDLERS,  # type: ignore[arg-type]
        before_request=layout.before_request,
        after_exception=[layout.after_exception],
        openapi_config=OpenAPIConfig(
            title="PCGD-XMC API",
            version="1.0",
            path="/schema",
            render_plugins=[JsonRenderPlugin()],
        ),
        logging_config=LoggingConfig(log_exceptions="never"),
        debug=False,
    )
