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
    )


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
