"""Deterministic synthetic household rolls for one commune and survey year (pure numpy).

Everything is computed on whole-commune column arrays: households are a (H, 7) matrix of member
slots, people are its non-empty cells, and schooling is decided per age cohort by rank, so a
profile's target rates are met exactly instead of only on average. Given the same spec, year,
`as_of` and seed, the output is identical, whatever order communes are generated in.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from pcgd.demo import names
from pcgd.demo.profiles import PROFILES, Rates
from surveys.roll.fields import DISABILITY_TYPES

MAX_SIZE = 7
SIZES = np.arange(2, MAX_SIZE + 1)
SIZE_P = np.array([0.20, 0.24, 0.28, 0.15, 0.08, 0.05])

# Member roles inside a household (matrix cells).
NONE, HEAD, SPOUSE, CHILD, CHILD_IN_LAW, GRANDCHILD, PARENT = range(7)

# Enrolment level codes; index into LEVELS for the roll value.
LEVELS = ("", "MN", "TH", "THCS", "THPT", "GDTX_THCS", "GDTX_THPT", "GDNN", "XMC")
L_NONE, L_MN, L_TH, L_THCS, L_THPT, L_GDTX_THCS, L_GDTX_THPT, L_GDNN, L_XMC = range(9)
NO_GRADE, NURSERY = -1, 0  # enrolled_grade codes besides 1..12 ('NT' for nursery)

OTHER_ID_PREFIXES = np.array([1, 31, 79, 24, 40, 38, 26, 22, 2, 8], dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Schools:
    """School codes a commune's pupils may attend (own ones first, then elsewhere)."""

    mn: tuple[str, ...]
    th: tuple[str, ...]
    thcs: tuple[str, ...]
    thpt: tuple[str, ...]
    gdtx: tuple[str, ...]
    th_elsewhere: tuple[str, ...] = ()
    thcs_elsewhere: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CommuneSpec:
    id: int
    code: str
    name: str
    profile: str
    dbkk: bool
    hamlets: tuple[str, ...]
    persons: int
    person_offset: int  # index of the commune's first person in the province (unique IDs)
    minority_share: float
    minorities: tuple[tuple[str, float], ...]
    id_prefix: int  # province part of personal IDs (3 digits, e.g. 19 → "019")
    schools: Schools


@dataclass(slots=True)
class CommuneRoll:
    """Column arrays named like the database columns; ints use -1 for NULL."""

    spec: CommuneSpec
    households: dict[str, np.ndarray] = field(default_factory=dict)
    persons: dict[str, np.ndarray] = field(default_factory=dict)
    person_years: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_households(self) -> int:
        return len(self.households["household_code"])

    @property
    def n_persons(self) -> int:
        return len(self.persons["full_name"])


def _rng(spec: CommuneSpec, year: int, seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(spec.code.encode()), year, stream])


