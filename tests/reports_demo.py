"""One prepared database for the reports tests: two demo provinces (2024 with its fully entered
district, 2025), their form sets and logins, built once per test session and shared by the
integration and browser tests (import `reports_demo_fixture` into a test module)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

PROVINCE = "22"  # Quảng Ninh: no other test uses it
OLD_YEAR, NEW_YEAR = 2024, 2025
PERSONS = {OLD_YEAR: 3000, NEW_YEAR: 2400}
SEED = 5


@dataclass
class Demo:
    results: dict[int, dict[str, Any]]
    sets: dict[tuple[str, int], Any] = field(default_factory=dict)  # (unit code, year) → FormSet

    def users(self, year: int, role: str) -> list[dict[str, str]]:
        return [u for u in self.results[year]["users"] if u["role"] == role]

    def commune(self, year: int, index: int = 0) -> str:
        return self.results[year]["communes"][index]

    async def form_set(self, code: str, year: int) -> Any:
        from pcgd.units import service as units
        from reports import service

        if (code, year) not in self.sets:
            unit = await units.resolve(code, year)
            self.sets[(code, year)] = await service.form_set(unit, year)
        return self.sets[(code, year)]


_built: Demo | None = None


@pytest.fixture(scope="session", name="reports_demo")
async def reports_demo_fixture(database: str) -> Demo:
    global _built
    if _built is None:
        from pcgd.demo import service as demo

        results = {}
        for year, persons in PERSONS.items():
            results[year] = await demo.build_demo(PROVINCE, year, persons, SEED)
        _built = Demo(results)
    return _built
