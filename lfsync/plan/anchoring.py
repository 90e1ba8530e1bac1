"""Relative dates in a plan: the anchor they resolve against, and the desired payloads resolved.

A DATETIME value declared `now+3d` (lfsync/values/relative_dates.py) stays an expression through
the value checks (and the parse cache). Before planning, the workspace's anchor turns it into an
instant: the anchor state records (`StateSnapshot.anchor`), or, where there is none yet or
`--reanchor` moves it, "now" by the API's clock (the runner's only when the target cannot be asked).
The payload sent, hashed and recorded holds the instant; the declaration as written (`declared_as`)
keeps the expression. A plan carries the anchor it resolved against (`PlanAnchor`), so apply
records exactly that one and a saved plan is stale once another apply moved the anchor. Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from typing import Iterable, Literal, Mapping

from pydantic import BaseModel

from lfsync.kinds.catalogue import kind_of_address
from lfsync.plan.resources import DesiredAccount
from lfsync.state.records import Anchor
from lfsync.values.organisation import Organisation
from lfsync.values.relative_dates import RelativeDate, relative_or_none
from lfsync.values.types import format_utc

DATETIME = "DATETIME"

# Where a plan's anchor came from: the one state records, or "now" by whose clock (api/serverclock.py)
AnchorSource = Literal["state", "date", "records", "local"]

# address -> field key -> the relative date its canonical value holds
RelativeFields = dict[str, dict[str, RelativeDate]]


class PlanAnchor(BaseModel):
    """The anchor a plan's relative dates resolved against (saved with the plan)."""

    at: str  # ISO 8601 UTC, whole seconds (2026-12-07T12:00:00Z)
    source: AnchorSource
    recorded: str | None = None  # the anchor state held when the plan was made; None: none yet

    @property
    def moves(self) -> bool:
        """Whether applying this plan records a new anchor (the first one, or --reanchor's)."""
        return self.at != self.recorded

    @property
    def moment(self) -> datetime:
        return parse_anchor(self.at)


def anchor_text(moment: datetime) -> str:
    """An instant as anchors are kept: UTC, whole seconds (a Date header tells no finer), `Z`."""
    return moment.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_anchor(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def relative_fields(desired: Mapping[str, DesiredAccount], organisation: Organisation) -> RelativeFields:
    """The relative dates among the canonical values of DATETIME fields, of every declared kind."""
    found: RelativeFields = {}
    views: dict[str, Organisation | None] = {}  # each kind's definitions, looked up once
    for address, account in desired.items():
        candidates = [(key, value) for key, value in account.fields.items() if isinstance(value, str) and value.startswith("now")]
        if not candidates:
            continue  # most records: no value that could be relative
        kind = kind_of_address(address).name
        of_kind = views[kind] if kind in views else views.setdefault(kind, organisation.of_kind(kind))
        if of_kind is None:
            continue
        for key, value in candidates:
            spec = of_kind.fields.get(key)
            if spec is not None and spec.value_type == DATETIME and (relative := relative_or_none(value)) is not None:
                found.setdefault(address, {})[key] = relative
    return found


def choose_anchor(
    recorded: Anchor | None, now: datetime, clock: Literal["date", "records", "local"], *,
    reanchor: bool = False, saved: PlanAnchor | None = None,
) -> PlanAnchor:
    """A saved plan's anchor; else the one state records (unless --reanchor); else `now`, by `clock`."""
    if saved is not None:
        return saved
    if recorded is not None and not reanchor:
        return PlanAnchor(at=recorded.at, source="state", recorded=recorded.at)
    return PlanAnchor(at=anchor_text(now), source=clock, recorded=recorded.at if recorded else None)


def resolved(desired: Mapping[str, DesiredAccount], relative: RelativeFields, anchor: datetime) -> dict[str, DesiredAccount]:
    """`desired` with every relative date replaced by the instant it names from `anchor` (API form)."""
    if not relative:
        return dict(desired)
    every = dict(desired)
    for address, dates in relative.items():
        account = every[address]
        fields = {**account.fields, **{key: format_utc(date.resolve(anchor)) for key, date in dates.items()}}
        every[address] = dataclasses.replace(account, fields=fields)
    return every


def shown_as(relative: RelativeFields, anchor: PlanAnchor, shown: Iterable[object]) -> dict[str, str]:
    """How a plan shows the instants its relative dates resolve to (`now+3d (2026-12-10T12:00:00.000Z)`),
    under its anchor and under the one state held before (the values a --reanchor moves from), for
    the `shown` values only."""
    anchors = [anchor.moment] + ([parse_anchor(anchor.recorded)] if anchor.recorded and anchor.moves else [])
    names: dict[str, str] = {}
    for dates in relative.values():
        for date in dates.values():
            for moment in anchors:
                instant = format_utc(date.resolve(moment))
                names.setdefault(instant, f"{date.expression} ({instant})")
    wanted = set(_strings(shown))
    return {instant: name for instant, name in names.items() if instant in wanted}


def to_record(anchor: PlanAnchor) -> Anchor | None:
    """The anchor state records when the plan is applied; None when it keeps the one it has."""
    if not anchor.moves or anchor.source == "state":
        return None
    return Anchor(at=anchor.at, clock=anchor.source)


def anchor_staleness(saved: PlanAnchor | None, recorded: Anchor | None) -> str | None:
    """Why a saved plan's relative dates no longer hold: another apply moved the anchor since."""
    now_recorded = recorded.at if recorded else None
    if saved is None or saved.recorded == now_recorded:
        return None
    before = saved.recorded or "none"
    return f"the anchor of relative dates has moved since it was made ({before} -> {now_recorded or 'none'})"


def anchor_note(anchor: PlanAnchor | None) -> str:
    """The plan's line about its anchor, when applying it records one ("" when it keeps state's)."""
    if anchor is None or not anchor.moves:
        return ""
    clock = {
        "date": "the API's clock", "records": "the API's record stamps",
        "local": "this machine's clock, as the target could not be asked", "state": "state",
    }[anchor.source]
    if anchor.recorded is None:
        return f"relative dates resolve against now, {anchor.at} ({clock}); apply records it as this workspace's anchor"
    delta = anchor.moment - parse_anchor(anchor.recorded)
    return f"--reanchor moves the anchor of relative dates from {anchor.recorded} to now, {anchor.at} ({clock}; {_signed(delta.total_seconds())})"


def _signed(seconds: float) -> str:
    """A signed duration: `+1d`, `+1d 02:00:00`, `-00:30:00`."""
    sign = "-" if seconds < 0 else "+"
    days, rest = divmod(abs(int(seconds)), 86400)
    clock = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return sign + " ".join(([f"{days}d"] if days else []) + ([clock] if rest or not days else []))


def _strings(values: Iterable[object]) -> Iterable[str]:
    for value in values:
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            yield from (item for item in value if isinstance(item, str))