def household_sizes(spec: CommuneSpec, year: int, seed: int) -> np.ndarray:
    """Sizes 2–7 summing to exactly spec.persons (its own stream: callers size id blocks)."""
    if spec.persons < 2:
        raise ValueError(f"commune {spec.code}: a household needs at least 2 people")
    rng = _rng(spec, year, seed, 1)
    draw = rng.choice(SIZES, size=spec.persons // 3 + 8, p=SIZE_P)
    sizes = draw[np.cumsum(draw) <= spec.persons]
    rest = spec.persons - int(sizes.sum())
    if rest >= 2:
        sizes = np.append(sizes, rest)
    elif rest == 1:
        small = np.flatnonzero(sizes < MAX_SIZE)
        sizes[small[0]] += 1
    return sizes.astype(np.int64)


def split_persons(total: int, n: int, seed: int) -> list[int]:
    """Share `total` people among n communes, unevenly (±30%) but summing exactly."""
    rng = np.random.default_rng([seed, n, 7])
    weights = rng.uniform(0.7, 1.3, n)
    raw = weights / weights.sum() * total
    counts = np.floor(raw).astype(int)
    counts[np.argsort(counts - raw)[: total - counts.sum()]] += 1
    return counts.tolist()


def _ranks(u: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each element's rank by u within its key group, and the size of that group."""
    n = len(u)
    order = np.lexsort((u, key))
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    counts = np.diff(np.r_[starts, n])
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - np.repeat(starts, counts)
    size = np.empty(n, dtype=np.int64)
    size[order] = np.repeat(counts, counts)
    return rank, size


class _Cohorts:
    """Exact quotas per (age, counted-or-not) group: `best(p)` is the best round(p·n) of each."""

    def __init__(self, u: np.ndarray, age: np.ndarray, counted: np.ndarray) -> None:
        self.rank, self.size = _ranks(u, age * 2 + (~counted))

    def best(self, p: float | np.ndarray) -> np.ndarray:
        return self.rank < np.floor(np.asarray(p) * self.size + 0.5)

    def worst(self, p: float | np.ndarray) -> np.ndarray:
        return self.rank >= self.size - np.floor(np.asarray(p) * self.size + 0.5)


def _pick(rng: np.random.Generator, options: tuple[str, ...], n: int) -> np.ndarray:
    pool = np.array(options or ("",), dtype=object)
    return pool[rng.integers(0, len(pool), n)]


def generate_commune(spec: CommuneSpec, year: int, as_of: date, seed: int) -> CommuneRoll:
    """The commune's roll for survey year `year`; no date after `as_of`."""
    rng = _rng(spec, year, seed, 2)
    rates = PROFILES[spec.profile].rates(spec.dbkk)
    sizes = household_sizes(spec, year, seed)
    h = len(sizes)
    roll = CommuneRoll(spec)

    # --- household composition: a (H, 7) matrix of roles --------------------------------------
    elder = rng.random(h) < 0.25
    head_age = np.where(
        elder, 60 + np.floor(rng.beta(1.3, 2.6, h) * 36), 22 + np.floor(rng.beta(1.9, 1.7, h) * 40)
    ).astype(np.int64)
    head_male = rng.random(h) < np.where(elder, 0.65, 0.8)
    has_spouse = rng.random(h) < np.where(elder, 0.72, 0.9)
    rest = sizes - 1 - has_spouse
    u_par = rng.random(h)
    p_par = np.where(rest >= 3, 0.5, 0.2) * (head_age < 50)
    n_par = np.where(~elder & (rest >= 2) & (u_par < p_par), 1, 0)
    n_par = n_par + ((n_par == 1) & (rest >= 3) & (u_par < p_par * 0.4))
    n_child = np.where(elder, np.minimum(rest, 1), rest - n_par)
    n_cil = np.where(elder & (rest >= 2) & (rng.random(h) < 0.85), 1, 0)
    n_child = n_child + (elder & (rest >= 2) & (n_cil == 0))
    n_gc = np.where(elder, rest - n_child - n_cil, 0)

    slot = np.arange(MAX_SIZE)[None, :]
    b_sp = 1 + has_spouse[:, None]
    b_ch = b_sp + n_child[:, None]
    b_cil = b_ch + n_cil[:, None]
    b_gc = b_cil + n_gc[:, None]
    role = np.select(
        [slot < 1, slot < b_sp, slot < b_ch, slot < b_cil, slot < b_gc, slot < sizes[:, None]],
        [HEAD, SPOUSE, CHILD, CHILD_IN_LAW, GRANDCHILD, PARENT],
        NONE,
    )

    # Ages and sexes per cell.
    shape = (h, MAX_SIZE)
    gap = np.abs(np.rint(rng.normal(3, 2.5, h))).astype(np.int64)
    spouse_age = np.clip(np.where(head_male, head_age - gap, head_age + gap), 18, 99)
    mother_age = np.where(head_male, np.where(has_spouse, spouse_age, head_age - 3), head_age)
    u_age = rng.random(shape)
    male = rng.random(shape) < 0.52
    # Mother's age at birth 19–36: older parents have grown-up children still at home.
    birth_gap = np.floor(u_age * np.clip(mother_age - 19, 1, 18)[:, None])
    young_child = (mother_age[:, None] - 19 - birth_gap).clip(0, None)
    adult_child = (mother_age[:, None] - 22 - np.floor(u_age * 14)).clip(15, None)
    first_child = b_sp[:, 0]
    rows = np.arange(h)
    child0_age = adult_child[rows, np.minimum(first_child, MAX_SIZE - 1)]
    child0_male = male[rows, np.minimum(first_child, MAX_SIZE - 1)] | (rng.random(h) < 0.3)
    cil_age = np.clip(child0_age + np.rint(rng.normal(0, 3, h)), 18, 99)
    gc_mother = np.where(child0_male, np.where(n_cil > 0, cil_age, child0_age - 2), child0_age)
    grandchild = np.floor(u_age * np.clip(gc_mother - 18, 1, 20)[:, None])
    parent_age = np.clip(head_age[:, None] + 22 + np.floor(u_age * 13), 40, 100)
    is_first_parent = slot == (sizes - n_par)[:, None]
    parent_male = np.where(n_par[:, None] == 2, is_first_parent, rng.random(shape) < 0.3)

    age = np.select(
        [role == HEAD, role == SPOUSE, (role == CHILD) & elder[:, None], role == CHILD,
         role == CHILD_IN_LAW, role == GRANDCHILD, role == PARENT],
        [head_age[:, None], spouse_age[:, None], adult_child, young_child, cil_age[:, None],
         grandchild, parent_age],
        0,
    )
    sex_male = np.select(
        [role == HEAD, role == SPOUSE, (role == CHILD) & elder[:, None] & (slot == b_sp),
         role == CHILD_IN_LAW, role == PARENT],
        [head_male[:, None], ~head_male[:, None], child0_male[:, None],
         ~child0_male[:, None], parent_male],
        male,
    )

    # Who is whose parent (cell index inside the household, -1 unknown).
    partner_male_slot = np.where(head_male, 0, np.where(has_spouse, 1, -1))
    partner_female_slot = np.where(~head_male, 0, np.where(has_spouse, 1, -1))
    cil_slot = np.where(n_cil > 0, b_ch[:, 0], -1)
    gc_father = np.where(child0_male, first_child, cil_slot)
    gc_mother_slot = np.where(child0_male, cil_slot, first_child)
    parent_slots = np.where(role == PARENT, slot, -1)
    male_parent = np.where(parent_male & (role == PARENT), slot, -1).max(axis=1)
    female_parent = np.where(~parent_male & (role == PARENT), parent_slots, -1).max(axis=1)
    father_slot = np.select(
        [role == CHILD, role == GRANDCHILD, role == HEAD],
        [partner_male_slot[:, None], gc_father[:, None], male_parent[:, None]],
        -1,
    )
    mother_slot = np.select(
        [role == CHILD, role == GRANDCHILD, role == HEAD],
        [partner_female_slot[:, None], gc_mother_slot[:, None], female_parent[:, None]],
        -1,
    )

    # --- flatten to people -----------------------------------------------------------------------
    cell = role != NONE
    hh = np.repeat(np.arange(h), sizes)
    base = np.r_[0, np.cumsum(sizes)[:-1]]
    role_p = role[cell]
    position = np.broadcast_to(slot, shape)[cell]
    age_p = np.minimum(age[cell], 100).astype(np.int64)
    if as_of < date(year, 1, 1):  # nobody can be born in a year that has not begun
        age_p = np.maximum(age_p, 1)
    male_p = sex_male[cell]
    father_p = np.where(father_slot[cell] >= 0, base[hh] + father_slot[cell], -1)
    mother_p = np.where(mother_slot[cell] >= 0, base[hh] + mother_slot[cell], -1)
    n = len(hh)

    # --- ethnicity and names ---------------------------------------------------------------------
    groups = ("", *(g for g, _ in spec.minorities))
    weights = np.array([w for _, w in spec.minorities] or [1.0], dtype=float)
    minority_hh = rng.random(h) < (spec.minority_share if spec.minorities else 0.0)
    group_hh = np.where(minority_hh, 1 + rng.choice(len(weights), h, p=weights / weights.sum()), 0)
    group_p = group_hh[hh]
    voc = names.vocabulary()
    fam = np.empty(n, dtype=np.int64)
    mid = np.empty(n, dtype=np.int64)
    giv = np.empty(n, dtype=np.int64)
    for g, ethnicity in enumerate(groups):
        sel = np.flatnonzero(group_p == g)
        if not len(sel):
            continue
        f_idx, mid_m, mid_f, giv_m, giv_f = names.style_indexes(ethnicity)
        fam[sel] = f_idx[rng.choice(len(f_idx), len(sel), p=names.family_weights(ethnicity))]
        m = male_p[sel]
        mid[sel] = np.where(m, mid_m[rng.integers(0, len(mid_m), len(sel))],
                            mid_f[rng.integers(0, len(mid_f), len(sel))])
        giv[sel] = np.where(m, giv_m[rng.integers(0, len(giv_m), len(sel))],
                            giv_f[rng.integers(0, len(giv_f), len(sel))])
    # Children carry their father's family name (a male parent of the head carries the head's);
    # resolve children before grandchildren, whose father may be a child.
    head_p = base[hh]
    male_parent_p = (role_p == PARENT) & male_p
    fam[male_parent_p] = fam[head_p[male_parent_p]]
    for r in (CHILD, GRANDCHILD):
        sel = (role_p == r) & (father_p >= 0)
        fam[sel] = fam[father_p[sel]]
        sel = (role_p == r) & (father_p < 0) & (mother_p >= 0)
        fam[sel] = fam[mother_p[sel]]
    full_name, name_key = voc.full_names(fam, mid, giv)
    empty = np.array([""], dtype=object)
    father_name = np.where(father_p >= 0, full_name[np.maximum(father_p, 0)], empty[0])
    mother_name = np.where(mother_p >= 0, full_name[np.maximum(mother_p, 0)], empty[0])

    # --- birth dates and personal IDs ------------------------------------------------------------
    birth_year = year - age_p
    start = (birth_year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    length = ((birth_year - 1969).astype("datetime64[Y]").astype("datetime64[D]") - start).astype(
        np.int64
    )
    limit = (np.datetime64(as_of, "D") - start).astype(np.int64) + 1
    length = np.clip(np.minimum(length, limit), 1, None)
    birth_date = start + np.floor(rng.random(n) * length).astype(np.int64)
    serial = ((spec.person_offset + np.arange(n, dtype=np.int64)) * 7919 + 13) % 1_000_000
    prefix = np.where(
        rng.random(n) < 0.93, spec.id_prefix, rng.choice(OTHER_ID_PREFIXES, n)
    ).astype(np.int64)
    century_sex = (birth_year // 100 - 19) * 2 + (~male_p)
    pid_num = prefix * 10**9 + century_sex * 10**8 + (birth_year % 100) * 10**6 + serial
    personal_id = _digits12(pid_num)
    personal_id[rng.random(n) < np.where(age_p <= 1, 0.3, 0.01)] = None

    # --- residence, movements, disability --------------------------------------------------------
    urban = spec.name.startswith(("Phường", "Thị trấn"))
    tam_tru = np.repeat(rng.random(h) < (0.08 if urban else 0.03), sizes)
    period_start = np.datetime64(date(year - 1, 10, 1), "D")
    period_end = min(np.datetime64(date(year, 9, 30), "D"), np.datetime64(as_of, "D"))
    span = max(int((period_end - period_start).astype(np.int64)) + 1, 1)
    hh_move = rng.random(h)
    movement = np.zeros(n, dtype=np.int8)  # 0 '', 1 moved_in, 2 moved_out, 3 deceased
    movement[np.repeat(hh_move < 0.02, sizes)] = 1
    movement[np.repeat((hh_move >= 0.02) & (hh_move < 0.032), sizes)] = 2
    u_move = rng.random(n)
    leaves = (movement == 0) & (role_p != HEAD) & (age_p >= 18) & (age_p <= 35) & (u_move < 0.025)
    movement[leaves] = 2
    dies = (movement == 0) & (u_move > 1 - np.clip((age_p - 55) * 0.0015, 0, 0.08))
    movement[dies] = 3
    own_day = rng.integers(0, span, n)
    day = np.where(movement == 3, own_day, np.repeat(rng.integers(0, span, h), sizes))
    movement_date = np.where(movement > 0, period_start + day, np.datetime64("NaT"))
    u_dis = rng.random(n)
    disabled = u_dis < np.where(age_p >= 60, 0.02, 0.008)
    disability = np.where(
        disabled, np.where(u_dis < np.where(age_p >= 60, 0.007, 0.0045), 1, 2), 0
    ).astype(np.int8)  # 0 '', 1 able, 2 unable
    counted = (movement < 2) & ~disabled

    # --- schooling -------------------------------------------------------------------------------
    school = _schooling(rng, rates, age_p, counted, year)
    unable_pupil = (disability == 2) & (age_p <= 18)
    school["level"][unable_pupil] = L_NONE
    school["grade"][unable_pupil] = NO_GRADE
    level = school["level"]
    school_code = np.full(n, "", dtype=object)
    s = spec.schools
    for lvl, own, elsewhere, away in (
        (L_MN, s.mn, (), 0.0),
        (L_TH, s.th, s.th_elsewhere, 0.06),
        (L_THCS, s.thcs, s.thcs_elsewhere, 0.08),
        (L_THPT, s.thpt, (), 0.0),
        (L_GDTX_THCS, s.gdtx, (), 0.0),
        (L_GDTX_THPT, s.gdtx, (), 0.0),
        (L_GDNN, s.gdtx, (), 0.0),
        (L_XMC, s.th[:1], (), 0.0),
    ):
        sel = np.flatnonzero(level == lvl)
        codes = _pick(rng, own, len(sel))
        if elsewhere:
            away_sel = rng.random(len(sel)) < away
            codes[away_sel] = _pick(rng, elsewhere, int(away_sel.sum()))
        school_code[sel] = codes

    # --- households ----------------------------------------------------------------------------
    hamlet_w = rng.uniform(0.6, 1.4, len(spec.hamlets))
    hamlet = np.sort(rng.choice(len(spec.hamlets), h, p=hamlet_w / hamlet_w.sum()))
    addresses = np.array([f"{t}, {spec.name}" for t in spec.hamlets], dtype=object)
    roll.households = {
        "hamlet": hamlet,
        "household_code": np.array(
            [f"{spec.code}-{i:05d}" for i in range(1, h + 1)], dtype=object
        ),
        "address": addresses[hamlet],
    }
    roll.persons = {
        "full_name": full_name,
        "name_key": name_key,
        "birth_date": birth_date,
        "birth_year": birth_year,
        "sex": np.where(male_p, "M", "F").astype(object),
        "ethnicity": np.array(groups, dtype=object)[group_p],
        "personal_id": personal_id,
        "father_name": father_name,
        "mother_name": mother_name,
    }
    relation = _relations(role_p, male_p)
    roll.person_years = {
        "household": hh,
        "position": position,
        "relation": relation,
        "residence_type": np.where(tam_tru, "tam_tru", "thuong_tru").astype(object),
        "disability": np.array(["", "able", "unable"], dtype=object)[disability],
        "movement": np.array(["", "moved_in", "moved_out", "deceased"], dtype=object)[movement],
        "movement_date": movement_date,
        "enrolled_level": np.array(LEVELS, dtype=object)[level],
        "enrolled_grade": _grade_text(school["grade"]),
        "school_code": school_code,
        **{k: school[k] for k in YEAR_COLUMNS},
    }
    # Drawn last, so the facts above stay what they were before these fields existed.
    _workbook_facts(rng, roll, sizes, role_p == HEAD, age_p, disabled, level, spec)
    return roll


_TYPES = np.array([c for c, _ in DISABILITY_TYPES], dtype=object)
_TYPE_SHARE = np.array([0.30, 0.12, 0.12, 0.12, 0.15, 0.08, 0.04, 0.07])
_RELIGIONS = np.array(["", "Phật giáo", "Công giáo", "Tin Lành", "Cao Đài"], dtype=object)
_PRIORITY = np.array(["", "Hộ nghèo", "Hộ cận nghèo", "Con thương binh, liệt sĩ"], dtype=object)


def _workbook_facts(
    rng: np.random.Generator, roll: CommuneRoll, sizes: np.ndarray, head: np.ndarray,
    age: np.ndarray, disabled: np.ndarray, level: np.ndarray, spec: CommuneSpec,
) -> None:
    """The official workbook's facts (issue 10) in plausible shares: one disability type for most
    disabled people (two for a few), 60 % with a certificate; 1–2 % repeaters in TH/THCS; most MN
    and TH pupils in two sessions; most minority MN children prepared in Vietnamese; a few relapsed
    literacy learners; religion per household; phones of most household heads."""
    n = len(age)
    py, p = roll.person_years, roll.persons
    first = rng.choice(len(_TYPES), n, p=_TYPE_SHARE)
    second = rng.choice(len(_TYPES), n, p=_TYPE_SHARE)
    two = rng.random(n) < 0.1
    types = np.where(
        two & (second != first),
        np.char.add(np.char.add(_TYPES[np.minimum(first, second)].astype(str), ","),
                    _TYPES[np.maximum(first, second)].astype(str)).astype(object),
        _TYPES[first],
    )
    py["disability_types"] = np.where(disabled, types, "").astype(object)
    py["disability_certificate"] = disabled & (rng.random(n) < 0.6)
    u = rng.random(n)
    py["repeating"] = ((level == L_TH) & (u < 0.008)) | ((level == L_THCS) & (u < 0.015))
    urban = spec.name.startswith(("Phường", "Thị trấn"))
    py["two_sessions"] = ((level == L_MN) & (u < 0.9)) | (
        (level == L_TH) & (u < (0.95 if urban else 0.75))
    )
    minority = p["ethnicity"] != ""
    py["vn_prep"] = (level == L_MN) & minority & (rng.random(n) < 0.7)
    xmc = py["xmc_stage_completed"]
    u = rng.random(n)
    relapse = np.full(n, -1, dtype=np.int64)
    learners = (age >= 15) & (xmc >= 1)
    relapse[learners & (u < 0.05)] = 1
    relapse[learners & (u < 0.02)] = 2
    py["relapse_level"] = relapse
    py["priority_group"] = _PRIORITY[
        np.searchsorted(np.cumsum([0.95, 0.03, 0.015]), rng.random(n))
    ]
    h = len(sizes)
    p["religion"] = np.repeat(
        _RELIGIONS[np.searchsorted(np.cumsum([0.82, 0.09, 0.06, 0.02]), rng.random(h))], sizes
    )
    numbers = rng.integers(10**8, 10**9, n)
    phone = np.array(["09"] * n, dtype=object) + (numbers // 10).astype(str).astype(object)
    p["phone"] = np.where(head & (rng.random(n) < 0.85), phone, "").astype(object)


YEAR_COLUMNS = (
    "mn_completed_year", "mn_group_completed", "th_completed_year", "thcs_graduated_year",
    "thpt_graduated_year", "gdnn_completed_year", "xmc_stage_completed", "dropout_grade",
    "dropout_year",
)
_RELATIONS = np.array(
    [["", ""], ["chu_ho", "chu_ho"], ["vợ", "chồng"], ["con", "con"], ["con dâu", "con rể"],
     ["cháu", "cháu"], ["mẹ", "bố"]],
    dtype=object,
)
_GRADES = np.array(["", "NT", *[str(g) for g in range(1, 13)]], dtype=object)


def _relations(role: np.ndarray, male: np.ndarray) -> np.ndarray:
    return _RELATIONS[role, male.astype(np.int64)]


def _grade_text(grade: np.ndarray) -> np.ndarray:
    return _GRADES[grade + 1]


def _digits12(values: np.ndarray) -> np.ndarray:
    """Zero-padded 12-digit strings, built as bytes in numpy rather than formatted per value."""
    powers = 10 ** np.arange(11, -1, -1, dtype=np.int64)
    digits = (values[:, None] // powers % 10 + 48).astype(np.uint8)
    return np.ascontiguousarray(digits).view("S12").ravel().astype("U12").astype(object)


def _schooling(
    rng: np.random.Generator, r: Rates, age: np.ndarray, counted: np.ndarray, year: int
) -> dict[str, np.ndarray]:
    """Enrolment and completions consistent with age, hitting the profile's cohort rates."""
    n = len(age)
    by = year - age
    none = np.full(n, -1, dtype=np.int64)
    out = {k: none.copy() for k in YEAR_COLUMNS}
    level = np.zeros(n, dtype=np.int64)
    grade = np.full(n, NO_GRADE, dtype=np.int64)
    c = _Cohorts(rng.random(n), age, counted)
    v = rng.random(n)  # track choices that do not affect the rates

    def enrol(sel: np.ndarray, lvl: np.ndarray | int, g: np.ndarray | int) -> None:
        level[sel] = np.broadcast_to(lvl, n)[sel]
        grade[sel] = np.broadcast_to(g, n)[sel]

    def put(column: str, sel: np.ndarray, value: np.ndarray | int) -> None:
        out[column][sel] = np.broadcast_to(value, n)[sel]

    # Preschool: nursery at 1–2, age groups 3, 4, 5.
    enrol((age >= 1) & (age <= 2) & c.best(0.25), L_MN, NURSERY)
    enrol((age == 3) & c.best(0.90), L_MN, 3)
    enrol((age == 4) & c.best(0.95), L_MN, 4)
    put("mn_group_completed", (age == 4) & c.best(0.90), 3)
    enrol((age == 5) & c.best(r.mn5), L_MN, 5)
    put("mn_group_completed", (age == 5) & c.best(min(r.mn5, 0.93)), 4)

    # Age 6: grade 1, or held back in the 5-year-old group.
    a6 = age == 6
    grade1 = a6 & c.best(r.grade1)
    enrol(grade1, L_TH, 1)
    enrol(a6 & ~grade1, L_MN, 5)
    put("mn_completed_year", a6 & c.best(min(r.mn_completed, r.grade1)), year)
    put("mn_group_completed", a6 & (out["mn_completed_year"] < 0), 4)

    # Primary 7–10, a few one grade behind.
    late = c.worst(r.late)
    prim = (age >= 7) & (age <= 10)
    enrol(prim, L_TH, age - 5 - late)
    put("mn_completed_year", (age >= 7) & (age <= 18) & c.best(0.95), by + 6 + late)

    # 11: primary completed (grade 6), still in grade 5, or left school.
    a11 = age == 11
    done11 = a11 & c.best(r.th11)
    left11 = a11 & ~done11 & c.worst(r.drop11)
    enrol(done11, L_THCS, 6)
    put("th_completed_year", done11, year)
    enrol(a11 & ~done11 & ~left11, L_TH, 5)
    put("dropout_grade", left11, np.where(v < 0.5, 4, 5))
    put("dropout_year", left11, year)

    # 12–14: lower secondary, a few late; the rest still in grade 5 (12) or left in grade 5.
    mid = (age >= 12) & (age <= 14)
    done = mid & c.best(r.th14)
    lag = done & late
    enrol(done, L_THCS, age - 5 - lag)
    put("th_completed_year", done, by + 11 + lag)
    enrol(mid & ~done & (age == 12), L_TH, 5)
    put("dropout_grade", mid & ~done & (age > 12), 5)
    put("dropout_year", mid & ~done & (age > 12), year - 1)

    # 15–18: diploma holders study on (THPT, GDTX, vocational) or left; the others are late
    # in grade 9, in GDTX_THCS, or left in grade 8–9.
    teen = (age >= 15) & (age <= 18)
    grad = teen & c.best(r.thcs_grad)
    study = grad & c.best(min(r.studying, r.thcs_grad))
    put("th_completed_year", teen, by + 11)
    put("thcs_graduated_year", grad, by + 15)
    track = np.select([v < 0.85, v < 0.93], [L_THPT, L_GDTX_THPT], L_GDNN)
    school_age = study & (age <= 17)
    enrol(school_age & (track != L_GDNN), track, age - 5)
    enrol(school_age & (track == L_GDNN), L_GDNN, NO_GRADE)
    s18 = study & (age == 18)
    put("thpt_graduated_year", s18 & (v < 0.80), year)
    enrol(s18 & (v >= 0.80) & (v < 0.88), L_THPT, 12)
    put("thcs_graduated_year", s18 & (v >= 0.80) & (v < 0.88), by + 16)
    enrol(s18 & (v >= 0.88) & (v < 0.95), L_GDNN, NO_GRADE)
    put("gdnn_completed_year", s18 & (v >= 0.95), year)
    left = grad & ~study
    left_grade = np.minimum(10 + (v < 0.4), age - 5)
    put("dropout_grade", left, left_grade)
    put("dropout_year", left, by + 15 + left_grade - 10)
    behind = teen & ~grad
    in9 = behind & (age == 15) & (v < 0.5)
    enrol(in9, L_THCS, 9)
    put("th_completed_year", in9, by + 12)
    gdtx = behind & (age >= 16) & (age <= 17) & (v < 0.3)
    enrol(gdtx, L_GDTX_THCS, 9)
    quit9 = behind & ~in9 & ~gdtx
    put("dropout_grade", quit9, np.where(v < 0.6, 9, 8))
    put("dropout_year", quit9, np.minimum(by + 14, year))

    _adults(rng, r, age, by, c, v, out, level, grade, year)
    out["level"] = level
    out["grade"] = grade
    return out


# Among adults with at least primary: shares with primary only and with lower secondary only
# (the rest finished upper secondary), by age band, older cohorts lower.
_ATTAIN = (
    (30, 0.04, 0.26), (45, 0.08, 0.42), (60, 0.17, 0.48), (75, 0.30, 0.45), (100, 0.40, 0.40),
)


def _adults(
    rng: np.random.Generator, r: Rates, age: np.ndarray, by: np.ndarray, c: _Cohorts,
    v: np.ndarray, out: dict[str, np.ndarray], level: np.ndarray, grade: np.ndarray, year: int,
) -> None:
    """Attainment of people 19+: the profile sets literacy of 19–60, older people follow age."""
    n = len(age)
    adult = age >= 19
    nolit1_p = np.select([age <= 60, age <= 75], [r.nolit1, 0.04], 0.12)
    nolit2_p = np.select([age <= 60, age <= 75], [r.nolit2, 0.12], 0.27)
    nolit1 = adult & c.worst(nolit1_p)
    nolit2 = adult & c.worst(nolit2_p) & ~nolit1
    lit2 = adult & ~nolit1 & ~nolit2
    w = rng.random(n)
    band = np.searchsorted(np.array([b for b, _, _ in _ATTAIN]), age)
    band = np.minimum(band, len(_ATTAIN) - 1)
    p_prim = np.array([p for _, p, _ in _ATTAIN])[band]
    p_thcs = np.array([q for _, _, q in _ATTAIN])[band]
    xmc_grad = lit2 & (age >= 35) & (w < 0.015)
    prim_only = lit2 & ~xmc_grad & (v < p_prim)
    thcs_only = lit2 & ~xmc_grad & (v >= p_prim) & (v < p_prim + p_thcs)
    thpt = lit2 & ~xmc_grad & (v >= p_prim + p_thcs)
    schooled = prim_only | thcs_only | thpt

    def put(column: str, sel: np.ndarray, value: np.ndarray | int) -> None:
        out[column][sel] = np.broadcast_to(value, n)[sel]

    put("th_completed_year", schooled, by + 11)
    put("thcs_graduated_year", thcs_only | thpt, by + 15)
    put("thpt_graduated_year", thpt, by + 18)
    put("dropout_grade", prim_only & (w < 0.5), 6)
    put("dropout_year", prim_only & (w < 0.5), by + 12)
    gdnn = (thcs_only | thpt) & (w > 0.8)
    put("gdnn_completed_year", gdnn, np.minimum(by + 19 + np.floor((w - 0.8) * 15), year))
    put("xmc_stage_completed", xmc_grad, 2)
    # Literate at level 1 only: left in grade 4–5, or completed literacy stage 1.
    by_xmc = nolit2 & (w < 0.1)
    put("xmc_stage_completed", by_xmc, 1)
    dg = np.where(w < 0.55, 4, 5)
    put("dropout_grade", nolit2 & ~by_xmc, dg)
    put("dropout_year", nolit2 & ~by_xmc, by + 5 + dg)
    # Below level 1: never schooled, or left in grade 1–3.
    some = nolit1 & (w < 0.4)
    dg1 = 1 + np.floor(w * 7.5).astype(np.int64)
    put("dropout_grade", some, dg1)
    put("dropout_year", some, by + 5 + dg1)
    put("xmc_stage_completed", nolit1 & (w >= 0.4) & (w < 0.6), 0)
    # A few are in literacy classes now.
    learners = (nolit1 | nolit2) & (age <= 60) & (v > 0.9)
    level[learners] = L_XMC
    grade[learners] = np.where(nolit1[learners], 1, 2)
