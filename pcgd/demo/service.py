"""Building the demo province in the database: bulk load, flags, schools, users.

The load is one transaction on one connection. Ids for households and persons are reserved as
blocks up front (so rows can be built before they are sent), and the next commune is generated in
a worker thread while PostgreSQL digests the current one's COPY: the database, not Python, sets
the pace.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from pcgd import db
from pcgd.accounts.service import create_user
from pcgd.demo.generator import household_sizes
from pcgd.demo.plan import DEFAULT_PROVINCE, DemoPlan, plan_demo
from pcgd.demo.records import (
    HOUSEHOLD_COLUMNS,
    PERSON_COLUMNS,
    PERSON_YEAR_COLUMNS,
    ChunkJob,
    build_chunk,
)
from pcgd.settings import get_settings
from pcgd.units import service as units

Progress = Callable[[int, int], None]  # (persons loaded, persons in total)
PREFETCH = 2  # communes generated ahead of the one being copied


@dataclass(frozen=True, slots=True)
class LoadResult:
    households: int
    persons: int
    jobs: tuple[ChunkJob, ...]  # enough to rebuild exactly the rows that were loaded


async def build_demo(
    province_code: str | None,
    year: int,
    persons: int,
    seed: int,
    *,
    password: str | None = None,
    progress: Progress | None = None,
) -> dict[str, object]:
    """Create (or replace) the demo province for a survey year and its demo logins."""
    plan = await plan_demo(province_code, year, persons, seed)
    loaded = await load_plan(plan, progress=progress)
    users = await create_demo_users(
        plan, password or demo_password(plan.province.code, year)
    )
    await after_load([c.id for c in plan.communes], year, seed)
    return {
        "province": plan.province.code,
        "year": year,
        "districts": [d.code for d in plan.districts],
        "full_district": plan.full_district.code if plan.full_district else None,
        "communes": [c.code for c in plan.communes],
        "users": users,
        "persons": loaded.persons,
        "households": loaded.households,
    }


async def after_load(commune_ids: list[int], year: int, seed: int = 1) -> None:
    """After the rows are committed: the registry (schools' classes, teachers, learners) and the
    indicator counts, so the demo evaluates at once."""
    from pcgd.registry.demo import build_registry_demo
    from surveys.rollup import service as rollup

    await build_registry_demo(commune_ids, year, seed)
    await rollup.rebuild(commune_ids, year)
    # Fresh statistics: right after a bulk load the planner still thinks the tables are empty
    # and picks nested loops that take minutes (the duplicates report) before autovacuum runs.
    await db.pool().execute(
        "ANALYZE household, person, person_year, hamlet, school, school_class, school_staff,"
        " school_facility, learner, commune_age_count"
    )


async def demo_exists(province_code: str | None, year: int) -> bool:
    """Whether this province's demo for the year has been built (its login and its rows)."""
    province = await units.resolve(province_code or DEFAULT_PROVINCE, year, kind="province")
    has_user = await db.pool().fetchval(
        "SELECT EXISTS (SELECT 1 FROM user_account WHERE username = $1)",
        username("province", province.code, year),
    )
    if not has_user:
        return False
    ids = [c.id for c in await units.communes_under(province, year)]
    return bool(
        await db.pool().fetchval(
            "SELECT EXISTS (SELECT 1 FROM household WHERE commune = ANY($1::int[])"
            " AND year = $2)",
            ids,
            year,
        )
    )


def demo_password(province_code: str, year: int) -> str:
    """The demo logins' password: secret per installation, yet the same on every rebuild.

    Derived from the data folder's secret key, so `pcgd run` can show it again without the
    database keeping it in clear.
    """
    message = f"pcgd-demo/{province_code}/{year}".encode()
    digest = hmac.new(get_settings().secret_key, message, "sha256").digest()
    return base64.urlsafe_b64encode(digest)[:12].decode()


async def demo_logins(province_code: str | None, year: int) -> dict[str, object]:
    """The logins of an existing demo (same shape as build_demo's result, minus the counts)."""
    province = await units.resolve(province_code or DEFAULT_PROVINCE, year, kind="province")
    password = demo_password(province.code, year)
    rows = await db.pool().fetch(
        "SELECT a.username, a.role, coalesce(u.code, '') AS unit FROM user_account a"
        " LEFT JOIN admin_unit u ON u.id = a.unit WHERE a.username = ANY($1::text[])"
        " OR (a.unit = ANY($2::int[]) AND a.username LIKE $3)",
        [username("admin", None, year), username("province", province.code, year)],
        [u.id for u in await units.list_units(year, parent=province)]
        + [c.id for c in await units.communes_under(province, year)],
        f"demo.{year}.%",
    )
    order = {"admin": 0, "province": 1, "district": 2, "commune": 3}
    users = sorted(
        ({"username": r["username"], "password": password, "role": r["role"], "unit": r["unit"]}
         for r in rows),
        key=lambda u: (order.get(u["role"], 4), u["unit"]),
    )
    return {
        "province": province.code,
        "year": year,
        "districts": [u["unit"] for u in users if u["role"] == "district"],
        "communes": [u["unit"] for u in users if u["role"] == "commune"],
        "users": users,
    }


def username(role: str, code: str | None, year: int) -> str:
    """demo.<year>.admin, or demo.<year>.tinh|huyen|xa.<code> for a province, district, commune."""
    label = {"province": "tinh", "district": "huyen", "commune": "xa"}
    return f"demo.{year}.admin" if role == "admin" else f"demo.{year}.{label[role]}.{code}"


async def create_demo_users(plan: DemoPlan, password: str) -> list[dict[str, str]]:
    """One login per role and unit; re-running resets them (replace=True)."""
    wanted: list[tuple[str, units.Unit | None]] = [("admin", None), ("province", plan.province)]
    wanted += [("district", d) for d in plan.districts]
    wanted += [("commune", c) for c in plan.communes]
    users = []
    for role, unit in wanted:
        name = username(role, unit.code if unit else None, plan.year)
        label = f"Demo {unit.name}" if unit else "Demo quản trị"
        await create_user(name, password, role, unit, full_name=label, replace=True)
        users.append(
            {"username": name, "password": password, "role": role,
             "unit": unit.code if unit else ""}
        )
    return users


async def load_plan(plan: DemoPlan, *, progress: Progress | None = None) -> LoadResult:
    """Replace the data of the plan's communes, and of an earlier demo's, for the year."""
    year = plan.year
    commune_ids = sorted({c.id for c in plan.communes} | set(await _earlier_demo(plan)))
    household_counts = [len(household_sizes(s, year, plan.seed)) for s in plan.specs]
    now = datetime.now(UTC)
    async with db.transaction() as conn:
        # Lock first: reserving id blocks must not race other writers, and taking the lock
        # before the deletes keeps lock upgrades (and deadlocks) out of the picture.
        await conn.execute("LOCK TABLE household, person IN SHARE ROW EXCLUSIVE MODE")
        await _delete_previous(conn, commune_ids, year)
        hamlet_ids = [
            tuple([await units.ensure_hamlet(conn, s.id, name) for name in s.hamlets])
            for s in plan.specs
        ]
        await _upsert_schools(conn, plan)
        await conn.executemany(
            "INSERT INTO commune_year_flag (commune, year, dbkk) VALUES ($1, $2, $3)"
            " ON CONFLICT (commune, year) DO UPDATE SET dbkk = EXCLUDED.dbkk",
            [(s.id, year, s.dbkk) for s in plan.specs],
        )
        await conn.executemany(
            "INSERT INTO survey_period (commune, year, status, updated_at)"
            " VALUES ($1, $2, 'draft', $3) ON CONFLICT (commune, year)"
            " DO UPDATE SET status = 'draft', updated_at = EXCLUDED.updated_at",
            [(s.id, year, now) for s in plan.specs],
        )
        household_base = await _reserve_ids(conn, "household", sum(household_counts))
        person_base = await _reserve_ids(conn, "person", plan.persons)
        jobs = []
        for spec, n_households, hamlets in zip(
            plan.specs, household_counts, hamlet_ids, strict=True
        ):
            jobs.append(
                ChunkJob(spec, year, plan.as_of, plan.seed, household_base, person_base,
                         hamlets, now)
            )
            household_base += n_households
            person_base += spec.persons
        await copy_chunks(conn, jobs, progress=progress)
    return LoadResult(sum(household_counts), plan.persons, tuple(jobs))


async def _earlier_demo(plan: DemoPlan) -> list[int]:
    """Communes given demo logins by an earlier build of this province and year."""
    under = [c.id for c in await units.communes_under(plan.province, plan.year)]
    rows = await db.pool().fetch(
        "SELECT unit FROM user_account WHERE unit = ANY($1::int[]) AND username LIKE $2",
        under,
        f"demo.{plan.year}.xa.%",
    )
    return [r["unit"] for r in rows]


async def copy_chunks(
    conn: asyncpg.Connection, jobs: Sequence[ChunkJob], *, progress: Progress | None = None
) -> None:
    """COPY every commune's rows, building the next communes in a thread meanwhile."""
    loop = asyncio.get_running_loop()
    total = sum(j.spec.persons for j in jobs)
    done = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-gen") as pool:
        pending = deque(loop.run_in_executor(pool, build_chunk, j) for j in jobs[:PREFETCH])
        upcoming = iter(jobs[PREFETCH:])
        try:
            while pending:
                chunk = await pending.popleft()
                following = next(upcoming, None)
                if following is not None:
                    pending.append(loop.run_in_executor(pool, build_chunk, following))
                await conn.copy_records_to_table(
                    "household", records=chunk.households, columns=HOUSEHOLD_COLUMNS
                )
                await conn.copy_records_to_table(
                    "person", records=chunk.persons, columns=PERSON_COLUMNS
                )
                await conn.copy_records_to_table(
                    "person_year", records=chunk.person_years, columns=PERSON_YEAR_COLUMNS
                )
                done += len(chunk.persons)
                if progress is not None:
                    progress(done, total)
        finally:
            for future in pending:
                future.cancel()


async def _reserve_ids(conn: asyncpg.Connection, table: str, n: int) -> int:
    """First id of a block of n consecutive ids of table's sequence (the table is locked)."""
    last = await conn.fetchval(
        "SELECT setval(pg_get_serial_sequence($1, 'id'),"
        " nextval(pg_get_serial_sequence($1, 'id')) + $2 - 1)",
        table,
        n,
    )
    return int(last) - n + 1


_LINKED_INDEXED = (
    "SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
    " AND a.attnum = i.indkey[0] WHERE i.indrelid = 'person_year'::regclass"
    " AND a.attname = 'linked')"
)
_TEMP_INDEX = "demo_person_year_linked_tmp"


async def _delete_previous(conn: asyncpg.Connection, commune_ids: list[int], year: int) -> None:
    """Remove the communes' rows for the year, then the persons no other year refers to.

    Deleting a person_year row makes PostgreSQL look for rows whose `linked` points at it; with
    no index on `linked` that is a full scan per deleted row. Until the schema has one, a
    transaction-local partial index stands in (dropped again before commit).
    """
    temp_index = not await conn.fetchval(_LINKED_INDEXED)
    if temp_index:
        await conn.execute(
            f"CREATE INDEX {_TEMP_INDEX} ON person_year (linked) WHERE linked IS NOT NULL"
        )
    await conn.execute(
        "CREATE TEMP TABLE demo_old_person ON COMMIT DROP AS"
        " SELECT DISTINCT person AS id FROM person_year"
        " WHERE commune = ANY($1::int[]) AND year = $2",
        commune_ids,
        year,
    )
    await conn.execute(
        "UPDATE person_year SET linked = NULL WHERE linked IN"
        " (SELECT id FROM person_year WHERE commune = ANY($1::int[]) AND year = $2)",
        commune_ids,
        year,
    )
    await conn.execute(
        "DELETE FROM person_year WHERE commune = ANY($1::int[]) AND year = $2", commune_ids, year
    )
    await conn.execute(
        "DELETE FROM household WHERE commune = ANY($1::int[]) AND year = $2", commune_ids, year
    )
    await conn.execute(
        "DELETE FROM person p USING demo_old_person o WHERE p.id = o.id"
        " AND NOT EXISTS (SELECT 1 FROM person_year y WHERE y.person = p.id)"
    )
    if temp_index:
        await conn.execute(f"DROP INDEX {_TEMP_INDEX}")


async def _upsert_schools(conn: asyncpg.Connection, plan: DemoPlan) -> None:
    await conn.executemany(
        "INSERT INTO school (code, name, commune, levels, public) VALUES ($1, $2, $3, $4, true)"
        " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, commune = EXCLUDED.commune,"
        " levels = EXCLUDED.levels",
        [(s.code, s.name, s.commune_id, list(s.levels)) for s in plan.schools],
    )
