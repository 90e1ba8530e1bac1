"""Relative dates against the emulator: `now+3d` on an account's, a contact's and an opportunity's
DATETIME custom fields (the default fixture's renewalDate, birthday, closeDate) beside an absolute
one. Before the first apply the plan shows each expression with the instant it would resolve to;
apply records that anchor (by the API's clock); a day later by the server's clock the same files
plan clean (also without an API key); `--reanchor` a day later plans exactly the relative fields'
updates, by the anchor's move, applies them and plans clean; a saved plan made before the anchor
moved is refused as stale; `reset --reanchor` moves them too.

One project on one served emulator (its clock moved by the tests, never slept on) is shared by the
tests of this module, in file order (CI time); each leaves it applied and planning clean.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from applied_project import AppliedProject, targeting

from lfsync.emulator import EmulatorConfig
from lfsync.emulator.clock import ShiftedClock
from lfsync.emulator.testing import serve_in_thread
from lfsync.values.relative_dates import ACCEPTED_FORMS

from conftest import write_files
from wire import records_of

KEY = "sk_lf_local_dev"
A_DAY = 24 * 60 * 60
DECLARATIONS = {
    "lfsync.yaml": "skip_enrichment: true\n",
    "accounts.yaml": """
        accounts:
          acme:
            fields: {$name: Acme, renewalDate: now+3d}
          globex:
            fields: {$name: Globex, renewalDate: "2026-03-01T10:00:00+01:00"}
        """,
    "people.yaml": """
        contacts:
          ada:
            fields: {$email: [ada@acme.example], birthday: now - 2w}
            relationships: {$account: account.acme}
        opportunities:
          deal:
            fields: {$name: Deal, $stage: Discovery, closeDate: now+36h}
            relationships: {$account: account.acme}
        """,
}
# address -> (collection, field, offset from the anchor)
RELATIVE = {
    "account.acme": ("accounts", "renewalDate", "now+3d", timedelta(days=3)),
    "contact.ada": ("contacts", "birthday", "now-2w", timedelta(weeks=-2)),
    "opportunity.deal": ("opportunities", "closeDate", "now+36h", timedelta(hours=36)),
}
ABSOLUTE = "2026-03-01T09:00:00.000Z"


def instant(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class Demo(AppliedProject):
    clock: ShiftedClock

    def json_plan(self, *options: object) -> dict:
        result = self.run("plan", self.project, "--format", "json", *options)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def state(self) -> dict:
        return json.loads((self.project / "state" / "default.lfstate.json").read_text())

    def anchor(self) -> datetime:
        return moment(self.state()["anchor"]["at"])

    def served(self) -> dict[str, str | None]:
        """address -> the DATETIME value the emulator holds, read through the API as a user would."""
        ids = {address: resource["id"] for address, resource in self.state()["resources"].items()}
        values = {}
        for address, (collection, key, _, _) in {**RELATIVE, "account.globex": ("accounts", "renewalDate", "", None)}.items():
            record = next(record for record in records_of(self.project, collection) if record["id"] == ids[address])
            values[address] = (record["fields"].get(key) or {}).get("value")
        return values

    def expected(self, anchor: datetime) -> dict[str, str | None]:
        return {**{address: instant(anchor + offset) for address, (_, _, _, offset) in RELATIVE.items()}, "account.globex": ABSOLUTE}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("relative-dates")
    clock = ShiftedClock(offset=-3 * A_DAY)  # the server's time, moved forward by the tests
    with serve_in_thread(EmulatorConfig(db_path=str(root / "served.db"), clock=clock)) as url, targeting(url):
        yield Demo(write_files(root / "project", DECLARATIONS), clock)


def test_before_the_first_apply_the_plan_shows_each_expression_and_its_instant(demo):
    document = demo.json_plan()
    anchor = document["anchor"]
    assert (anchor["source"], anchor["recorded"]) == ("date", None)  # the API's clock, nothing recorded yet
    at = moment(anchor["at"])
    assert abs(at - (datetime.fromtimestamp(demo.clock(), at.tzinfo))) < timedelta(minutes=1)  # the server's now, 3 days back

    text = demo.run("plan", demo.project)
    assert text.exit_code == 0, text.output
    # A plan of its own: "now" is read again (a second may have passed), and the note says which now
    shown = re.search(r"Note: relative dates resolve against now, (\S+) \(the API's clock\); apply records it", text.stdout)
    assert shown is not None, text.stdout
    shown_at = moment(shown.group(1))
    assert abs(shown_at - at) < timedelta(minutes=1)
    for address, (_, key, expression, offset) in RELATIVE.items():
        assert f'+ {key}: "{expression} ({instant(shown_at + offset)})"' in " ".join(text.stdout.split()), text.stdout
    assert f'renewalDate: "{ABSOLUTE}"' in text.stdout


def test_apply_records_the_anchor_and_sends_the_instants(demo):
    assert "4 created" in demo.applied()
    recorded = demo.state()["anchor"]
    assert recorded["clock"] == "date"
    anchor = demo.anchor()
    assert demo.served() == demo.expected(anchor)
    declared_as = demo.state()["resources"]["account.acme"]["declared_as"]
    assert declared_as["fields"] == {"renewalDate": "now+3d"}  # the expression as written: key-less plans compare it
    demo.assert_clean()


def test_a_day_later_the_same_declarations_plan_clean(demo, monkeypatch):
    anchor = demo.anchor()
    demo.clock.advance(A_DAY)  # the server's clock moves on: the anchor does not
    demo.assert_clean()
    kept = demo.json_plan()["anchor"]  # the one state records: apply records nothing anew
    assert (kept["source"], kept["at"], kept["recorded"]) == ("state", demo.state()["anchor"]["at"], demo.state()["anchor"]["at"])
    assert demo.anchor() == anchor

    monkeypatch.delenv("LIGHTFIELD_API_KEY")  # no key: the definitions an earlier run cached, the recorded anchor
    keyless = demo.run("plan", demo.project, "--detailed-exitcode")
    assert keyless.exit_code == 0, keyless.output
    for cached in (demo.project / ".lfsync" / "definitions").iterdir():
        cached.unlink()  # no definitions at all: declarations compared as written, expressions with expressions
    unchecked = demo.run("plan", demo.project, "--detailed-exitcode")
    assert unchecked.exit_code == 0, unchecked.output
    assert "were not checked" in unchecked.output or "not checked" in unchecked.output


def test_reanchor_a_day_later_moves_exactly_the_relative_dates(demo):
    before = demo.anchor()
    document = demo.json_plan("--reanchor")
    moved_to = moment(document["anchor"]["at"])
    assert document["anchor"]["recorded"] == demo.state()["anchor"]["at"]
    assert timedelta(days=1) <= moved_to - before < timedelta(days=1, minutes=1)
    changes = {
        change["address"]: [(a["path"], a["before"], a["after"]) for a in change["attributes"]] for change in document["changes"]
    }
    assert changes == {
        address: [(f"fields.{key}", instant(before + offset), instant(moved_to + offset))]
        for address, (_, key, _, offset) in RELATIVE.items()
    }
    assert document["summary"]["update"] == 3 and document["summary"]["create"] == 0

    saved = demo.project.parent / "reanchor.plan.json"
    assert demo.run("plan", demo.project, "--reanchor", "--out", saved).exit_code == 0
    text = demo.applied("--reanchor")
    assert "0 created, 3 updated, 0 deleted" in text
    assert "--reanchor moves the anchor of relative dates" in text
    after = demo.anchor()
    assert timedelta(days=1) <= after - before < timedelta(days=1, minutes=1)
    assert demo.served() == demo.expected(after)
    demo.assert_clean()

    stale = demo.run("apply", saved, "--auto-approve")
    assert stale.exit_code == 1
    assert "the saved plan is stale: the anchor of relative dates has moved since it was made" in stale.output


def test_a_saved_reanchor_plan_applies_the_anchor_it_showed(demo):
    demo.clock.advance(A_DAY)
    saved = demo.project.parent / "saved.plan.json"
    assert demo.run("plan", demo.project, "--reanchor", "--out", saved).exit_code == 0
    shown = json.loads(saved.read_text())["anchor"]["at"]
    demo.clock.advance(600)  # applied ten minutes after review: the dates it showed, not those of now
    applied = demo.run("apply", saved, "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert demo.state()["anchor"]["at"] == shown
    assert demo.served() == demo.expected(moment(shown))
    demo.assert_clean()


def test_reset_reanchor_moves_the_dates_too(demo):
    before = demo.anchor()
    demo.clock.advance(A_DAY)
    assert "3 updated" in demo.applied("--reanchor", command="reset")
    assert timedelta(days=1) <= demo.anchor() - before < timedelta(days=1, minutes=11)
    assert demo.served() == demo.expected(demo.anchor())
    demo.assert_clean()


def test_a_bad_relative_date_is_refused_at_plan_time_and_each_workspace_has_its_own_anchor(demo, tmp_path):
    other = write_files(tmp_path / "other", {**DECLARATIONS, "lfsync.yaml": "skip_enrichment: true\nworkspace: second\n"})
    document = json.loads(demo.run("plan", other, "--format", "json").stdout)
    assert document["anchor"]["recorded"] is None  # the state of workspace `second` holds no anchor yet

    write_files(other, {"accounts.yaml": "accounts:\n  acme:\n    fields:\n      $name: Acme\n      renewalDate: now+3x\n"})
    refused = demo.run("plan", other)
    assert refused.exit_code == 1
    assert "accounts.yaml:5:7" in refused.output
    assert f"'now+3x' is not a relative date; write {ACCEPTED_FORMS}" in " ".join(refused.output.split())


def test_in_the_docs_literal_mode_a_resolved_instant_read_back_is_no_drift(tmp_path, monkeypatch):
    config = EmulatorConfig(db_path=str(tmp_path / "literal.db"), docs_literal=True)
    with serve_in_thread(config) as url:
        monkeypatch.setenv("LIGHTFIELD_BASE_URL", url)
        monkeypatch.setenv("LIGHTFIELD_API_KEY", KEY)
        project = write_files(tmp_path / "project", {
            "lfsync.yaml": "skip_enrichment: true\n",
            "accounts.yaml": "accounts:\n  acme:\n    fields: {$name: Acme, renewalDate: now+90m}\n",
        })
        demo = Demo(project, ShiftedClock())
        assert "1 created" in demo.applied()
        demo.assert_clean()
