"""Saved plans are applied only as `lfsync plan --out` wrote them: their fingerprint covers their
changes and options, and destroy, reset and prune ask for confirmation unless --auto-approve,
also from a saved plan (issue 23)."""

from __future__ import annotations

import json

import pytest

from lfsync.plan.model import FINGERPRINT_FIELD

TWO = "accounts:\n  a:\n    fields: {$name: A}\n  b:\n    fields: {$name: B}\n"
ONE = "accounts:\n  a:\n    fields: {$name: A}\n"


@pytest.fixture
def interactive(monkeypatch):
    """The CLI runner's stdin is not a terminal; these tests answer the prompt through it."""
    monkeypatch.setattr("lfsync.commands.apply.is_interactive", lambda: True)


def test_a_saved_plan_carries_its_fingerprint(make_project, cli, tmp_path):
    project = make_project({"accounts.yaml": ONE})
    saved = tmp_path / "a.lfplan"
    assert cli("plan", project, "--out", saved).exit_code == 0
    markdown = cli("plan", project, "--format", "markdown").stdout
    fingerprint = json.loads(saved.read_text())[FINGERPRINT_FIELD]
    assert f"Plan fingerprint: `{fingerprint}`" in markdown


def test_a_hand_edited_destroy_option_is_refused_as_tampered(make_project, cli, tmp_path, state_of):
    project = make_project({"accounts.yaml": TWO})
    assert cli("apply", project, "--auto-approve").exit_code == 0
    saved = tmp_path / "edited.lfplan"
    assert cli("plan", project, "--out", saved).exit_code == 0
    document = json.loads(saved.read_text())
    document["options"]["destroy"] = True
    document["changes"] = [
        {"address": f"account.{key}", "action": "delete", "resource_id": resource["id"]}
        for key, resource in ((a.removeprefix("account."), r) for a, r in state_of(project)["resources"].items())
    ]
    saved.write_text(json.dumps(document))
    result = cli("apply", saved, "--auto-approve")
    assert result.exit_code == 1, result.output
    assert "the saved plan has been altered since `lfsync plan --out` wrote it" in result.stderr
    assert set(state_of(project)["resources"]) == {"account.a", "account.b"}


def test_a_saved_plan_without_its_fingerprint_is_refused(make_project, cli, tmp_path):
    project = make_project({"accounts.yaml": ONE})
    saved = tmp_path / "a.lfplan"
    assert cli("plan", project, "--out", saved).exit_code == 0
    document = json.loads(saved.read_text())
    del document[FINGERPRINT_FIELD]
    saved.write_text(json.dumps(document))
    result = cli("apply", saved)
    assert result.exit_code == 1 and "has been altered" in result.stderr


def test_a_saved_plan_without_trashing_options_applies_without_asking(make_project, cli, tmp_path, state_of):
    project = make_project({"accounts.yaml": ONE})
    saved = tmp_path / "a.lfplan"
    assert cli("plan", project, "--out", saved).exit_code == 0
    result = cli("apply", saved)
    assert result.exit_code == 0, result.output
    assert "Enter a value" not in result.output
    assert set(state_of(project)["resources"]) == {"account.a"}


def _saved_prune(make_project, cli, tmp_path):
    project = make_project({"accounts.yaml": TWO})
    assert cli("apply", project, "--auto-approve").exit_code == 0
    (project / "accounts.yaml").write_text(ONE)
    saved = tmp_path / "prune.lfplan"
    assert cli("plan", project, "--prune", "--out", saved).exit_code == 0
    return project, saved


def test_a_saved_prune_plan_is_refused_off_a_terminal_without_auto_approve(make_project, cli, tmp_path, state_of):
    project, saved = _saved_prune(make_project, cli, tmp_path)
    result = cli("apply", saved)
    assert result.exit_code == 1, result.output
    assert "destroy, reset or --prune always needs: pass --auto-approve" in result.stderr
    assert set(state_of(project)["resources"]) == {"account.a", "account.b"}


def test_a_saved_prune_plan_asks_and_a_no_applies_nothing(make_project, cli, tmp_path, state_of, interactive):
    project, saved = _saved_prune(make_project, cli, tmp_path)
    result = cli("apply", saved, input="no\n")
    assert "Enter a value" in result.output
    assert set(state_of(project)["resources"]) == {"account.a", "account.b"}
    result = cli("apply", saved, input="yes\n")
    assert result.exit_code == 0, result.output
    assert set(state_of(project)["resources"]) == {"account.a"}


def test_a_saved_prune_plan_applies_with_auto_approve(make_project, cli, tmp_path, state_of):
    project, saved = _saved_prune(make_project, cli, tmp_path)
    result = cli("apply", saved, "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "Enter a value" not in result.output
    assert set(state_of(project)["resources"]) == {"account.a"}
