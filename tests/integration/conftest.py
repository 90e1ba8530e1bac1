"""Fixtures the integration tests share beyond tests/conftest.py."""

from workspace_orgs import three_organisations  # noqa: F401 (a fixture: three organisations, one project)
