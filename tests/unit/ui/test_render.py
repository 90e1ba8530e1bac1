"""Rendering on its own: plans as text, markdown and JSON, and an apply's summary."""

from __future__ import annotations

import json

from lfsync.plan.actions import Action, ApplyOutcome, ApplyReport
from lfsync.plan.model import AttributeChange, Change, Plan
from lfsync.support.textsafe import for_terminal
from lfsync.ui.applysummary import apply_summary
from lfsync.ui.markdown import render_markdown
from lfsync.ui.planjson import plan_json
from lfsync.ui.render import format_duration, render_text, summary_line


def plan_of(*changes: Change, **extra) -> Plan:
    return Plan(project_dir=".", workspace="default", target="local", lineage="", serial=0, declarations_digest="d",
                changes=list(changes), **extra)


def change(address: str, action: Action, **extra) -> Change:
    return Change(address=f"account.{address}", action=action, **extra)


CREATE = change("acme", Action.CREATE, location="a.yaml:2:3", attributes=[
    AttributeChange(path="fields.$name", kind="add", after="Acme"),
    AttributeChange(path="relationships.parentAccount", kind="add", after="account.globex", known_after_apply=True),
])
UPDATE = change("globex", Action.UPDATE, resource_id="acc_1", attributes=[
    AttributeChange(path="fields.tier", kind="change", before="smb", after="enterprise"),
    AttributeChange(path="fields.note", kind="remove", before="x"),
], observed={"fields": {}, "relationships": {}})
DELETE = change("old", Action.DELETE, resource_id="acc_2")
RESTORE = change("back", Action.RESTORE, resource_id="acc_3")
ADOPT = change("found", Action.ADOPT, resource_id="acc_4")


def text(plan: Plan) -> list[str]:
    return [line for line, _ in render_text(plan)]


def test_text_shows_each_action_with_its_symbol_and_headline():
    lines = text(plan_of(CREATE, UPDATE, DELETE, RESTORE, ADOPT))
    assert "  # account.acme will be created" in lines and "  + account.acme  (a.yaml:2:3)" in lines
    assert "  # account.globex will be updated in place (changed outside lfsync)" in lines
    assert "  ~ account.globex  (acc_1)" in lines and "  - account.old  (acc_2)" in lines
    assert "  ^ account.back  (acc_3)" in lines and "  > account.found  (acc_4)" in lines
    assert "  # account.back is in the trash and will be restored" in lines
    assert '      ~ tier: "smb" -> "enterprise"' in lines and '      - note: "x" -> null' in lines
    assert "        + parentAccount: account.globex (known after apply)" in lines
    assert lines[-2] == "Plan: 1 to adopt, 1 to create, 1 to update, 1 to restore, 1 to delete."
    assert lines[-1] == (
        "Apply needs 5 write request(s): about 0s at the write limit of 25/s. "
        "1 create(s) will trigger enrichment (metered; set skip_enrichment to avoid)."
    )


def test_summary_counts_create_update_delete_always_and_the_rest_when_present():
    assert summary_line(plan_of(CREATE)) == "Plan: 1 to create, 0 to update, 0 to delete."
    assert summary_line(plan_of()) == "No changes. Your accounts match the declarations."
    assert summary_line(plan_of(pending=["account.x: create interrupted"])) == "Plan: 0 to create, 0 to update, 0 to delete."


def test_a_create_replacing_a_deleted_record_says_so():
    replaced = change("acme", Action.CREATE, replaces="acc_9")
    assert "  # account.acme was deleted outside lfsync (acc_9) and will be created again" in text(plan_of(replaced))


def test_markdown_has_counts_a_section_per_change_and_a_diff_with_symbols_in_column_one():
    # The markdown of issue 9 (budgeted PR comments): counts first, then one collapsible section per
    # change naming its action, address and place; the per-change table it replaced is gone.
    markdown = render_markdown(plan_of(CREATE, UPDATE, orphans=["account.gone"]))
    assert "| create | 1 |" in markdown and "| update | 1 |" in markdown and "| not declared | 1 |" in markdown
    assert "<details><summary><code>+ account.acme</code> will be created (a.yaml:2:3)</summary>" in markdown
    assert "<details><summary><code>&#126; account.globex</code> will be updated in place (changed outside lfsync)</summary>" in markdown
    assert "<code>account.gone</code> is no longer declared; left alone (`--prune` trashes it)" in markdown
    assert "+ account.acme  (a.yaml:2:3)" in markdown.splitlines() and "! account.globex  (acc_1)" in markdown.splitlines()


def test_json_is_the_plan_plus_a_summary_by_action():
    document = json.loads(plan_json(plan_of(CREATE, DELETE)))
    assert document["summary"] == {"adopt": 0, "create": 1, "update": 0, "restore": 0, "delete": 1, "move": 0}
    assert [c["action"] for c in document["changes"]] == ["create", "delete"]


