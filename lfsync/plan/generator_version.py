"""A change of Faker made visible: a `generate:` block pins the Faker version its records were
generated with (`faker:`); when the installed Faker is another one, its values may differ, and the
plan says so (Plan.generator_note: text, markdown and JSON alike), with how many of the block's
records it changes, instead of churning silently."""

from __future__ import annotations

from collections.abc import Iterable

from lfsync.declare.model import GeneratedSet
from lfsync.plan.model import Change


def generator_version_notes(generated: Iterable[GeneratedSet], changes: Iterable[Change], installed: str) -> list[str]:
    """One note per block whose pinned Faker is not the installed one, at its `faker:` value."""
    changed = {change.address for change in changes}
    notes = []
    for block in generated:
        if block.pinned == installed:
            continue
        count = sum(1 for address in block.addresses if address in changed)
        notes.append(
            f"{block.location}: the records of this block were generated with Faker {block.pinned}, now {installed}: "
            f"{count} generated record(s) change; review them, then write faker: {installed} in the block to accept"
        )
    return notes


def generator_version_note(generated: Iterable[GeneratedSet], changes: Iterable[Change], installed: str) -> str | None:
    """The plan's note: every block's, or None when each block pins the installed Faker."""
    return " ".join(generator_version_notes(generated, changes, installed)) or None
