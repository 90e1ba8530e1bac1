"""The Plan: what apply will do, as data; its fingerprint; saved plans, the check that a saved
plan is the one planned (its fingerprint) and its staleness check."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError

from lfsync import __version__
from lfsync.api.pacing import DOCUMENTED_RATE_PER_SECOND
from lfsync.errors import LfsyncError, display_path
from lfsync.kinds.catalogue import kind_of_address
from lfsync.plan.actions import Action
from lfsync.plan.anchoring import PlanAnchor
from lfsync.state.records import Payload
from lfsync.support.jsonfile import read_versioned

PLAN_FORMAT_VERSION = 1


RemoteStatus = Literal["present", "missing", "trashed"]


@dataclass(frozen=True)
class RemoteRecord:
    """A managed account as --refresh read it back: an input of the planner, never saved."""

    status: RemoteStatus
    observed: Payload = field(default_factory=dict)  # the applied payload as the server has it now


AttributeKind = Literal["add", "change", "remove"]


def _unknown(value: Any) -> bool:
    return value is None


def _nothing(value: Any) -> bool:
    return not value


@dataclass(slots=True)
class AttributeChange:
    """One managed value that changes; shown to the reviewer, not sent (apply recomputes requests).
    A plain dataclass, not a model: a plan of 100,000 accounts holds half a million of these, and a
    model costs 6 times the memory and time to build. Pydantic still validates them in saved plans."""

    path: str  # "fields.<key>" or "relationships.<key>"
    kind: AttributeKind
    before: Any = None  # the value as last applied (or as observed on the server, with --refresh)
    after: Any = None  # the declared value; references to accounts not created yet stay "account.x"
    known_after_apply: bool = False  # `after` holds such a reference: its ID is known only after apply
    # Drift explained (lfsync.plan.drift): when the field last changed in Lightfield (ISO 8601 UTC, from
    # its field history) and how long before the plan that was by the server's clock ("2 days ago").
    # Left out of saved and JSON plans when unknown, and out of comparisons (apply re-plans without it).
    changed_at: Annotated[str | None, Field(exclude_if=_unknown)] = field(default=None, compare=False)
    changed_ago: Annotated[str | None, Field(exclude_if=_unknown)] = field(default=None, compare=False)


@dataclass(slots=True)
class Change:
    """What apply will do to one account. Saved in plan files and compared again at apply time.
    A dataclass for the same reason as AttributeChange."""

    address: str
    action: Action
    resource_id: str | None = None  # the account's ID; None for a create
    location: str | None = None  # file:line:col of the declaration
    skip_enrichment: bool = False  # creates only: sent as skipEnrichment
    depends_on: list[str] = field(default_factory=list)  # addresses whose creates must finish first (their IDs are referenced)
    # relationships left out of the create to break a reference cycle, linked by a follow-up update
    deferred_relationships: list[str] = field(default_factory=list)
    attributes: list[AttributeChange] = field(default_factory=list)
    # --refresh: the payload as the server holds it now, when it differs from the one last applied
    observed: Payload | None = None
    # a create that replaces a record deleted outside lfsync: its ID
    replaces: str | None = None
    # a delete of an account nobody declared (`lfsync reset` where the workspace owns the organisation): why
    reason: str | None = None
    # a `moved:` entry: the address state records the account under until this apply re-keys it
    moved_from: Annotated[str | None, Field(exclude_if=_unknown)] = None  # left out of plans where nothing moves
    # a trash or re-create that cannot be undone through the API: why (lists cannot be restored)
    irreversible: Annotated[str | None, Field(exclude_if=_unknown)] = None

    @property
    def requests(self) -> int:
        """Write requests this change costs: a cycle-breaking create and a restore with changes need two;
        a move alone needs none (it is an edit of state)."""
        if self.action == Action.MOVE:
            return 0
        follow_up = self.deferred_relationships or (self.action == Action.RESTORE and self.attributes)
        return 2 if follow_up else 1


class RenameHint(BaseModel):
    """A plan that creates `to_address` while `from_address`, holding the same identity value, leaves
    state: it looks like a renamed key, which `moved:` keeps as one record."""

    from_address: str
    to_address: str
    identity_field: str  # what the two have in common (`identity:` in lfsync.yaml, $name by default)
    hint: str  # the sentence plans show


class PlanOptions(BaseModel):
    """How the plan was made; a saved plan is re-checked at apply time with the same options."""

    prune: bool = False
    adopt: bool = False
    # Read the managed records back first and plan to correct drift: the default wherever the target
    # can be asked (`--no-refresh` skips it). A plan records what was done: False when it did not read
    # them (`--no-refresh`, no API key, destroy), and a saved plan is applied the same way.
    refresh: bool = True
    destroy: bool = False  # `lfsync destroy`: every account in state to the trash, declarations aside
    # `lfsync reset`: with refresh, and where lfsync.yaml says the workspace owns the organisation,
    # accounts nobody declared go to the trash too
    reset: bool = False
    # --target / --exclude: address patterns (`*` globs) choosing the changes of a partial plan
    target: list[str] = []
    exclude: list[str] = []
    # --reanchor: relative dates resolve against now, recorded as the workspace's new anchor
    # (plan/anchoring.py); left out when False, so plans without it keep their fingerprints
    reanchor: Annotated[bool, Field(exclude_if=_nothing)] = False


class PartialPlan(BaseModel):
    """What --target/--exclude left out of a plan: neither shown nor applied (the next plan shows it)."""

    left_out: int = 0  # changes not picked, nor needed by a picked one
    brought_along: list[str] = []  # not picked, but referenced by a picked change before they exist


class Plan(BaseModel):
    """A plan; `lfsync plan --out` saves it as JSON and `lfsync apply FILE` loads it."""

    format_version: int = PLAN_FORMAT_VERSION
    lfsync_version: str = __version__  # the version that made it (informational)
    project_dir: str  # the project, relative to where plan ran
    workspace: str
    target: str  # "local" or the API base URL
    lineage: str  # the state's lineage; "" when no state existed yet
    serial: int  # the state's serial: a saved plan is stale once it moved on
    declarations_digest: str  # discovery.declarations_digest of the files planned from
    options: PlanOptions = PlanOptions()
    changes: list[Change] = []
    orphans: list[str] = []  # addresses in state, no longer declared, left alone (no --prune)
    pending: list[str] = []  # interrupted operations the next apply settles first, described
    problems: list[str] = []  # reasons the plan cannot be applied as it stands (e.g. ambiguous --adopt)
    # Where the definitions every value was checked against came from; "" when none could be had
    # (the plan then says the values were not checked).
    values_checked_against: str = ""
    # organisation.Organisation.digest of those definitions and members: a saved plan is stale
    # once the live organisation differs.
    organisation_digest: str = ""
    # ID -> how a reviewer knows it (account.<key>, an option label, a member's email); display only.
    names: dict[str, str] = {}
    # Drift explained: what the plan could not say about when drifted fields changed (said once).
    drift_history_note: Annotated[str | None, Field(exclude_if=_unknown)] = None
    # address -> the paths its `ignore_changes:` left alone although Lightfield holds another value than
    # declared (`fields.tier`, `relationships.$owner`); shown as one summary line, never applied (left out when none)
    ignored_drift: Annotated[dict[str, list[str]], Field(exclude_if=_nothing)] = {}
    managed: int = 0  # records in the workspace's state when planned: what max_change_fraction is a share of
    partial: PartialPlan | None = None  # made with --target/--exclude
    # `plan --detailed-exitcode`: why apply will refuse this plan as too large (blast_radius.warning)
    large_change: str | None = None
    # Whether the managed records were read back for this plan (refresh); when they were not, and the
    # plan could have shown drift, `refresh_note` says so and why (plan/refreshing.py). Display only:
    # options.refresh is what the fingerprint covers and a saved plan is applied with.
    refreshed: bool = False
    refresh_note: str = ""
    # `generate:` blocks pinning another Faker than the one installed: where, and how many of their records
    # change (plan/generator_version.py). Display only (left out when every block pins the installed one)
    generator_note: Annotated[str | None, Field(exclude_if=_unknown)] = None
    # creates of one address while another, with the same identity, leaves state: `moved:` suggested
    renames: Annotated[list[RenameHint], Field(exclude_if=_nothing)] = []  # left out of plans that hint at none
    # the kinds of records the plan covers (declared or in state), when other kinds than accounts are
    # among them: its texts then say "records" where they said "accounts". Display only (left out for accounts alone)
    kinds: Annotated[list[str], Field(exclude_if=_nothing)] = []
    # the anchor its relative dates (`now+3d`) resolved against; apply uses (and records) this one.
    # Left out when nothing declared is relative.
    anchor: Annotated[PlanAnchor | None, Field(exclude_if=_unknown)] = None

    def count(self, action: Action) -> int:
        """Changes of `action`; moves count every change that moves a record, field changes or not."""
        if action == Action.MOVE:
            return sum(1 for change in self.changes if change.moved_from)
        return sum(1 for change in self.changes if change.action == action)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes or self.pending)

    @property
    def write_requests(self) -> int:
        return sum(change.requests for change in self.changes) + len(self.pending)

    def eta_seconds(self, write_rate: float = DOCUMENTED_RATE_PER_SECOND) -> float:
        return self.write_requests / write_rate

    @property
    def enrichment_creates(self) -> int:
        return sum(
            1 for c in self.changes
            if c.action == Action.CREATE and not c.skip_enrichment and kind_of_address(c.address).enriched
        )

    def save(self, path: Path) -> None:
        """The plan as JSON, with its fingerprint (`FINGERPRINT_FIELD`) as the last field."""
        document = self.model_dump_json(indent=2)
        signed = document.removesuffix("\n}") + f',\n  "{FINGERPRINT_FIELD}": "{plan_fingerprint(self)}"\n}}'
        path.write_text(signed + "\n", encoding="utf-8")


FINGERPRINT_FIELD = "fingerprint"  # a saved plan's plan_fingerprint, as plan computed it
_CHANGES_JSON = TypeAdapter(list[Change])


def plan_fingerprint(plan: Plan) -> str:
    """A short SHA-256 of what a plan does: its changes and the options it was made with (destroy,
    reset, prune, adopt, refresh). The same plan always has the same fingerprint; the markdown plan
    shows it, and a saved plan carries it."""
    try:
        changes = _CHANGES_JSON.dump_json(plan.changes)
    except PydanticSerializationError:  # text UTF-8 cannot hold (a lone surrogate an API answer escaped)
        changes = json.dumps(_CHANGES_JSON.dump_python(plan.changes, mode="json"), separators=(",", ":")).encode()
    options = json.dumps(plan.options.model_dump(mode="json"), sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(b"options:" + options + b"\nchanges:" + changes).hexdigest()[:12]


def load_plan(path: Path, refused: str = "nothing was applied") -> Plan:
    """A saved plan, refused when damaged or when its content is not what its fingerprint covers
    (a hand-edited plan: options such as destroy, or changes, other than plan wrote). `refused`
    says in the refusal what did not happen (apply: "nothing was applied")."""
    document = read_versioned(path, PLAN_FORMAT_VERSION, "a saved lfsync plan")
    fingerprint = document.pop(FINGERPRINT_FIELD, None) if isinstance(document, dict) else None
    try:
        plan = Plan.model_validate(document)
    except ValidationError as error:
        raise LfsyncError(f"{display_path(path)}: damaged plan file: {error}") from None
    if fingerprint != plan_fingerprint(plan):
        raise LfsyncError(
            f"{display_path(path)}: the saved plan has been altered since `lfsync plan --out` wrote it "
            f"(its changes or options do not match its fingerprint {str(fingerprint)[:12]!r}); {refused}. "
            "Run `lfsync plan --out` again."
        )
    return plan


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
        return "the declaration files have changed since (or the vars substituted in them)"
    return None
