import pytest

from pcgd.accounts.scope import Scope
from pcgd.errors import Forbidden


def test_admin_scope_is_unfiltered() -> None:
    scope = Scope(2025, None)
    assert scope.allows(12345)
    assert scope.sql("h.commune", 3) == "$3::int[] IS NULL" and scope.param() is None


def test_commune_scope_filters_to_its_units() -> None:
    scope = Scope(2025, frozenset({7, 3}))
    assert scope.allows(3) and not scope.allows(4)
    assert scope.sql("h.commune", 3) == "h.commune = ANY($3::int[])"
    assert scope.param() == [3, 7]
    with pytest.raises(Forbidden):
        scope.check(4)
    scope.check(7)
