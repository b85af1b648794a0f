from pathlib import Path

import pytest

from pcgd.settings import SettingsError, load_settings


def test_defaults_use_embedded_database_and_port_8000() -> None:
    s = load_settings({"HOME": "/home/x"})
    assert s.embedded and s.database_url is None
    assert s.port == 8000
    assert s.data_dir == Path("/home/x/.local/share/pcgd")


def test_environment_overrides() -> None:
    s = load_settings(
        {"DATABASE_URL": "postgresql://u@h:5/d", "PCGD_PORT": "9001", "PCGD_DATA_DIR": "/tmp/d"}
    )
    assert not s.embedded
    assert s.database_url == "postgresql://u@h:5/d"
    assert s.port == 9001 and s.data_dir == Path("/tmp/d")


@pytest.mark.parametrize("env", [{"PCGD_PORT": "abc"}, {"PCGD_PORT": "70000"},
                                 {"DATABASE_URL": "mysql://x"}])
def test_bad_values_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        load_settings(env)


def test_secret_key_is_created_once(tmp_path: Path) -> None:
    s = load_settings({"PCGD_DATA_DIR": str(tmp_path)})
    first = s.secret_key
    assert len(first) == 32
    assert s.secret_key == first
