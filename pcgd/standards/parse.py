"""Parse and validate rule data (TOML) into a `RuleBook`; fail at load, not mid-evaluation."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from .metrics import MAX_AGE, NUMERATOR_METRICS
from .model import (
    TIERS,
    ConditionRule,
    Criterion,
    Policy,
    Prerequisite,
    Profile,
    RuleBook,
    ShareRule,
    Standard,
    Tier,
)


class RuleError(ValueError):
    """The rule data is inconsistent (raised at load time, never mid-evaluation)."""


def _frac(value: Any, where: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RuleError(f"{where}: number expected, got {value!r}")
    try:
        return Fraction(str(value))
    except ValueError as exc:
        raise RuleError(f"{where}: bad number {value!r}") from exc


def _band(value: Any, where: str) -> tuple[int, int]:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        or not 0 <= value[0] <= value[1] <= MAX_AGE
    ):
        raise RuleError(f"{where}: band must be [lo, hi] with 0 <= lo <= hi <= {MAX_AGE}")
    return (value[0], value[1])


def _percent(value: Fraction, where: str) -> Fraction:
    if not 0 <= value <= 100:
        raise RuleError(f"{where}: percentage out of 0..100")
    return value


def _parse_standards(data: list[dict[str, Any]]) -> tuple[Standard, ...]:
    out = []
    for d in data:
        s = Standard(
            id=d["id"],
            max_level=int(d["max_level"]),
            name_vi=d.get("name_vi", ""),
            name_en=d.get("name_en", ""),
            source=d.get("source", ""),
            valid_from=d.get("valid_from"),
            valid_to=d.get("valid_to"),
        )
        if s.max_level < 1:
            raise RuleError(f"standard {s.id}: max_level must be >= 1")
        out.append(s)
    if len({s.id for s in out}) != len(out):
        raise RuleError("duplicate standard id")
    return tuple(out)


def _parse_criteria(
    data: list[dict[str, Any]], standards: Mapping[str, Standard]
) -> tuple[Criterion, ...]:
    out: list[Criterion] = []
    for d in data:
        cid = d["id"]
        std = standards.get(d["standard"])
        if std is None:
            raise RuleError(f"criterion {cid}: unknown standard {d['standard']!r}")
        if d["metric"] not in NUMERATOR_METRICS:
            raise RuleError(f"criterion {cid}: unknown metric {d['metric']!r}")
        band = _band(d["band"], cid)
        band_dbkk = _band(d.get("band_dbkk", d["band"]), cid)
        for lv in d["levels"]:
            level = int(lv["level"])
            if not 1 <= level <= std.max_level:
                raise RuleError(f"criterion {cid}: level {level} outside 1..{std.max_level}")
            where = f"criterion {cid} level {level}"
            threshold = _percent(_frac(lv["threshold"], where), where)
            dbkk_value = lv.get("threshold_dbkk", lv["threshold"])
            threshold_dbkk = _percent(_frac(dbkk_value, where), where)
            out.append(
                Criterion(
                    id=cid,
                    standard=std.id,
                    level=level,
                    metric=d["metric"],
                    band=band,
                    band_dbkk=band_dbkk,
                    threshold=threshold,
                    threshold_dbkk=threshold_dbkk,
                    unverified=bool(lv.get("unverified", d.get("unverified", False))),
                    source=lv.get("source", d.get("source", "")),
                    label_vi=d.get("label_vi", ""),
                    label_en=d.get("label_en", ""),
                    valid_from=d.get("valid_from", std.valid_from),
                    valid_to=d.get("valid_to", std.valid_to),
                )
            )
    keys = [(c.id, c.level) for c in out]
    if len(set(keys)) != len(keys):
        raise RuleError("duplicate (criterion id, level)")
    for s in standards.values():
        for level in range(1, s.max_level + 1):
            if not any(c.standard == s.id and c.level == level for c in out):
                raise RuleError(f"standard {s.id}: no criterion at level {level}")
    return tuple(out)


def _parse_prerequisites(
    data: list[dict[str, Any]], standards: Mapping[str, Standard]
) -> tuple[Prerequisite, ...]:
    out = []
    for d in data:
        reqs = tuple((r["standard"], int(r["level"])) for r in d["requires"])
        for name in (d["standard"], *(r[0] for r in reqs)):
            if name not in standards:
                raise RuleError(f"prerequisite: unknown standard {name!r}")
        out.append(Prerequisite(d["standard"], int(d["level"]), reqs, d.get("source", "")))
    _check_acyclic(out)
    return tuple(out)


def _check_acyclic(prereqs: list[Prerequisite]) -> None:
    edges: dict[str, set[str]] = {}
    for p in prereqs:
        edges.setdefault(p.standard, set()).update(r for r, _ in p.requires)
    state: dict[str, int] = {}

    def visit(node: str) -> None:
        if state.get(node) == 1:
            raise RuleError(f"prerequisite cycle through {node}")
        if state.get(node) == 2:
            return
        state[node] = 1
        for nxt in edges.get(node, ()):
            visit(nxt)
        state[node] = 2

    for node in list(edges):
        visit(node)


def _parse_conditions(
    data: list[dict[str, Any]], standards: Mapping[str, Standard]
) -> tuple[ConditionRule, ...]:
    out = []
    for d in data:
        if d["standard"] not in standards:
            raise RuleError(f"condition {d['id']}: unknown standard {d['standard']!r}")
        if d["kind"] not in ("ratio", "percent"):
            raise RuleError(f"condition {d['id']}: kind must be ratio or percent")
        out.append(
            ConditionRule(
                id=d["id"],
                standard=d["standard"],
                kind=d["kind"],
                threshold=_frac(d["threshold"], d["id"]),
                label_vi=d.get("label_vi", ""),
                label_en=d.get("label_en", ""),
                source=d.get("source", ""),
            )
        )
    return tuple(out)


def _parse_profiles(
    data: list[dict[str, Any]], standards: Mapping[str, Standard]
) -> tuple[Profile, ...]:
    out = []
    for d in data:
        tiers = []
        for t in d["tiers"]:
            if t["tier"] not in TIERS:
                raise RuleError(f"profile {d['name']}: tier must be one of {TIERS}")
            rules = []
            for r in t["rules"]:
                where = f"profile {d['name']} {t['tier']} {r['standard']} L{r['level']}"
                std = standards.get(r["standard"])
                if std is None or not 1 <= int(r["level"]) <= std.max_level:
                    raise RuleError(f"{where}: unknown standard or level")
                dbkk = r.get("share_dbkk")
                rules.append(
                    ShareRule(
                        standard=r["standard"],
                        level=int(r["level"]),
                        share=_percent(_frac(r["share"], where), where),
                        share_dbkk=None if dbkk is None else _percent(_frac(dbkk, where), where),
                        unverified=bool(r.get("unverified", False)),
                        source=r.get("source", ""),
                    )
                )
            tiers.append(Tier(t["tier"], t["children"], tuple(rules)))
        out.append(
            Profile(
                name=d["name"],
                label_en=d.get("label_en", ""),
                tiers=tuple(tiers),
                valid_from=d.get("valid_from"),
                valid_to=d.get("valid_to"),
            )
        )
    return tuple(out)


def _parse_policies(data: Mapping[str, Any]) -> tuple[Policy, ...]:
    out = []
    for pid, d in data.items():
        choices = tuple(d["choices"])
        if d["default"] not in choices:
            raise RuleError(f"policy {pid}: default not among choices")
        out.append(
            Policy(
                id=pid,
                default=d["default"],
                choices=choices,
                descriptions=MappingProxyType(dict(d.get("descriptions", {}))),
                label_vi=d.get("label_vi", ""),
                label_en=d.get("label_en", ""),
                source=d.get("source", ""),
            )
        )
    return tuple(out)


def parse_rules(data: Mapping[str, Any]) -> RuleBook:
    """Build and validate a rule book from already-parsed TOML data."""
    try:
        standards = _parse_standards(data["standards"])
        by_id = {s.id: s for s in standards}
        book = RuleBook(
            version=int(data.get("version", 1)),
            standards=standards,
            criteria=_parse_criteria(data["criteria"], by_id),
            prerequisites=_parse_prerequisites(data.get("prerequisites", []), by_id),
            conditions=_parse_conditions(data.get("conditions", []), by_id),
            profiles=_parse_profiles(data.get("profiles", []), by_id),
            policies=_parse_policies(data.get("policies", {})),
        )
    except (KeyError, TypeError) as exc:
        raise RuleError(f"rule data incomplete: {exc!r}") from exc
    if not any(p.id == "disabled_excluded" for p in book.policies):
        raise RuleError("policy disabled_excluded is missing")
    return book


def loads_rules(text: str) -> RuleBook:
    """Parse a rule set from TOML text (for a user-supplied rule file read by the caller)."""
    try:
        return parse_rules(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"rule file is not valid TOML: {exc}") from exc
