"""Plan -> terraform-like text, a markdown PR comment, or JSON; an apply's summary lines."""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any, Callable, Mapping, Sequence

from lfsync.api.pacing import DOCUMENTED_RATE_PER_SECOND
from lfsync.declare.addresses import is_reference
from lfsync.errors import MAX_PROBLEMS_SHOWN
from lfsync.kinds.catalogue import ACCOUNT, kind_of_address
from lfsync.plan.actions import Action
from lfsync.plan.anchoring import anchor_note
from lfsync.plan.model import AttributeChange, Change, Plan
from lfsync.plan.wording import records_word
from lfsync.support import collector
from lfsync.ui.drift import drift_note, drift_suffix
from lfsync.ui.ignored import ignored_drift_line
from lfsync.ui.list_members import member_lines
from lfsync.ui.moves import MOVE_SYMBOL, moved_heading, rename_text
from lfsync.ui.rails import NO_SELECTED_CHANGES, large_change_line, partial_notes
from lfsync.values.names import name_text

Line = tuple[str, str | None]  # text and an optional rich style; colour is shown only on a terminal

SYMBOLS = {
    Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-", Action.ADOPT: ">", Action.RESTORE: "^", Action.MOVE: MOVE_SYMBOL,
}
ATTRIBUTE_SYMBOLS = {"add": "+", "change": "~", "remove": "-"}
COLOURS = {"+": "green", "~": "yellow", "-": "red", ">": "cyan", "^": "cyan", MOVE_SYMBOL: "cyan"}
HEADLINES = {
    Action.CREATE: "will be created",
    Action.UPDATE: "will be updated in place",
    Action.DELETE: "will be moved to the trash",
    Action.ADOPT: "will be adopted (an existing record with the same name)",
    Action.RESTORE: "is in the trash and will be restored",
    Action.MOVE: "has moved",
}
# Counted in every summary, even at 0; the other actions and outcomes only when they happen.
ALWAYS_COUNTED = (Action.CREATE, Action.UPDATE, Action.DELETE)


UNCHECKED_NOTE = (
    "Values were not checked against the organisation's definitions (no API key, and no lfsync.definitions.json: "
    "see `lfsync definitions pull`); apply checks them before it sends anything."
)


PRUNE_NOTE = "Pruning: accounts in state that are no longer declared are moved to the trash (--prune, or prune: true in lfsync.yaml)."


def prune_note(plan: Plan) -> str | None:
    """Said on a plan made with --prune or `prune: true` (destroy and reset delete by their own rules)."""
    pruning = plan.options.prune and not (plan.options.destroy or plan.options.reset)
    return PRUNE_NOTE.replace("accounts", records_word(plan), 1) if pruning else None


def summary_line(plan: Plan) -> str:
    if not plan.has_changes:
        return NO_SELECTED_CHANGES if plan.partial else f"No changes. Your {records_word(plan)} match the declarations."
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


CHANGED_STATE_SHOWN = 20  # state files named in the warning; the rest are counted
CHANGED_STATE_WHY = (
    "apply trusts them: the journal's interrupted operations are sent again first, and the state says which "
    "records to update and trash. Unless lfsync's own apply wrote these changes, review them line by line."
)


def named_files(files: Sequence[str], quote: Callable[[str], str]) -> str:
    named = ", ".join(quote(name) for name in files[:CHANGED_STATE_SHOWN])
    more = len(files) - CHANGED_STATE_SHOWN
    return named + (f" and {more} more" if more > 0 else "")