def test_json_is_ascii_and_means_what_the_plan_holds():
    """Non-ASCII text (a bidi override, a C1 control, beyond the BMP) is escaped, never written raw."""
    name = "Søren \u202e\x9b\U0001F600 Ltd"
    plan = plan_of(change("søren", Action.CREATE, attributes=[AttributeChange(path="fields.$name", kind="add", after=name)]))
    text = plan_json(plan).decode()
    assert text.isascii() and "\\u202e" in text and "\\ud83d\\ude00" in text
    document = json.loads(text)
    assert document["changes"][0]["address"] == "account.søren"
    assert document["changes"][0]["attributes"][0]["after"] == name
    assert document == json.loads(json.dumps(document, ensure_ascii=True))


def test_text_utf8_cannot_hold_is_shown_not_a_crash():
    """A lone surrogate (JSON from an API may escape one): JSON writes its escape, text and markdown
    show U+FFFD, and every rendering can be encoded for output."""
    plan = plan_of(change("a", Action.UPDATE, attributes=[AttributeChange(path="fields.x", kind="change", before="a\ud800b", after="c")]))
    text = plan_json(plan).decode()
    assert text.isascii() and json.loads(text)["changes"][0]["attributes"][0]["before"] == "a\ud800b"
    markdown = render_markdown(plan)
    lines = for_terminal("\n".join(line for line, _ in render_text(plan)))  # as commands print text
    for shown in (markdown, lines):
        assert '"a\ufffdb"' in shown
        shown.encode("utf-8")


def test_apply_summary_counts_every_outcome_and_names_failures_with_their_place():
    report = ApplyReport(links={"account.acme": "http://x/app/accounts/1"}, retried=2)
    report.record(ApplyOutcome.CREATED, "account.acme")
    report.record(ApplyOutcome.RESTORED, "account.back")
    report.failed["account.bad"] = "HTTP 400 invalid_type: nope"
    errors, lines = apply_summary(report, {"account.bad": "a.yaml:9:3"})
    assert errors == ["account.bad (a.yaml:9:3): HTTP 400 invalid_type: nope"]
    shown = [line for line, _ in lines]
    assert shown[0] == "Apply finished with errors: 1 created, 0 updated, 0 deleted, 1 restored, 1 failed."
    assert shown[1] == "(2 request(s) retried with the same idempotency key.)"
    assert shown[2] == "  account.acme: http://x/app/accounts/1"


def test_apply_summary_of_an_interrupted_and_a_clean_apply():
    interrupted = ApplyReport(interrupted=True)
    interrupted.not_started += ["account.a", "account.b"]
    assert apply_summary(interrupted, {})[1][0][0].startswith("Apply interrupted: 0 created, 0 updated, 0 deleted, 2 not started.")
    assert apply_summary(interrupted, {})[0] == []  # what was never sent is no error
    clean = ApplyReport()
    clean.record(ApplyOutcome.ADOPTED, "account.found")
    assert apply_summary(clean, {})[1][0][0] == "Apply complete! Resources: 0 created, 0 updated, 0 deleted, 1 adopted."


def test_durations():
    assert [format_duration(s) for s in (0.4, 59, 61, 3600 + 120)] == ["0s", "59s", "1m01s", "1h02m"]


def test_a_plans_errors_show_the_first_100_then_a_count():
    lines = [text for text, _style in render_text(plan_of(problems=[f"problem {index}" for index in range(250)]))]
    errors = [text for text in lines if text.startswith("Error: ")]
    assert errors[0] == "Error: problem 0" and errors[99] == "Error: problem 99"
    assert errors[100:] == ["Error: ... and 150 more problems"]


IGNORED = {"account.acme": ["fields.tier", "relationships.$owner"], "account.globex": ["fields.tier"]}
IGNORED_LINE = "Ignored drift: 3 field(s) on 2 account(s) differ in Lightfield (ignore_changes): tier, $owner."


def test_ignored_drift_is_one_summary_line_in_text_markdown_and_json():
    plan = plan_of(ignored_drift=IGNORED)
    assert IGNORED_LINE in text(plan) and "No changes" in text(plan)[-1]
    assert "Ignored drift: 3 field(s) on 2 account(s) differ in Lightfield" in render_markdown(plan)
    assert json.loads(plan_json(plan))["ignored_drift"] == IGNORED


def test_no_ignored_drift_no_line():
    assert not any(line.startswith("Ignored drift") for line in text(plan_of()))
    assert "Ignored drift" not in render_markdown(plan_of())
    assert "ignored_drift" not in json.loads(plan_json(plan_of()))  # left out of plans that have none


def test_text_values_are_shown_as_json_writes_them():
    """Strings take a shorter way to their JSON form than other values: the same text comes out."""
    from lfsync.ui.render import _show

    for value in ["Acme", "Café \"quoted\" \\ back", "line\nbreak\ttab\x00", "\u2028\ud800 🚀 東京", ""]:
        assert _show(value, {}) == json.dumps(value, ensure_ascii=False, sort_keys=True)
    assert _show(["a", 1, None, {"b": "c"}], {}) == '["a", 1, null, {"b": "c"}]'
    assert _show("mem_1", {"mem_1": "ada@example.com"}) == '"ada@example.com"'
