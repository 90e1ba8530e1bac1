"""Plan -> a markdown PR comment: counts first, then each change in a collapsible section, within a budget."""

from __future__ import annotations

from collections import Counter
from typing import Callable, Mapping, Sequence

from lfsync.plan.actions import Action
from lfsync.plan.anchoring import anchor_note
from lfsync.plan.model import Change, Plan, plan_fingerprint
from lfsync.support import collector
from lfsync.support.textsafe import code_block, markdown_code, markdown_text
from lfsync.ui.bykind import changes_by_kind
from lfsync.ui.drift import drift_note
from lfsync.ui.ignored import ignored_drift_line
from lfsync.ui.moves import rename_markdown, subject
from lfsync.ui.plandiagram import diagram_section
from lfsync.ui.rails import partial_notes
from lfsync.ui.render import (
    CHANGED_STATE_WHY,
    SYMBOLS,
    UNCHECKED_NOTE,
    change_lines,
    eta_line,
    named_files,
    prune_note,
    summary_line,
)

MARKDOWN_BUDGET = 60_000  # GitHub refuses comments over 65,536 characters
_FOOTER_RESERVE = 600  # room kept for the note saying what was left out




@collector.paused()
def render_markdown(
    plan: Plan, *, budget: int = MARKDOWN_BUDGET, full_plan: str | None = None, changed_state: Sequence[str] = ()
) -> str:
    """A PR comment: counts first, then each change in a collapsible section, within `budget` characters.

    What does not fit is counted in a closing note that says where the whole plan is (`full_plan`,
    e.g. the saved plan file, else how to print it). `changed_state`: state files the pull request
    modifies (`plan --base`), warned about under the title.
    """
    out = MarkdownBudget(budget - _FOOTER_RESERVE)
    head = _markdown_head(plan)
    if changed_state:
        head[2:2] = [
            "> [!WARNING]",
            f"> **This change modifies lfsync state files** ({named_files(changed_state, markdown_code)}): "
            f"{markdown_text(CHANGED_STATE_WHY)}",
            "",
        ]
    out.add_always(head)
    out.add("diagram", lambda: diagram_section(plan))
    for problem in plan.problems:
        out.add("problem", lambda: [f"- :x: {markdown_text(problem)}"])
    for note in plan.pending:
        out.add("unsettled operation", lambda: [f"- :hourglass: {markdown_text(note)}"])
    for address in plan.orphans:
        out.add("orphan", lambda: [f"- :grey_question: {markdown_code(address)} is no longer declared; left alone (`--prune` trashes it)"])
    for hint in plan.renames:
        out.add("rename hint", lambda: rename_markdown(hint))
    for heading, changes in changes_by_kind(plan.changes):
        if heading and not out.left_out:
            out.add_always([f"#### {markdown_text(heading)}", ""])
        for change in changes:
            out.add(change.action, lambda: _markdown_change(change, plan.names))
    out.add_always(_left_out_note(out.left_out, full_plan, budget))
    return "\n".join(out.lines).rstrip() + "\n"


class MarkdownBudget:
    """Collects sections while they fit; once one does not, counts the rest by kind instead."""

    def __init__(self, budget: int):
        self.budget = budget
        self.lines: list[str] = []
        self.size = 0
        self.left_out: Counter[str] = Counter()

    def add_always(self, lines: list[str]) -> None:
        self.lines.extend(lines)
        self.size += sum(len(line) + 1 for line in lines)

    def add(self, kind: str, render: Callable[[], list[str]]) -> None:
        """`render` is called only while there is room: a 100,000-change plan renders one page."""
        if self.left_out:
            self.left_out[kind] += 1
            return
        lines = render()
        if self.size + sum(len(line) + 1 for line in lines) > self.budget:
            self.left_out[kind] += 1
            return
        self.add_always(lines)


def _markdown_head(plan: Plan) -> list[str]:
    head = [f"### lfsync plan for workspace {markdown_code(plan.workspace)}", "", f"**{summary_line(plan)}**", ""]
    rows = [(str(action), plan.count(action)) for action in Action if plan.count(action)]
    rows += [(label, len(items)) for label, items in (("unsettled", plan.pending), ("not declared", plan.orphans), ("errors", plan.problems)) if items]
    if rows:
        head += ["| | count |", "|---|--:|"] + [f"| {label} | {count} |" for label, count in rows] + [""]
    head.append(f"Plan fingerprint: `{plan_fingerprint(plan)}` (SHA-256 of its changes and options)")
    if pruning := prune_note(plan):
        head += ["", markdown_text(pruning)]
    if undated := drift_note(plan):
        head += ["", markdown_text(undated)]
    if ignored := ignored_drift_line(plan):
        head += ["", markdown_text(ignored)]
    if plan.generator_note:
        head += ["", "> [!WARNING]", f"> **Another Faker**: {markdown_text(plan.generator_note)}"]
    if plan.large_change:
        head += ["", "> [!WARNING]", f"> **Too large to apply as it is**: {markdown_text(plan.large_change)}"]
    head += [line for note in partial_notes(plan) for line in ("", f"**{markdown_text(note)}**")]
    head += ["", f"Values checked against {markdown_text(plan.values_checked_against)}." if plan.values_checked_against else f"**{UNCHECKED_NOTE}**"]
    head += ["", f"**Note: {markdown_text(plan.refresh_note)}.**"] if plan.refresh_note else []
    head += ["", f"Note: {markdown_text(dates)}."] if (dates := anchor_note(plan.anchor)) else []
    eta = eta_line(plan)
    head += ["", markdown_text(eta)] if eta else []
    return head + [""]


def _markdown_change(change: Change, names: Mapping[str, str]) -> list[str]:
    symbol = SYMBOLS[change.action]
    lines = change_lines(change, names)
    headline = lines[0][0].strip().removeprefix("# ").removeprefix(change.moved_from or change.address).strip()
    where = f" ({markdown_text(change.location)})" if change.location else ""
    diff = [_diff_line(text) for text, _ in lines[1:]]
    return [
        f"<details><summary>{markdown_code(subject(change, symbol))} {markdown_text(headline)}{where}</summary>",
        "",
        *code_block(diff, "diff"),
        "",
        "</details>",
        "",
    ]


def _left_out_note(left_out: Counter[str], full_plan: str | None, budget: int) -> list[str]:
    if not left_out:
        return []
    total = sum(left_out.values())
    kinds = ", ".join(f"{count} {kind}" for kind, count in left_out.items())
    where = (
        f"the saved plan {markdown_code(full_plan)} (JSON) and the job log"
        if full_plan
        else "the job log; `lfsync plan` (text) or `lfsync plan --format json` prints it whole"
    )
    return [
        "",
        f"> :warning: **{total} item(s) not shown** ({kinds}) to keep this comment under "
        f"{budget:,} characters. The full plan is in {where}.",
    ]


def _diff_line(line: str) -> str:
    """Put the change symbol in column one, where GitHub's diff highlighting looks for it."""
    stripped = line.lstrip()
    if stripped[:1] in ("+", "-", "~", ">", "^"):
        symbol = {"~": "!", ">": "+", "^": "+"}.get(stripped[0], stripped[0])
        return f"{symbol} {stripped[1:].lstrip()}" if line.startswith("  ") else line
    return line
