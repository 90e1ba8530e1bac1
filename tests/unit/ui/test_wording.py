"""Plan and apply texts say "accounts" while accounts are all that is involved (word for word as
before), and "records" once contacts or opportunities are."""

from __future__ import annotations

import io

from lfsync.plan.actions import Action, ApplyOutcome
from lfsync.plan.model import AttributeChange, Change, Plan, PlanOptions
from lfsync.plan.wording import records_word
from lfsync.ui.ignored import ignored_drift_line
from lfsync.ui.progress import PlainProgress, SharedProgress
from lfsync.ui.render import PRUNE_NOTE, prune_note, render_text, summary_line


def plan_of(*changes: Change, **extra) -> Plan:
    return Plan(project_dir=".", workspace="default", target="local", lineage="", serial=0, declarations_digest="d",
                changes=list(changes), **extra)


def deleted(address: str, name: object) -> Change:
    return Change(address=address, action=Action.DELETE, resource_id="id_1",
                  attributes=[AttributeChange(path="fields.$name", kind="remove", before=name)])


def test_a_plan_of_accounts_alone_keeps_its_words():
    pruning = PlanOptions(prune=True)
    assert summary_line(plan_of()) == "No changes. Your accounts match the declarations."
    assert prune_note(plan_of(options=pruning)) == PRUNE_NOTE
    assert records_word(plan_of(deleted("account.old", "Old"))) == "accounts"
    assert ignored_drift_line(plan_of(ignored_drift={"account.a": ["fields.tier"], "account.b": ["fields.tier"]})) == (
        "Ignored drift: 2 field(s) on 2 account(s) differ in Lightfield (ignore_changes): tier."
    )


def test_a_plan_involving_other_kinds_says_records():
    graph = plan_of(kinds=["account", "contact"])
    assert summary_line(graph) == "No changes. Your records match the declarations."
    assert prune_note(plan_of(options=PlanOptions(prune=True), kinds=["account", "opportunity"])) == (
        "Pruning: records in state that are no longer declared are moved to the trash (--prune, or prune: true in lfsync.yaml)."
    )
    assert records_word(plan_of(deleted("unmanaged.con_c1", "Eve")), plural=False) == "record"  # a saved plan without kinds
    assert records_word(plan_of(orphans=["opportunity.deal"])) == "records"
    drift = {"account.a": ["fields.tier"], "contact.ada": ["fields.$title", "fields.seniority"]}
    assert ignored_drift_line(plan_of(ignored_drift=drift)) == (
        "Ignored drift: 3 field(s) on 2 record(s) differ in Lightfield (ignore_changes): $title, seniority, tier."
    )


def test_a_deleted_contact_is_named_by_its_full_name():
    lines = [line for line, _ in render_text(plan_of(deleted("contact.ada", {"firstName": "Ada", "lastName": "Lovelace"})))]
    assert '  # contact.ada will be moved to the trash (named "Ada Lovelace")' in lines


def progress_lines(noun: str | None) -> list[str]:
    stream = io.StringIO()
    progress = PlainProgress(stream=stream, interval=5.0, clock=lambda: 1.0)
    if noun is not None:
        progress.noun = noun
    progress.start(2)
    progress.count(ApplyOutcome.CREATED)
    progress.stop()
    return stream.getvalue().splitlines()


def test_the_progress_line_counts_accounts_or_records_per_second():
    assert progress_lines(None) == progress_lines("accounts")
    assert progress_lines(None)[-1].endswith(" accounts/s, ETA ?")
    assert progress_lines("records")[-1].endswith(" records/s, ETA ?")


def test_workspaces_sharing_a_display_say_records_once_any_applies_other_kinds():
    display = PlainProgress(stream=io.StringIO())
    shared = SharedProgress(display)
    accounts_only, graph = shared.part(), shared.part()
    graph.noun = "records"
    accounts_only.start(1)
    assert display.noun == "accounts"
    graph.start(2)
    assert display.noun == "records"

