"""The Plan: what apply will do, as data; saved plans and their staleness check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from lfsync import __version__
from lfsync.errors import LfsyncError, display_path

PLAN_FORMAT_VERSION = 1
Action = Literal["create", "update", "delete", "adopt", "restore"]
WRITE_RATE_PER_SECOND = 25.0


class AttributeChange(BaseModel):
    path: str
    kind: Literal["add", "change", "remove"]
    before: Any = None
    after: Any = None
    known_after_apply: bool = False


class Change(BaseModel):
    address: str
    action: Action
    resource_id: str | None = None
    location: str | None = None
    skip_enrichment: bool = False
    depends_on: list[str] = []
    deferred_relationships: list[str] = []
    attributes: list[AttributeChange] = []
    # --refresh: the payload as the server holds it now, when it differs from the one last applied
    observed: dict[str, Any] | None = None
    # a create that replaces a record deleted outside lfsync: its ID
    replaces: str | None = None

    @property
    def requests(self) -> int:
        """Write requests this change costs: a cycle-breaking create and a restore with changes need two."""
        follow_up = self.deferred_relationships or (self.action == "restore" and self.attributes)
        return 2 if follow_up else 1


class PlanOptions(BaseModel):
    """How the plan was made; a saved plan is re-checked at apply time with the same options."""

    prune: bool = False
    adopt: bool = False
    refresh: bool = False


class Plan(BaseModel):
    format_version: int = PLAN_FORMAT_VERSION
    lfsync_version: str = __version__
    project_dir: str
    workspace: str
    target: str
    lineage: str
    serial: int
    declarations_digest: str
    options: PlanOptions = PlanOptions()
    changes: list[Change] = []
    orphans: list[str] = []
    pending: list[str] = []
    problems: list[str] = []

    def count(self, action: Action) -> int:
        return sum(1 for change in self.changes if change.action == action)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes or self.pending)

    @property
    def write_requests(self) -> int:
        return sum(change.requests for change in self.changes) + len(self.pending)

    def eta_seconds(self, write_rate: float = WRITE_RATE_PER_SECOND) -> float:
        return self.write_requests / write_rate

    @property
    def enrichment_creates(self) -> int:
        return sum(1 for c in self.changes if c.action == "create" and not c.skip_enrichment)

    def save(self, path: Path) -> None:
        path.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")

    def same_changes_as(self, other: "Plan") -> bool:
        return [c.model_dump() for c in self.changes] == [c.model_dump() for c in other.changes]


def load_plan(path: Path) -> Plan:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LfsyncError(f"{display_path(path)}: not a saved lfsync plan ({error})") from None
    if not isinstance(document, dict) or document.get("format_version") != PLAN_FORMAT_VERSION:
        raise LfsyncError(f"{display_path(path)}: not a saved lfsync plan of format {PLAN_FORMAT_VERSION}")
    try:
        return Plan.model_validate(document)
    except ValidationError as error:
        raise LfsyncError(f"{display_path(path)}: damaged plan file: {error}") from None


def staleness(saved: Plan, *, lineage: str, serial: int, digest: str, workspace: str, target: str) -> str | None:
    """Why a saved plan may no longer be applied, or None if it still may.

    A plan made before any state existed has no lineage; the serial check still catches a state
    that another apply created since.
    """
    if saved.workspace != workspace or saved.target != target:
        return f"it was made for workspace {saved.workspace!r} on {saved.target!r}"
    if saved.lineage not in ("", lineage):
        return "the state it was made against has been replaced (lineage differs)"
    if saved.serial != serial:
        return f"state has changed since (serial {saved.serial} -> {serial})"
    if saved.declarations_digest != digest:
        return "the declaration files have changed since"
    return None
