"""How plans show moves and renames: a moved record's headline and address line (terraform's
"has moved to"), and the hint that a created address looks like a renamed one (`moved:`), in text
and markdown. JSON carries both as they are (Change.moved_from, Plan.renames)."""

from __future__ import annotations

from lfsync.plan.actions import Action
from lfsync.plan.model import Change, RenameHint
from lfsync.support.textsafe import markdown_text

MOVE_SYMBOL = " "  # a move alone changes no value: its line carries no change symbol


def moved_heading(change: Change, headline: str, symbol: str, suffix: str) -> tuple[str, str]:
    """(headline, address line) of a change that moves its record: `# account.old has moved to
    account.new` over `account.old -> account.new`, and what else happens to it, if anything."""
    moved = f"has moved to {change.address}"
    if change.action != Action.MOVE:
        moved += f", and {headline}"
    return f"  # {change.moved_from} {moved}", f"  {symbol} {change.moved_from} -> {change.address}{suffix}"


def subject(change: Change, symbol: str) -> str:
    """What a markdown section is about: the symbol and address, or the move."""
    if change.moved_from:
        return f"{symbol} {change.moved_from} -> {change.address}".strip()
    return f"{symbol} {change.address}"


def rename_text(hint: RenameHint) -> str:
    return f"Hint: {hint.hint}"


def rename_markdown(hint: RenameHint) -> list[str]:
    return [f"- :bulb: {markdown_text(hint.hint)}"]
