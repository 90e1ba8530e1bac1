"""Plan -> terraform-like text, a markdown PR comment, or JSON; an apply's summary lines."""

from __future__ import annotations

import json
from typing import Any, Mapping

from lfsync.actions import Action, ApplyReport
from lfsync.addresses import is_reference
from lfsync.pacing import DOCUMENTED_RATE_PER_SECOND
from lfsync.plan import AttributeChange, Change, Plan

Line = tuple[str, str | None]  # text and an optional rich style; colour is shown only on a terminal

SYMBOLS = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-", Action.ADOPT: ">", Action.RESTORE: "^"}
ATTRIBUTE_SYMBOLS = {"add": "+", "change": "~", "remove": "-"}
COLOURS = {"+": "green", "~": "yellow", "-": "red", ">": "cyan", "^": "cyan"}
HEADLINES = {
    Action.CREATE: "will be created",
    Action.UPDATE: "will be updated in place",
    Action.DELETE: "will be moved to the trash",
    Action.ADOPT: "will be adopted (an existing record with the same name)",
    Action.RESTORE: "is in the trash and will be restored",
}
# Counted in every summary, even at 0; the other actions and outcomes only when they happen.
ALWAYS_COUNTED = (Action.CREATE, Action.UPDATE, Action.DELETE)
LINKS_SHOWN = 5


UNCHECKED_NOTE = (
    "Values were not checked against the organisation's definitions (no API key, and no lfsync.definitions.json: "
    "see `lfsync definitions pull`); apply checks them before it sends anything."
)


def summary_line(plan: Plan) -> str:
    if not plan.has_changes:
        return "No changes. Your accounts match the declarations."
    parts = [
        f"{plan.count(action)} to {action}"
        for action in Action
        if action in ALWAYS_COUNTED or plan.count(action)
    ]
    return f"Plan: {', '.join(parts)}."


def eta_line(plan: Plan) -> str | None:
    if not plan.write_requests:
        return None
    line = f"Apply needs {plan.write_requests} write request(s): about {format_duration(plan.eta_seconds())} at the write limit of {DOCUMENTED_RATE_PER_SECOND:g}/s."
    if plan.enrichment_creates:
        line += f" {plan.enrichment_creates} create(s) will trigger enrichment (metered; set skip_enrichment to avoid)."
    return line


def format_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def render_text(plan: Plan) -> list[Line]:
    """Lines with an optional colour name; the CLI prints them with colour only on a terminal."""
    lines: list[Line] = []
    for note in plan.pending:
        lines.append((f"! {note}", "magenta"))
    if plan.pending:
        lines.append(("", None))
    if plan.changes:
        lines.append(("lfsync will perform the following actions:", None))
        lines.append(("", None))
    for change in plan.changes:
        lines.extend(_change_lines(change, plan.names))
        lines.append(("", None))
    for address in plan.orphans:
        lines.append((f"? {address} is in state but no longer declared; it is left alone.", "magenta"))
    if plan.orphans:
        lines.append(("  Run with --prune to move it to the trash, or `lfsync state rm ADDRESS` to forget it.", None))
        lines.append(("", None))
    for problem in plan.problems:
        lines.append((f"Error: {problem}", "red"))
    if not plan.values_checked_against:
        lines.append((f"Warning: {UNCHECKED_NOTE}", "yellow"))
    lines.append((summary_line(plan), "bold"))
    eta = eta_line(plan)
    if eta:
        lines.append((eta, None))
    return lines


def _change_lines(change: Change, names: Mapping[str, str]) -> list[Line]:
    symbol = SYMBOLS[change.action]
    where = [part for part in (change.resource_id, change.location) if part]
    suffix = f"  ({', '.join(where)})" if where else ""
    headline = HEADLINES[change.action]
    if change.replaces:
        headline = f"was deleted outside lfsync ({change.replaces}) and will be created again"
    elif change.observed is not None:
        headline += " (changed outside lfsync)"
    lines: list[Line] = [
        (f"  # {change.address} {headline}", None),
        (f"  {symbol} {change.address}{suffix}", COLOURS[symbol]),
    ]
    if change.action == Action.DELETE:
        return lines
    width = max((len(_label(a)) for a in change.attributes), default=0)
    in_relationships = False
    for attribute in change.attributes:
        if attribute.path.startswith("relationships.") and not in_relationships:
            in_relationships = True
            lines.append(("      relationships:", None))
        indent = "        " if in_relationships else "      "
        attribute_symbol = ATTRIBUTE_SYMBOLS[attribute.kind]
        lines.append(
            (f"{indent}{attribute_symbol} {_label(attribute).ljust(width)} {_values(attribute, names)}", COLOURS[attribute_symbol])
        )
    if change.deferred_relationships:
        lines.append((f"      (linked by a follow-up update: {', '.join(change.deferred_relationships)})", None))
    return lines


