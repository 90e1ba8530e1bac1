"""Create intents journalled in a project's state exactly as the applier journals them, but never
sent: an apply interrupted between journalling a create and hearing its answer. `journal_old_create`
dates the intent two days back (longer than the API keeps an idempotency key)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from lfsync.apply.applier import create_body
from lfsync.config.project import Project
from lfsync.operations.declared_project import load_declared
from lfsync.plan.resources import create_idempotency_key, resource_hash
from lfsync.state.records import CreateIntent
from lfsync.state.workspace import StatePaths, locked_state


@dataclass(frozen=True)
class JournalledCreate:
    """A create intent in the journal: the project's settings, its number, its key and request body."""

    settings: Project  # the loaded project: where its state lives
    seq: int
    key: str
    body: dict


def journal_create_intent(project: Path, address: str) -> JournalledCreate:
    """Journal `address`'s create as the applier would, without sending it."""
    declared = load_declared(project)
    with locked_state(declared.project, "test") as state:
        payload = declared.desired[address].payload(state.ids())
        digest = resource_hash(payload, address, declared.project.workspace)
        key = create_idempotency_key(digest)
        body = create_body(payload, False)
        intent = state.begin(CreateIntent(address=address, idempotency_key=key, request=body, hash=digest, applied=payload))
    return JournalledCreate(declared.project, intent.seq, key, body)


def journal_create(project: Path, address: str) -> tuple[str, dict]:
    """Journal `address`'s create as the applier would, without sending it; its key and body."""
    journalled = journal_create_intent(project, address)
    return journalled.key, journalled.body


def journal_old_create(project: Path, address: str) -> tuple[str, dict]:
    """Journal `address`'s create as the applier would, two days ago (its key forgotten by the API
    since), without sending it; its key and body. Local state only (it edits the journal file)."""
    journalled = journal_create_intent(project, address)
    journal = StatePaths(journalled.settings).journal
    two_days_ago = (datetime.now(timezone.utc) - timedelta(days=2)).isoformat(timespec="milliseconds")
    *earlier, this = journal.read_text().splitlines()  # the line just journalled
    journal.write_text("\n".join([*earlier, this.replace('"at": "', f'"at": "{two_days_ago}", "first_at": "', 1)]) + "\n")
    return journalled.key, journalled.body
