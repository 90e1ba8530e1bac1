"""The definitions a run fetched, kept under .lfsync/definitions/ for a later run that cannot ask
the target (values.organisation.remember): written without an fsync, so a damaged cache file
counts as none, while a damaged committed snapshot is still an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from lfsync.api.records import member_from, parse_definitions, parse_record
from lfsync.config.project import load_project
from lfsync.errors import LfsyncError
from lfsync.values.organisation import (
    SNAPSHOT_FILE,
    Organisation,
    cache_path,
    offline_organisation,
    remember,
)

TARGET = "https://api.lightfield.app"
ACCOUNTS = {
    "objectType": "account",
    "fieldDefinitions": {"$name": {"label": "Name", "valueType": "TEXT", "typeConfiguration": {}}},
    "relationshipDefinitions": {},
}
MEMBER = {
    "id": "mem_cadalovelace000000000", "createdAt": "2026-01-01T00:00:00Z",
    "fields": {"$email": {"value": "ada@example.com", "valueType": "EMAIL"}}, "relationships": {},
}


def organisation() -> Organisation:
    return Organisation.from_api(parse_definitions(ACCOUNTS, "accounts"), [member_from(parse_record(MEMBER, "GET /v1/members"))])


@pytest.fixture
def project(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lfsync.yaml").write_text(f"target: {TARGET}\n", encoding="utf-8")
    return load_project(tmp_path, env={})


def test_a_run_without_the_target_reads_what_an_earlier_run_cached(project):
    remember(project, organisation())
    known = offline_organisation(project)
    assert known is not None and known.organisation.digest == organisation().digest
    assert "cached definitions" in known.source


@pytest.mark.parametrize("damage", ["", "{", '{"format_version": 1, "target": '])
def test_a_cache_cut_short_by_a_lost_power_counts_as_none(project, damage):
    remember(project, organisation())
    cache_path(project).write_text(damage, encoding="utf-8")
    assert offline_organisation(project) is None


def test_a_damaged_committed_snapshot_is_still_an_error(project):
    (project.root / SNAPSHOT_FILE).write_text("{", encoding="utf-8")
    with pytest.raises(LfsyncError, match="not a definitions snapshot"):
        offline_organisation(project)