def _label(attribute: AttributeChange) -> str:
    return attribute.path.split(".", 1)[1] + ":"


def _values(attribute: AttributeChange, names: Mapping[str, str]) -> str:
    after = _show(attribute.after, names)
    if attribute.known_after_apply:
        after += " (known after apply)"
    if attribute.kind == "add":
        return after
    if attribute.kind == "remove":
        return f"{_show(attribute.before, names)} -> null"
    return f"{_show(attribute.before, names)} -> {after}"


def _show(value: Any, names: Mapping[str, str]) -> str:
    """A value as a reviewer reads it: IDs by their names (option labels, member emails), accounts
    by address, shown bare as terraform shows references."""
    if isinstance(value, list):
        return "[" + ", ".join(_show(item, names) for item in value) + "]"
    if isinstance(value, str):
        value = names.get(value, value)
        if is_reference(value):
            return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def render_markdown(plan: Plan) -> str:
    """A PR comment: a headline, a table of changes and the full diff in a collapsible block."""
    out = [f"### lfsync plan for workspace `{plan.workspace}`", "", f"**{summary_line(plan)}**", ""]
    out += [f"Values checked against {plan.values_checked_against}." if plan.values_checked_against else f"**{UNCHECKED_NOTE}**", ""]
    eta = eta_line(plan)
    if eta:
        out += [eta, ""]
    if plan.changes:
        out += ["| action | address | where |", "|---|---|---|"]
        for change in plan.changes:
            where = " ".join(f"`{part}`" for part in (change.resource_id, change.location) if part)
            out.append(f"| {change.action} | `{change.address}` | {where} |")
        out.append("")
    if plan.orphans:
        out += [f"Not declared, left alone (use `--prune` to trash): {', '.join(f'`{a}`' for a in plan.orphans)}", ""]
    if plan.pending:
        out += ["Unsettled operations from an interrupted apply (settled first by the next apply):", ""]
        out += [f"- {note}" for note in plan.pending] + [""]
    if plan.problems:
        out += [f"- :x: {problem}" for problem in plan.problems] + [""]
    if plan.changes:
        diff = [text for text, _ in render_text(plan.model_copy(update={"pending": [], "orphans": [], "problems": []}))]
        out += ["<details><summary>Details</summary>", "", "```diff"]
        out += [_diff_line(line) for line in diff if not line.startswith(("Plan:", "No changes", "Apply needs"))]
        out += ["```", "", "</details>"]
    return "\n".join(out).rstrip() + "\n"


def _diff_line(line: str) -> str:
    """Put the change symbol in column one, where GitHub's diff highlighting looks for it."""
    stripped = line.lstrip()
    if stripped[:1] in ("+", "-", "~", ">"):
        symbol = {"~": "!", ">": "+"}.get(stripped[0], stripped[0])
        return f"{symbol} {stripped[1:].lstrip()}" if line.startswith("  ") else line
    return line


def render_json(plan: Plan) -> str:
    document = plan.model_dump(mode="json")
    document["summary"] = {action.value: plan.count(action) for action in Action}
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def apply_summary(report: ApplyReport, locations: Mapping[str, str]) -> tuple[list[str], list[Line]]:
    """(error messages, summary lines) of a finished apply; `locations` maps addresses to file:line:col."""
    counted = [
        outcome for outcome in report.done
        if report.done[outcome] or outcome in {action.outcome for action in ALWAYS_COUNTED}
    ]
    counts = ", ".join(f"{report.count(outcome)} {outcome}" for outcome in counted)
    errors = []
    for address, message in sorted({**report.failed, **report.unsettled}.items()):
        where = locations.get(address)
        errors.append(f"{address}{f' ({where})' if where else ''}: {message}")
    lines: list[Line] = []
    if report.interrupted:
        lines.append((f"Apply interrupted: {counts}. What was sent is recorded in state; run apply again to finish.", "bold yellow"))
    elif errors:
        lines.append((f"Apply finished with errors: {counts}, {len(errors)} failed.", "bold red"))
    else:
        lines.append((f"Apply complete! Resources: {counts}.", "bold green"))
    if report.retried:
        lines.append((f"({report.retried} request(s) retried with the same idempotency key.)", None))
    links = [(address, link) for address, link in report.links.items() if link][:LINKS_SHOWN]
    lines += [(f"  {address}: {link}", None) for address, link in links]
    if len(report.links) > len(links):
        lines.append((f"  ... and {len(report.links) - len(links)} more (see `lfsync state show ADDRESS`)", None))
    return errors, lines
