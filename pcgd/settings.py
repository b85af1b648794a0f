"""Every setting read from the environment, in one place."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


def _default_data_dir(env: os._Environ[str] | dict[str, str]) -> Path:
    home = env.get("HOME") or str(Path.home())
    base = env.get("XDG_DATA_HOME") or str(Path(home) / ".local" / "share")
    return Path(base) / "pcgd"


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str | None
    data_dir: Path
    host: str
    port: int
    debug: bool
    secure_cookies: bool | None = None  # None: Secure unless served to this machine over HTTP
    # Production serving (pcgd.ops): see deploy/pcgd.env for what each one is for.
    workers: int = 1
    db_pool_size: int = 20
    cache_check_ms: int = 1000
    max_upload_mb: int = 20
    pg_bin: Path | None = None  # folder of pg_dump/pg_restore/psql for backups (else found)
    dossier_jobs: int = 1  # worker processes writing a dossier's workbooks (pcgd.dossier)

    @property
    def embedded(self) -> bool:
        return not self.database_url

    @property
    def secret_key(self) -> bytes:
        """A 32-byte key kept in the data folder so sessions survive restarts."""
        path = self.data_dir / "secret.key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_bytes(secrets.token_bytes(32))
            path.chmod(0o600)
        return path.read_bytes()[:32]


class SettingsError(ValueError):
    """A setting has a value we cannot use."""


def _positive(env: os._Environ[str] | dict[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip() or str(default)
    if not text.isdigit() or int(text) < 1:
        raise SettingsError(f"{name} must be a whole number ≥ 1, got {text!r}")
    return int(text)


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def load_settings(env: os._Environ[str] | dict[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    port_text = env.get("PCGD_PORT", "8000")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise SettingsError(f"PCGD_PORT must be a port number, got {port_text!r}")
    url = env.get("DATABASE_URL") or None
    if url and not url.startswith(("postgres://", "postgresql://")):
        raise SettingsError("DATABASE_URL must be a postgresql:// URL")
    data_dir = Path(env.get("PCGD_DATA_DIR") or _default_data_dir(env)).expanduser()
    return Settings(
        database_url=url,
        data_dir=data_dir,
        host=env.get("PCGD_HOST", "127.0.0.1"),
        port=int(port_text),
        debug=env.get("PCGD_DEBUG", "") in {"1", "true", "yes"},
        secure_cookies=_flag(env.get("PCGD_SECURE_COOKIES", "")),
        workers=_positive(env, "PCGD_WORKERS", _cores()),
        db_pool_size=_positive(env, "PCGD_DB_POOL_SIZE", 20),
        cache_check_ms=_positive(env, "PCGD_CACHE_CHECK_MS", 1000),
        max_upload_mb=max_upload_mb(env),
        pg_bin=Path(env["PCGD_PG_BIN"]) if env.get("PCGD_PG_BIN") else None,
        dossier_jobs=_positive(env, "PCGD_DOSSIER_JOBS", min(2, _cores())),
    )


def max_upload_mb(env: os._Environ[str] | dict[str, str] | None = None) -> int:
    """PCGD_MAX_UPLOAD_MB (default 20): the one upload limit (pcgd.common.uploads, nginx)."""
    return _positive(os.environ if env is None else env, "PCGD_MAX_UPLOAD_MB", 20)


def _flag(text: str) -> bool | None:
    """PCGD_SECURE_COOKIES: 1/true/yes on, 0/false/no off, unset: decided per request."""
    value = text.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    if value:
        raise SettingsError(f"PCGD_SECURE_COOKIES must be 1 or 0, got {text!r}")
    return None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
