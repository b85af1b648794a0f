"""Routes of the maps domain: map pages and files, the boundary upload, and geo's static files."""

from __future__ import annotations

from pathlib import Path

from litestar.static_files import create_static_files_router

from geo.pages import ImportPages, MapPages

STATIC = Path(__file__).parent / "static"
TEMPLATES = Path(__file__).parent / "templates"

HANDLERS = [
    MapPages,
    ImportPages,
    create_static_files_router(path="/static/geo", directories=[STATIC],
                               include_in_schema=False),
]
