"""examples/demo-seeding, the demo organisation in the box: both workspaces plan their own resolved
vars (region, owner, seed: other companies under the same keys); demo-eu applies every kind the demo
needs (at least 50 accounts, 100 contacts, 30 opportunities across stages, 20 tasks with relative
due dates, 20 notes, 2 lists), plans clean with refresh, and after a demo's edits through the official
SDK (a task's status, an opportunity's stage, a contact added) `lfsync reset` brings it back and it
plans clean again; and a teardown stops at the protected parent until it is unprotected.

The example is copied into tmp_path with each workspace's target set to an emulator served at a high
write rate (CI time: the local target writes at the real 25/s) and no index lag (an edit made just
before the reset is listed at once). The module's tests share the copy and run in file order."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from demo_sdk import SDK_RETRIES
from lightfield import Lightfield

from lfsync.emulator import EmulatorConfig
from lfsync.emulator.testing import serve_in_thread

KEY = "sk_lf_local_dev"
FAST = {"write_rate": 1000, "read_rate": 1000, "search_rate": 1000, "index_lag_ms": 0}
KEY_VARIABLES = {"demo-eu": "LF_KEY_DEMO_EU", "demo-us": "LF_KEY_DEMO_US"}
AT_LEAST = {"account": 50, "contact": 100, "opportunity": 30, "task": 20, "note": 20, "list": 2}


@dataclass(frozen=True)
class Demo:
    project: Path
    state: Path  # demo-eu's state file
    sdk: Lightfield  # demo-eu's organisation

    def live_contacts(self) -> set[str]:
        found: set[str] = set()
        while page := self.sdk.contact.list(limit=25, offset=len(found)).data:
            found |= {contact.id for contact in page}
        return found

    def ids(self) -> dict[str, str]:
        return {address: resource["id"] for address, resource in json.loads(self.state.read_text())["resources"].items()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Demo]:
    root = tmp_path_factory.mktemp("demo")
    example = root / "examples" / "demo-seeding"  # its state_dir, ../../state, is then root/state
    shutil.copytree(Path(__file__).parents[2] / "examples" / "demo-seeding", example, ignore=shutil.ignore_patterns(".lfsync"))
    with serve_in_thread(EmulatorConfig(**FAST)) as eu_url, serve_in_thread(EmulatorConfig(**FAST)) as us_url:
        settings = (example / "lfsync.yaml").read_text()
        eu_line = "  demo-eu: {target: local, owns_organisation: true}"
        us_line = "    target: local\n"
        assert eu_line in settings and us_line in settings
        settings = settings.replace(eu_line, f"  demo-eu: {{target: '{eu_url}', api_key_env: LF_KEY_DEMO_EU, owns_organisation: true}}")
        settings = settings.replace(us_line, f"    target: '{us_url}'\n    api_key_env: LF_KEY_DEMO_US\n")
        (example / "lfsync.yaml").write_text(settings)
        yield Demo(example, root / "state" / "demo-eu.lfstate.json", Lightfield(api_key=KEY, base_url=eu_url, max_retries=SDK_RETRIES))


@pytest.fixture
def run(cli, monkeypatch):
    for variable in KEY_VARIABLES.values():
        monkeypatch.setenv(variable, KEY)
    return cli


def test_the_example_is_valid_and_formatted(demo, run):
    assert run("fmt", "--check", demo.project).exit_code == 0
    validated = run("validate", demo.project, "--offline")
    assert validated.exit_code == 0, validated.output


def test_both_workspaces_plan_their_own_vars_and_generated_records(demo, run):
    planned = run("plan", demo.project, "--all-workspaces", "--format", "json")
    assert planned.exit_code == 0, planned.output
    plans = json.loads(planned.stdout)
    by_workspace = {}
    for workspace in ("demo-eu", "demo-us"):
        changes = {change["address"]: change for change in plans[workspace]["changes"]}
        kinds = Counter(address.partition(".")[0] for address in changes)
        assert all(kinds[kind] >= count for kind, count in AT_LEAST.items()), kinds
        by_workspace[workspace] = changes
    text = json.dumps(by_workspace["demo-eu"]), json.dumps(by_workspace["demo-us"])
    assert "Target accounts EU" in text[0] and "Target accounts US" in text[1] and "Target accounts US" not in text[0]
    assert "grace@example.com" in text[0] and "ada@example.com" not in text[0] and "ada@example.com" in text[1]
    assert sorted(by_workspace["demo-eu"]) == sorted(by_workspace["demo-us"])  # the same keys ...
    assert json.dumps(by_workspace["demo-eu"]["account.acct-001"]) != json.dumps(by_workspace["demo-us"]["account.acct-001"])


def test_the_demo_applies_every_kind_and_plans_clean_with_refresh(demo, run):
    applied = run("apply", demo.project, "--workspace", "demo-eu", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    kinds = Counter(address.partition(".")[0] for address in demo.ids())
    assert all(kinds[kind] >= count for kind, count in AT_LEAST.items()), kinds
    stages = {deal.fields["$stage"].value for deal in demo.sdk.opportunity.list(limit=25).data}
    assert len(stages) >= 3  # deals across stages
    due = [demo.sdk.task.retrieve(demo.ids()[f"task.deal-0{n}-next-step"]).fields["$dueAt"].value for n in (1, 2, 3)]
    assert len(set(due)) == 3  # relative due dates, resolved against the anchor
    planned = run("plan", demo.project, "--workspace", "demo-eu", "--detailed-exitcode")  # refreshes by default
    assert planned.exit_code == 0, planned.output
    assert "No changes." in planned.stdout and "not refreshed" not in planned.output


def test_reset_after_a_demo_brings_the_organisation_back(demo, run):
    ids = demo.ids()
    task, deal = ids["task.deal-01-next-step"], ids["opportunity.deal-01"]
    status = demo.sdk.task.retrieve(task).fields["$status"].value
    stage = demo.sdk.opportunity.retrieve(deal).fields["$stage"].value
    stages = demo.sdk.opportunity.definitions().field_definitions["$stage"].type_configuration.options or []
    other_stage = next(option.id for option in stages if option.id != stage)
    demo.sdk.task.update(task, fields={"$status": "CANCELLED" if status != "CANCELLED" else "TODO"})
    demo.sdk.opportunity.update(deal, fields={"$stage": other_stage})
    added = demo.sdk.contact.create(fields={"$name": {"firstName": "Walk", "lastName": "In"}, "$email": ["walk.in@visitor.example"]})

    drifted = run("plan", demo.project, "--workspace", "demo-eu", "--detailed-exitcode")
    assert drifted.exit_code == 2, drifted.output
    reset = run("reset", demo.project, "--workspace", "demo-eu", "--auto-approve")
    assert reset.exit_code == 0, reset.output
    assert f"- unmanaged.{added.id}" in reset.stdout and "'Walk In' is declared nowhere" in reset.stdout
    assert demo.sdk.task.retrieve(task).fields["$status"].value == status
    assert demo.sdk.opportunity.retrieve(deal).fields["$stage"].value == stage
    managed_contacts = {record_id for address, record_id in ids.items() if address.startswith("contact.")}
    assert demo.live_contacts() == managed_contacts  # the walk-in (and the organisation's seeded people) trashed
    clean = run("plan", demo.project, "--workspace", "demo-eu", "--detailed-exitcode")
    assert clean.exit_code == 0, clean.output


def test_teardown_stops_at_the_protected_parent_until_it_is_unprotected(demo, run):
    refused = run("destroy", demo.project, "--workspace", "demo-eu", "--auto-approve")
    assert refused.exit_code == 1 and "account.northwind-group" in refused.output and "protected" in refused.output
    groups = demo.project / "accounts" / "groups.yaml"
    groups.write_text(groups.read_text().replace("protect: true", "protect: false"))
    assert run("apply", demo.project, "--workspace", "demo-eu", "--auto-approve").exit_code == 0
    destroyed = run("destroy", demo.project, "--workspace", "demo-eu", "--auto-approve")
    assert destroyed.exit_code == 0, destroyed.output
    assert demo.ids() == {} and demo.live_contacts() == set()
