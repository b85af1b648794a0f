"""The rule book in force: load the packaged `rules.toml`, and show it (JSON dict or text table).

Rules live in data so that a new decree is a new row, not new code. `pcgd rules show` prints
`format_rules_text()`; `--json` prints `rules_as_dict()`.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from importlib import resources
from typing import Any

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
from .parse import RuleError, loads_rules, parse_rules

__all__ = [
    "TIERS",
    "ConditionRule",
    "Criterion",
    "Policy",
    "Prerequisite",
    "Profile",
    "RuleBook",
    "RuleError",
    "ShareRule",
    "Standard",
    "Tier",
    "format_rules_text",
    "load_rules",
    "loads_rules",
    "packaged_rules_text",
    "parse_rules",
    "rules_as_dict",
]


def packaged_rules_text() -> str:
    """The TOML text shipped in the package (the only file this package reads)."""
    return resources.files(__package__).joinpath("rules.toml").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def load_rules() -> RuleBook:
    """The packaged rule book (parsed once; it is immutable, so sharing it is safe)."""
    return loads_rules(packaged_rules_text())


def num(value: Fraction | None) -> int | float | None:
    """A threshold for JSON: an int when whole (95), else a float (0.7)."""
    if value is None:
        return None
    return int(value) if value.denominator == 1 else float(value)


def _criterion_dict(c: Criterion) -> dict[str, Any]:
    return {
        "id": c.id,
        "standard": c.standard,
        "level": c.level,
        "metric": c.metric,
        "band": list(c.band),
        "band_dbkk": list(c.band_dbkk),
        "threshold": num(c.threshold),
        "threshold_dbkk": num(c.threshold_dbkk),
        "unverified": c.unverified,
        "valid_from": c.valid_from,
        "valid_to": c.valid_to,
        "label_vi": c.label_vi,
        "label_en": c.label_en,
        "source": c.source,
    }


def _share_dict(r: ShareRule) -> dict[str, Any]:
    return {
        "standard": r.standard,
        "level": r.level,
        "share": num(r.share),
        "share_dbkk": num(r.share_dbkk),
        "unverified": r.unverified,
        "source": r.source,
    }


def _profile_dict(p: Profile) -> dict[str, Any]:
    return {
        "name": p.name,
        "label_en": p.label_en,
        "valid_from": p.valid_from,
        "valid_to": p.valid_to,
        "unverified": p.unverified,
        "tiers": [
            {"tier": t.tier, "children": t.children, "rules": [_share_dict(r) for r in t.rules]}
            for t in p.tiers
        ],
    }


def rules_as_dict(rules: RuleBook | None = None, year: int | None = None) -> dict[str, Any]:
    """Every rule (or those in force in survey `year`), JSON-ready, with sources."""
    book = rules or load_rules()
    standards = book.standards_for(year) if year is not None else book.standards
    criteria = book.criteria_for(year) if year is not None else book.criteria
    profiles = (book.profile_for(year),) if year is not None else book.profiles
    kept = {s.id for s in standards}
    return {
        "version": book.version,
        "year": year,
        "policies": {
            p.id: {
                "default": p.default,
                "choices": list(p.choices),
                "descriptions": dict(p.descriptions),
                "label_vi": p.label_vi,
                "label_en": p.label_en,
                "source": p.source,
            }
            for p in book.policies
        },
        "standards": [
            {
                "id": s.id,
                "max_level": s.max_level,
                "name_vi": s.name_vi,
                "name_en": s.name_en,
                "valid_from": s.valid_from,
                "valid_to": s.valid_to,
                "source": s.source,
            }
            for s in standards
        ],
        "criteria": [_criterion_dict(c) for c in criteria],
        "prerequisites": [
            {
                "standard": p.standard,
                "level": p.level,
                "requires": [{"standard": s, "level": lv} for s, lv in p.requires],
                "source": p.source,
            }
            for p in book.prerequisites
            if p.standard in kept
        ],
        "conditions": [
            {
                "id": c.id,
                "standard": c.standard,
                "kind": c.kind,
                "threshold": num(c.threshold),
                "label_vi": c.label_vi,
                "label_en": c.label_en,
                "source": c.source,
            }
            for c in book.conditions
            if c.standard in kept
        ],
        "profiles": [_profile_dict(p) for p in profiles],
    }


def _band_text(band: tuple[int, int]) -> str:
    return str(band[0]) if band[0] == band[1] else f"{band[0]}–{band[1]}"


def _pct(value: Fraction | None) -> str:
    return "" if value is None else f"{num(value)}"


def format_rules_text(rules: RuleBook | None = None, year: int | None = None) -> str:
    """A human table of the rules (Vietnamese names, English headings); * marks unverified."""
    book = rules or load_rules()
    data = rules_as_dict(book, year)
    kept = {s["id"] for s in data["standards"]}
    criteria = book.criteria_for(year) if year is not None else book.criteria
    title = f"PCGD-XMC rule set v{book.version}"
    out = [title + (f", survey year {year}" if year is not None else "")]
    for p in book.policies:
        out.append(f"Policy {p.id} = {p.default} (choices: {', '.join(p.choices)})")
        out += [f"  {k}: {v}" for k, v in p.descriptions.items()]
    head = f"  {'criterion':<24}{'L':>2}  {'metric':<26}{'band':<8}{'ĐBKK':<8}{'thr':>5}{'ĐBKK':>6}"
    for s in book.standards:
        if s.id not in kept:
            continue
        years = "" if s.valid_from is None else f" (from {s.valid_from})"
        out += ["", f"[{s.id}] {s.name_vi} / {s.name_en}{years}", head]
        for c in criteria:
            if c.standard != s.id:
                continue
            mark = "*" if c.unverified else " "
            out.append(
                f"  {c.id:<24}{c.level:>2}  {c.metric:<26}{_band_text(c.band):<8}"
                f"{_band_text(c.band_dbkk):<8}{_pct(c.threshold):>5}{_pct(c.threshold_dbkk):>6}"
                f"{mark}  {c.source}"
            )
        for pre in book.prerequisites_for(s.id):
            reqs = ", ".join(f"{r} ≥ {lv}" for r, lv in pre.requires)
            out.append(f"  prerequisite for level ≥ {pre.level}: {reqs}  ({pre.source})")
        for cond in book.conditions_for(s.id):
            out.append(
                f"  condition {cond.id} ≥ {num(cond.threshold)} ({cond.kind}): {cond.label_vi}"
                f"  ({cond.source})"
            )
    profiles = (book.profile_for(year),) if year is not None else book.profiles
    for p in profiles:
        span = f"{p.valid_from or '…'}–{p.valid_to or '…'}"
        out += ["", f"Roll-up profile {p.name} (survey years {span}): {p.label_en}"]
        for t in p.tiers:
            out.append(f"  {t.tier} ← {t.children}s: share of recognized {t.children}s (%)")
            for r in t.rules:
                if r.standard not in kept:
                    continue
                mark = "*" if r.unverified else " "
                split = "" if r.share_dbkk is None else f" (ĐBKK {_pct(r.share_dbkk)})"
                out.append(
                    f"    {r.standard:<6}L{r.level} ≥ {_pct(r.share):>3}{split}{mark}  {r.source}"
                )
    out += ["", "* unverified: third-party source or inference (see rule sources)"]
    return "\n".join(out) + "\n"
