"""`max_change_fraction` in lfsync.yaml: a number from 0 to 1 (default 0.3), overridable per
workspace; anything else refused at its file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from lfsync.config.project import load_project
from lfsync.config.settings import DEFAULT_MAX_CHANGE_FRACTION
from lfsync.errors import DeclarationError


def places(tmp_path: Path, settings: str) -> list[str]:
    (tmp_path / "lfsync.yaml").write_text(settings)
    with pytest.raises(DeclarationError) as raised:
        load_project(tmp_path, env={})
    return [f"{p.place.line}:{p.place.column}: {p.message}" for p in raised.value.problems if p.place]


def test_default_and_set_values_reach_the_project(tmp_path):
    (tmp_path / "lfsync.yaml").write_text("target: local\n")
    assert load_project(tmp_path, env={}).max_change_fraction == DEFAULT_MAX_CHANGE_FRACTION == 0.3
    for written, value in (("0.5", 0.5), ("1", 1.0), ("0", 0.0), ("0.05", 0.05)):
        (tmp_path / "lfsync.yaml").write_text(f"max_change_fraction: {written}\n")
        assert load_project(tmp_path, env={}).max_change_fraction == value


def test_a_workspace_entry_overrides_the_project_setting(tmp_path):
    (tmp_path / "lfsync.yaml").write_text("max_change_fraction: 0.5\nworkspaces:\n  lab: {max_change_fraction: 1}\n  eu: {}\n")
    assert load_project(tmp_path, env={}, workspace="lab").max_change_fraction == 1.0
    assert load_project(tmp_path, env={}, workspace="eu").max_change_fraction == 0.5
    assert load_project(tmp_path, env={}).max_change_fraction == 0.5


@pytest.mark.parametrize("written", ["'30%'", "1.5", "-0.1", ".nan", ".inf", "true", "[0.3]", "null"])
def test_anything_but_a_number_from_0_to_1_is_refused_where_it_is_written(tmp_path, written):
    [problem] = places(tmp_path, f"target: local\nmax_change_fraction: {written}\n")
    assert problem.startswith("2:1: 'max_change_fraction' must be a number from 0 to 1"), problem


def test_a_workspace_value_is_checked_under_its_name(tmp_path):
    assert places(tmp_path, "workspaces:\n  eu: {max_change_fraction: 2}\n") == [
        "2:8: 'max_change_fraction' of workspace 'eu' must be a number from 0 to 1 (e.g. 0.3 for 30%), not 2"
    ]
