"""Settings of production serving: defaults and refusals."""

import os

import pytest

from pcgd.settings import SettingsError, load_settings


def test_serving_defaults() -> None:
    s = load_settings({"HOME": "/home/x"})
    assert s.workers == len(os.sched_getaffinity(0))  # one per core
    assert (s.db_pool_size, s.cache_check_ms, s.max_upload_mb) == (20, 1000, 20)


def test_serving_overrides() -> None:
    s = load_settings({"PCGD_WORKERS": "3", "PCGD_DB_POOL_SIZE": "8",
                       "PCGD_CACHE_CHECK_MS": "250", "PCGD_MAX_UPLOAD_MB": "50"})
    assert (s.workers, s.db_pool_size, s.cache_check_ms, s.max_upload_mb) == (3, 8, 250, 50)


@pytest.mark.parametrize("name", ["PCGD_WORKERS", "PCGD_DB_POOL_SIZE", "PCGD_CACHE_CHECK_MS",
                                  "PCGD_MAX_UPLOAD_MB"])
@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_bad_serving_values_are_refused_naming_the_setting(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value})
