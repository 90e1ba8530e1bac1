"""`lfsync show PLANFILE` renders a saved plan exactly as `lfsync plan` showed it, in text,
markdown and JSON, with no key and no server; a damaged or altered file is refused naming it."""

from __future__ import annotations

import json

import pytest

from lfsync.emulator import EmulatorConfig
from lfsync.emulator.testing import serve_in_thread
from lfsync.plan.model import FINGERPRINT_FIELD

FIRST = """
accounts:
  acme:
    fields: {$name: Acme Corp, tier: enterprise, $industry: [Software]}
    relationships: {$owner: ada@example.com}
  globex:
    fields: {$name: Globex}
"""
SECOND = """
accounts:
  acme:
    fields: {$name: Acme Corp, tier: smb, $industry: [Software, Fintech]}
    relationships: {$owner: grace@example.com}
  initech:
    fields: {$name: Initech}
    relationships: {parentAccount: account.acme}
"""


@pytest.fixture
def saved_and_shown(make_project, cli, tmp_path, monkeypatch):
    """A plan with a create, an update and a delete made against a served organisation: the file
    `plan --out` saved and what plan printed in each format. The server is gone and the key unset
    when the test runs."""
    saved = tmp_path / "reviewed.lfplan"
    with serve_in_thread(EmulatorConfig(db_path=str(tmp_path / "served.db"))) as url:
        project = make_project({"accounts.yaml": FIRST}, settings=f"target: {url}\n")
        monkeypatch.setenv("LIGHTFIELD_API_KEY", "sk_lf_local_dev")
        assert cli("apply", project, "--auto-approve").exit_code == 0
        (project / "accounts.yaml").write_text(SECOND, encoding="utf-8")
        shown = {
            "text": cli("plan", project, "--prune"),
            "json": cli("plan", project, "--prune", "--format", "json"),
            "markdown": cli("plan", project, "--prune", "--format", "markdown", "--out", saved),
        }
    monkeypatch.delenv("LIGHTFIELD_API_KEY")
    assert all(result.exit_code == 0 for result in shown.values()), {k: r.output for k, r in shown.items()}
    return saved, {name: result.stdout for name, result in shown.items()}


@pytest.mark.parametrize("output_format", ["text", "markdown", "json"])
def test_show_renders_a_saved_plan_as_plan_showed_it_without_key_or_server(saved_and_shown, cli, output_format):
    saved, shown = saved_and_shown
    result = cli("show", saved, "--format", output_format)
    assert result.exit_code == 0, result.output
    assert result.stdout == shown[output_format]
    assert result.stderr == ""


def test_the_shown_plan_holds_every_kind_of_change(saved_and_shown, cli):
    saved, _ = saved_and_shown
    shown = json.loads(cli("show", saved, "--format", "json").stdout)
    assert shown["summary"]["create"] == 1 and shown["summary"]["update"] == 1 and shown["summary"]["delete"] == 1
    text = cli("show", saved).stdout  # text is the default format
    assert "+ account.initech" in text and "~ account.acme" in text and "- account.globex" in text
    assert "grace@example.com" in text  # IDs by the names plan showed them with


def test_an_altered_saved_plan_is_refused_naming_the_file(saved_and_shown, cli):
    saved, _ = saved_and_shown
    document = json.loads(saved.read_text(encoding="utf-8"))
    document["options"]["prune"] = False
    saved.write_text(json.dumps(document), encoding="utf-8")
    result = cli("show", saved)
    assert result.exit_code == 1
    assert "reviewed.lfplan" in result.stderr and "has been altered" in result.stderr and "it is not shown" in result.stderr
    assert result.stdout == ""


def test_a_saved_plan_without_its_fingerprint_is_refused(saved_and_shown, cli):
    saved, _ = saved_and_shown
    document = json.loads(saved.read_text(encoding="utf-8"))
    del document[FINGERPRINT_FIELD]
    saved.write_text(json.dumps(document), encoding="utf-8")
    result = cli("show", saved, "--format", "json")
    assert result.exit_code == 1 and "has been altered" in result.stderr and result.stdout == ""


@pytest.mark.parametrize(
    "content, complaint",
    [
        ("not json {", "not a saved lfsync plan"),
        ('{"format_version": 99}', "not a saved lfsync plan of format 1"),
        ('{"format_version": 1, "changes": "all"}', "damaged plan file"),
    ],
)
def test_a_file_that_is_no_saved_plan_is_refused_naming_it(tmp_path, cli, content, complaint):
    path = tmp_path / "odd.lfplan"
    path.write_text(content, encoding="utf-8")
    result = cli("show", path)
    assert result.exit_code == 1
    assert "odd.lfplan" in result.stderr and complaint in result.stderr


def test_a_missing_or_directory_planfile_is_an_error_naming_it(tmp_path, cli):
    for path in (tmp_path / "absent.lfplan", tmp_path):
        result = cli("show", path)
        assert result.exit_code == 1 and str(path.name) in result.stderr, result.output
