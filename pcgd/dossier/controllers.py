"""Routes of the dossier domain: the "Hồ sơ công nhận" pages and their static files."""

from __future__ import annotations

from pathlib import Path

from litestar.static_files import create_static_files_router

from pcgd.dossier.pages import TEMPLATES, DossierPages

STATIC = Path(__file__).parent / "static"
__all__ = ["HANDLERS", "TEMPLATES"]  # TEMPLATES: this domain's own folder, found by the app

HANDLERS: list[object] = [
    DossierPages,
    create_static_files_router(path="/static/dossier", directories=[STATIC],
                               include_in_schema=False),
]
