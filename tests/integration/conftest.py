"""Integration fixtures beyond the root conftest: the reports tests' shared demo database."""

from tests.reports_demo import reports_demo_fixture  # noqa: F401
