"""Which real units the demo province uses, and its hamlets, schools and commune specs.

Planning only reads the unit tree; everything it invents (commune choice, hamlet names, school
codes, profiles) follows from the seed, so a re-run plans the same province again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np

from pcgd.demo import names, profiles
from pcgd.demo.generator import CommuneSpec, Schools, split_persons
from pcgd.errors import UserError
from pcgd.units import service as units

DEFAULT_PROVINCE = "19"  # Thái Nguyên: same code in both trees; Tày, Nùng, Dao, Mông minorities
PERSONS_PER_COMMUNE = 9_000
MIN_COMMUNES = 12
MIN_DISTRICTS = 3
FULL_DISTRICT_MIN = 20  # a fully entered district has at least this many communes
MIN_PERSONS, MAX_PERSONS = 100, 20_000_000


@dataclass(frozen=True, slots=True)
class SchoolRow:
    code: str
    name: str
    commune_id: int
    levels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DemoPlan:
    province: units.Unit
    year: int
    as_of: date
    seed: int
    districts: tuple[units.Unit, ...]  # empty for the 2-tier tree
    communes: tuple[units.Unit, ...]
    full_district: units.Unit | None  # the district whose every commune has data (3-tier)
    specs: tuple[CommuneSpec, ...]
    schools: tuple[SchoolRow, ...]

    @property
    def persons(self) -> int:
        return sum(s.persons for s in self.specs)


def data_period_end(year: int, today: date | None = None) -> date:
    """The last day a demo date may fall on: 30 Sep of the survey year, or today if earlier."""
    today = today or date.today()
    end = min(date(year, 9, 30), today)
    if end < date(year - 1, 10, 1):
        raise UserError(f"bad year {year}: its data period starts on 1 Oct {year - 1}")
    return end


def _short(name: str) -> str:
    for prefix in ("Thành phố ", "Thị trấn ", "Thị xã ", "Phường ", "Huyện ", "Quận ", "Xã ",
                   "Tỉnh ", "Đặc khu "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _urban(unit: units.Unit) -> bool:
    return unit.name.startswith(("Phường", "Thị trấn"))


def _full_district(pools: dict[str, list[units.Unit]], districts: list[units.Unit], cap: int
                   ) -> units.Unit | None:
    """The district entered in full: the smallest with at least FULL_DISTRICT_MIN communes (so
    two planted registry failures still leave 90% recognised), else the largest; only among
    districts of at most `cap` communes (the people must go round), None if there is none."""
    fits = [d for d in districts if 0 < len(pools[d.code]) <= cap]
    big = [d for d in fits if len(pools[d.code]) >= FULL_DISTRICT_MIN]
    if big:
        return min(big, key=lambda d: (len(pools[d.code]), d.code))
    return max(fits, key=lambda d: (len(pools[d.code]), d.code), default=None)


async def _choose_communes(
    province: units.Unit, year: int, wanted: int, cap: int, rng: np.random.Generator
) -> tuple[list[units.Unit], list[units.Unit], dict[int, units.Unit], units.Unit | None]:
    """(districts, communes, commune id → district, the fully entered district), in code
    order. In the 3-tier tree one district gets every one of its communes, so a recognised
    district can be shown end to end; the others get a sample."""
    if units.tier_of(year) == 2:
        pool = await units.list_units(year, parent=province, kind="commune")
        if not pool:
            raise UserError(f"province {province.code} has no communes in {year}")
        picked = sorted(rng.choice(len(pool), min(wanted, len(pool)), replace=False))
        return [], [pool[i] for i in picked], {}, None
    districts = await units.list_units(year, parent=province, kind="district")
    if not districts:
        raise UserError(f"province {province.code} has no districts in {year}")
    pools = {d.code: await units.list_units(year, parent=d, kind="commune") for d in districts}
    n_districts = min(len(districts), max(MIN_DISTRICTS, math.ceil(wanted / 12)))
    full = _full_district(pools, districts, cap - (n_districts - 1))
    others = [d for d in districts if d is not full]
    n_others = min(len(others), n_districts - (full is not None))
    chosen = sorted(
        [*([full] if full else []),
         *(others[i] for i in rng.choice(len(others), n_others, replace=False))],
        key=lambda d: d.code,
    )
    queues = []
    for d in chosen:
        pool = pools[d.code]
        queues.append([pool[i] for i in rng.permutation(len(pool))])
    communes: list[units.Unit] = []
    parent: dict[int, units.Unit] = {}
    if full is not None:
        full_queue = queues[chosen.index(full)]
        while full_queue:
            c = full_queue.pop()
            communes.append(c)
            parent[c.id] = full
    rounds = 0
    while (len(communes) < wanted or rounds == 0) and any(queues):
        for d, queue in zip(chosen, queues, strict=True):
            if queue and (len(communes) < wanted or rounds == 0):  # every district gets one
                c = queue.pop()
                communes.append(c)
                parent[c.id] = d
        rounds += 1
    if not communes:
        raise UserError(f"province {province.code} has no communes in {year}")
    used = [d for d in chosen if any(parent[c.id] is d for c in communes)]
    return used, sorted(communes, key=lambda c: c.code), parent, full


def _hamlets(unit: units.Unit, rng: np.random.Generator) -> tuple[str, ...]:
    n = int(rng.integers(3, 7))
    if _urban(unit):
        return tuple(f"Tổ dân phố {k}" for k in range(1, n + 1))
    stems = [names.HAMLET_STEMS[i] for i in rng.permutation(len(names.HAMLET_STEMS))]
    result = []
    for k in range(1, n + 1):
        if rng.random() < 0.5:
            result.append(f"Thôn {k}")
        else:
            kind = ("Thôn", "Xóm", "Bản")[int(rng.integers(0, 3))]
            result.append(f"{kind} {stems.pop()}")
    return tuple(dict.fromkeys(result))


def _minority_share(unit: units.Unit, dbkk: bool, rng: np.random.Generator) -> float:
    if dbkk:
        return float(rng.uniform(0.5, 0.8))
    if _urban(unit):
        return 0.03
    return float(rng.choice([0.0, 0.05, 0.15, 0.15, 0.2, 0.3]))


async def plan_demo(province_code: str | None, year: int, persons: int, seed: int) -> DemoPlan:
    units.check_year(year)
    if not MIN_PERSONS <= persons <= MAX_PERSONS:
        raise UserError(f"bad --persons {persons}: between {MIN_PERSONS} and {MAX_PERSONS:,}")
    as_of = data_period_end(year)
    province = await units.resolve(province_code or DEFAULT_PROVINCE, year, kind="province")
    rng = np.random.default_rng([seed, year, int(province.code)])
    wanted = max(MIN_COMMUNES, round(persons / PERSONS_PER_COMMUNE))
    wanted = min(wanted, persons // 50)  # at least 50 people per commune
    districts, communes, parent, full = await _choose_communes(
        province, year, wanted, persons // 50, rng
    )
    tier = units.tier_of(year)
    counts = split_persons(persons, len(communes), seed)
    assigned = profiles.assign_split([full is not None and parent[c.id] is full
                                      for c in communes])
    minorities = names.minority_groups(province.code)

    def code(unit: units.Unit, k: int) -> str:
        return f"{province.code}{tier}{unit.code}{k}"

    schools: list[SchoolRow] = []
    own: list[dict[str, tuple[str, ...]]] = []
    for c, (_, dbkk), n in zip(communes, assigned, counts, strict=True):
        s = _short(c.name)
        mine: dict[str, tuple[str, ...]] = {"mn": (code(c, 1),)}
        schools.append(SchoolRow(code(c, 1), f"Trường Mầm non {s}", c.id, ("MN",)))
        if n >= 6000:
            mine["mn"] += (code(c, 6),)
            schools.append(SchoolRow(code(c, 6), f"Trường Mầm non Hoa Sen {s}", c.id, ("MN",)))
        if dbkk:
            mine["th"] = mine["thcs"] = (code(c, 5),)
            schools.append(
                SchoolRow(code(c, 5), f"Trường PTDTBT TH&THCS {s}", c.id, ("TH", "THCS"))
            )
        else:
            mine["th"] = (code(c, 2),)
            schools.append(SchoolRow(code(c, 2), f"Trường Tiểu học {s}", c.id, ("TH",)))
            if n >= 5000:
                mine["th"] += (code(c, 3),)
                schools.append(SchoolRow(code(c, 3), f"Trường Tiểu học số 2 {s}", c.id, ("TH",)))
            mine["thcs"] = (code(c, 4),)
            schools.append(SchoolRow(code(c, 4), f"Trường THCS {s}", c.id, ("THCS",)))
        own.append(mine)

    # Upper secondary and continuing education: per district, or per group of 2-tier communes.
    if districts:
        groups = [[i for i, c in enumerate(communes) if parent[c.id] is d] for d in districts]
        hosts = list(districts)
    else:
        groups = [list(range(i, min(i + 4, len(communes)))) for i in range(0, len(communes), 4)]
        hosts = [communes[g[0]] for g in groups]
    upper: list[tuple[tuple[str, ...], tuple[str, ...]]] = [((), ())] * len(communes)
    for host, members in zip(hosts, groups, strict=True):
        site = communes[members[0]]
        label = _short(host.name)
        thpt = SchoolRow(code(host, 8), f"Trường THPT {label}", site.id, ("THPT",))
        gdtx = SchoolRow(
            code(host, 9), f"Trung tâm GDNN-GDTX {label}", site.id, ("GDTX", "GDNN")
        )
        schools += [thpt, gdtx]
        for i in members:
            upper[i] = ((thpt.code,), (gdtx.code,))

    specs = []
    offset = 0
    for i, (c, (profile, dbkk), n) in enumerate(zip(communes, assigned, counts, strict=True)):
        neighbours = [own[j] for j in (i - 1, i + 1) if 0 <= j < len(communes) and j != i]
        specs.append(
            CommuneSpec(
                id=c.id,
                code=c.code,
                name=c.name,
                profile=profile,
                dbkk=dbkk,
                hamlets=_hamlets(c, rng),
                persons=n,
                person_offset=offset,
                minority_share=_minority_share(c, dbkk, rng),
                minorities=minorities,
                id_prefix=int(province.code),
                schools=Schools(
                    mn=own[i]["mn"],
                    th=own[i]["th"],
                    thcs=own[i]["thcs"],
                    thpt=upper[i][0],
                    gdtx=upper[i][1],
                    th_elsewhere=tuple(x for o in neighbours for x in o["th"]),
                    thcs_elsewhere=tuple(x for o in neighbours for x in o["thcs"]),
                ),
            )
        )
        offset += n
    return DemoPlan(
        province, year, as_of, seed, tuple(districts), tuple(communes), full, tuple(specs),
        tuple(schools),
    )
