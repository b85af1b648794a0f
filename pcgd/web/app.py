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
from pcgd.common import uploads
from pcgd.common.masking import mask_id
from pcgd.common.vn import JINJA_FILTERS
from pcgd.runtime import open_database
from pcgd.settings import Settings, get_settings
from pcgd.web import errors, layout, openapi, security

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


DOMAIN_MODULES = (
    "pcgd.compliance.controllers",
    "surveys.controllers",
    "pcgd.registry.controllers",
    "pcgd.workflow.controllers",
    "reports.controllers",
    "geo.controllers",
    "pcgd.ops.controllers",
    "pcgd.dossier.controllers",
)


def _domain_modules() -> list[object]:
    """The later domains' controller modules that exist."""
    import importlib

    found: list[object] = []
    for module_name in DOMAIN_MODULES:
        try:
            found.append(importlib.import_module(module_name))
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
    return found


def _domain_handlers() -> list[object]:
    """Controllers of the later domains, registered when their modules exist."""
    return [h for module in _domain_modules() for h in getattr(module, "HANDLERS", [])]


def _template_dirs() -> list[Path]:
    """The shared templates, then each domain's own `templates/` folder (its TEMPLATES)."""
    extra = [getattr(m, "TEMPLATES", None) for m in _domain_modules()]
    return [WEB_DIR / "templates", *(Path(d) for d in extra if d is not None)]


def create_app(settings: Settings | None = None, *, manage_database: bool = True) -> Litestar:
    settings = settings or get_settings()

    async def startup() -> None:
        await open_database(settings, max_size=20)

    async def shutdown() -> None:
        await db.close()
        db.stop_embedded()

    template_engine = JinjaTemplateEngine(directory=_template_dirs())
    template_engine.engine.globals["app_name"] = "PCGD-XMC"
    template_engine.engine.filters.update(JINJA_FILTERS)
    template_engine.engine.filters["mask_id"] = mask_id
    template_engine.engine.globals["upload_limits"] = uploads.LIMITS_TEXT
    template_engine.engine.globals["upload_max_bytes"] = uploads.MAX_UPLOAD_BYTES
    app = Litestar(
        route_handlers=[
            *route_handlers(),
            create_static_files_router(path="/static", directories=[WEB_DIR / "static"]),
        ],
        on_startup=[startup] if manage_database else [],
        on_shutdown=[shutdown] if manage_database else [],
        middleware=[security.hardening_headers, security.json_only_api],
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
    openapi.document_errors(app.openapi_schema)  # the shared error answers of every route
    return app
