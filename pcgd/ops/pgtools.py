"""Which pg_dump / pg_restore / psql to run against a given server.

A pg_dump older than the server refuses to dump it; a newer one can dump it, and a pg_restore
at least as new as the pg_dump that wrote an archive can read it. So for a server of major
version N we take the binaries of exactly N when we have them, otherwise the oldest newer ones.
Candidates: `PCGD_PG_BIN` (a folder, when set: only that one), the binaries the embedded
`pgserver` package ships (PostgreSQL 16), Debian's `/usr/lib/postgresql/*/bin`
(postgresql-client-N) and whatever is on PATH.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from pcgd.errors import UserError
from pcgd.settings import get_settings

TOOLS = ("pg_dump", "pg_restore", "psql")


@dataclass(frozen=True, slots=True)
class PgTools:
    folder: Path
    major: int
    version: str

    def path(self, tool: str) -> str:
        return str(self.folder / tool)


def _candidate_folders() -> list[Path]:
    forced = get_settings().pg_bin
    if forced is not None:
        return [forced]
    folders: list[Path] = []
    spec = importlib.util.find_spec("pgserver")  # found without importing it (it warns)
    if spec is not None and spec.submodule_search_locations:
        folders.append(Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin")
    folders += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"))]
    on_path = shutil.which("pg_dump")
    if on_path:
        folders.append(Path(on_path).resolve().parent)
    return folders


@lru_cache(maxsize=1)
def available() -> tuple[PgTools, ...]:
    """Every folder holding all of TOOLS, with its version."""
    found: dict[Path, PgTools] = {}
    for folder in _candidate_folders():
        if folder in found or not all((folder / t).is_file() for t in TOOLS):
            continue
        try:
            out = subprocess.run([str(folder / "pg_dump"), "--version"], capture_output=True,
                                 text=True, timeout=10, check=True).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        match = re.search(r"(\d+)(?:\.(\d+))?", out)
        if match:
            found[folder] = PgTools(folder, int(match.group(1)), match.group(0))
    return tuple(found.values())


def for_server(major: int, *, at_least: int = 0) -> PgTools:
    """The binaries for a server of this major version (and archives of pg_dump `at_least`)."""
    usable = [t for t in available() if t.major >= max(major, at_least)]
    if not usable:
        have = ", ".join(f"{t.version} ({t.folder})" for t in available()) or "none"
        raise UserError(
            f"cần pg_dump/pg_restore/psql bản {max(major, at_least)} trở lên (need PostgreSQL"
            f" client ≥ {max(major, at_least)}; found: {have}): cài postgresql-client-"
            f"{max(major, at_least)} hoặc đặt PCGD_PG_BIN"
        )
    exact = [t for t in usable if t.major == major]
    return exact[0] if exact else min(usable, key=lambda t: t.major)


def libpq_args(url: str) -> tuple[str, dict[str, str]]:
    """(connection URL without the password, environment with PGPASSWORD) for the tools:
    a password on a command line is visible to every user of the machine (`ps`)."""
    parts = urlsplit(url)
    env = dict(os.environ)
    netloc = parts.netloc
    if parts.password is not None:
        if parts.password:
            env["PGPASSWORD"] = unquote(parts.password)
        user = parts.username or ""
        host = netloc.rsplit("@", 1)[1]
        netloc = f"{user}@{host}" if user else host
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "password"])
    return urlunsplit(parts._replace(netloc=netloc, query=query)), env