@collector.paused()
def render_text(plan: Plan, changed_state: Sequence[str] = ()) -> list[Line]:
    """Lines with an optional colour name; the CLI prints them with colour only on a terminal.
    `changed_state`: state files the change under review modifies (`plan --base`), warned about."""
    lines: list[Line] = []
    if changed_state:
        lines.append((f"Warning: this change modifies lfsync state files ({named_files(changed_state, str)}); {CHANGED_STATE_WHY}", "yellow"))
        lines.append(("", None))
    for note in plan.pending:
        lines.append((f"! {note}", "magenta"))
    if plan.pending:
        lines.append(("", None))
    if plan.changes:
        lines.append(("lfsync will perform the following actions:", None))
        lines.append(("", None))
    for change in plan.changes:
        lines.extend(change_lines(change, plan.names))
        lines.append(("", None))
    for address in plan.orphans:
        lines.append((f"? {address} is in state but no longer declared; it is left alone.", "magenta"))
    if plan.orphans:
        lines.append(("  Run with --prune to move it to the trash, or `lfsync state rm ADDRESS` to forget it.", None))
        lines.append(("", None))
    lines.extend((rename_text(hint), "cyan") for hint in plan.renames)
    for problem in plan.problems[:MAX_PROBLEMS_SHOWN]:
        lines.append((f"Error: {problem}", "red"))
    if len(plan.problems) > MAX_PROBLEMS_SHOWN:
        more = len(plan.problems) - MAX_PROBLEMS_SHOWN
        lines.append((f"Error: ... and {more} more problem{'s' if more != 1 else ''}", "red"))
    if not plan.values_checked_against:
        lines.append((f"Warning: {UNCHECKED_NOTE}", "yellow"))
    if plan.refresh_note:
        lines.append((f"Note: {plan.refresh_note}.", "yellow"))
    if dates := anchor_note(plan.anchor):
        lines.append((f"Note: {dates}.", None))
    if plan.generator_note:
        lines.append((f"Warning: {plan.generator_note}", "yellow"))
    if pruning := prune_note(plan):
        lines.append((pruning, None))
    if undated := drift_note(plan):
        lines.append((undated, None))
    if ignored := ignored_drift_line(plan):
        lines.append((ignored, None))
    if large := large_change_line(plan):
        lines.append((large, "yellow"))
    lines.extend((note, "yellow") for note in partial_notes(plan))
    lines.append((summary_line(plan), "bold"))
    eta = eta_line(plan)
    if eta:
        lines.append((eta, None))
    return lines


def change_lines(change: Change, names: Mapping[str, str]) -> list[Line]:
    symbol = SYMBOLS[change.action]
    where = [part for part in (change.resource_id, change.location) if part]
    suffix = f"  ({', '.join(where)})" if where else ""
    headline = HEADLINES[change.action]
    if change.action == Action.ADOPT and not change.address.startswith(ACCOUNT.address_prefix):
        # --adopt finds each other kind by its own identity: contacts by $email, tasks and notes by $title
        headline = headline.replace("same name", f"same {kind_of_address(change.address).identity_field.lstrip('$')}")
    if change.replaces and change.irreversible:
        headline = f"was trashed or deleted outside lfsync ({change.replaces}) and will be created again with a new ID"
    elif change.replaces:
        headline = f"was deleted outside lfsync ({change.replaces}) and will be created again"
    elif change.reason:
        headline += f": {change.reason}"
    elif change.observed is not None:
        headline += " (changed outside lfsync)"
    if change.action == Action.DELETE and (name := deleted_name(change)) is not None:
        headline += f' (named "{name}")'
    if change.irreversible:
        headline += f" (irreversible: {change.irreversible})"
    heading, address_line = (
        moved_heading(change, headline, symbol, suffix) if change.moved_from
        else (f"  # {change.address} {headline}", f"  {symbol} {change.address}{suffix}")
    )
    lines: list[Line] = [(heading, None), (address_line, COLOURS[symbol])]
    if change.action == Action.DELETE:
        return lines
    labels = [_label(attribute) for attribute in change.attributes]
    width = max(map(len, labels), default=0)
    in_relationships = False
    of_a_list = change.address.startswith("list.")  # only a list's members are shown one a line
    for attribute, label in zip(change.attributes, labels):
        if attribute.path.startswith("relationships.") and not in_relationships:
            in_relationships = True
            lines.append(("      relationships:", None))
        indent = "        " if in_relationships else "      "
        if of_a_list and (members := member_lines(change, attribute, indent, lambda member: _show(member, names))) is not None:
            lines.extend(members)
            continue
        attribute_symbol = ATTRIBUTE_SYMBOLS[attribute.kind]
        lines.append(
            (f"{indent}{attribute_symbol} {label.ljust(width)} {_values(attribute, names)}{drift_suffix(attribute)}", COLOURS[attribute_symbol])
        )
    if change.deferred_relationships:
        lines.append((f"      (linked by a follow-up update: {', '.join(change.deferred_relationships)})", None))
    return lines


def deleted_name(change: Change) -> str | None:
    """The name a deleted record had when last applied (its delete removes every field, $name too)."""
    for attribute in change.attributes:
        if attribute.path == NAME_PATH and (name := name_text(attribute.before)) is not None:
            return name
    return None


NAME_PATH = "fields.$name"


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
        return encode_basestring(value)  # what json.dumps(value, ensure_ascii=False) returns, without its set-up
    if type(value) is int:
        return str(value)  # as json.dumps writes it, without its set-up
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
