"""pcgd.standards: the pure rule engine (counts + rule book → levels and explanations).

No database, web or file I/O except reading the packaged `rules.toml`.
"""

from .evaluator import (
    PeopleQuery,
    evaluate_aggregate,
    evaluate_commune,
    passes,
    rate,
    shortfall,
    shortfall_predicate,
)
from .inputs import ChildResult, Condition, Counts, UnitRef, child_from_result
from .metrics import (
    DISABLED_SUFFIX,
    MAX_AGE,
    METRIC_DEFINITIONS,
    METRICS,
    NUMERATOR_METRICS,
    POPULATION_METRICS,
)
from .rules import (
    RuleBook,
    RuleError,
    format_rules_text,
    load_rules,
    loads_rules,
    parse_rules,
    rules_as_dict,
)

__all__ = [
    "DISABLED_SUFFIX",
    "MAX_AGE",
    "METRICS",
    "METRIC_DEFINITIONS",
    "NUMERATOR_METRICS",
    "POPULATION_METRICS",
    "ChildResult",
    "Condition",
    "Counts",
    "PeopleQuery",
    "RuleBook",
    "RuleError",
    "UnitRef",
    "child_from_result",
    "evaluate_aggregate",
    "evaluate_commune",
    "format_rules_text",
    "load_rules",
    "loads_rules",
    "parse_rules",
    "passes",
    "rate",
    "rules_as_dict",
    "shortfall",
    "shortfall_predicate",
]
