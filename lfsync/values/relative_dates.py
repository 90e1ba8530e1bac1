"""Relative dates: a DATETIME value written `now`, `now+3d`, `now-2w`, `now+36h` or `now+90m`.

Such a value names an offset from the workspace's anchor (an instant state records at the first
apply that needs it; lfsync/plan/anchoring.py), so a demo's "due in three days" stays three days
after the apply that anchored it, and the same declaration plans clean tomorrow.

The forms, decided here: `now`, optionally followed by a sign, an integer (at most 6 digits) and a
unit (`m` minutes, `h` hours, `d` days, `w` weeks), lower-case. Spaces are allowed around the
whole value and around the sign (`now + 3d`), nowhere else. The canonical form (what checks keep,
hashes see through `declared_as`, and plans show) has no spaces and no leading zeros; an offset of
zero is `now`. An offset is at most 100 years either way. Arithmetic is on UTC instants with
fixed-length units (a day is 24 hours): there is no daylight saving time in it. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

ACCEPTED_FORMS = "now, now+3d, now-2w, now+36h or now+90m (an integer and a unit: m, h, d or w)"
MAX_OFFSET = timedelta(days=36525)  # 100 years

_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
_RELATIVE = re.compile(r"\s*now(?:\s*(?P<sign>[+-])\s*(?P<amount>[0-9]{1,6})(?P<unit>[mhdw]))?\s*")
_LOOKS_RELATIVE = re.compile(r"\s*now", re.IGNORECASE)


class RelativeDateProblem(ValueError):
    """Why a value that starts like a relative date is not one; the message says the accepted forms."""


@dataclass(frozen=True)
class RelativeDate:
    """An offset from the anchor, as `now+3d` names it."""

    minutes: int  # the signed offset in minutes (every unit is a whole number of them)
    unit: str  # the unit written, kept for the canonical form (`now+2w`, not `now+20160m`)

    @property
    def offset(self) -> timedelta:
        return timedelta(minutes=self.minutes)

    @property
    def expression(self) -> str:
        """The canonical form: `now`, or `now`, a sign, the amount in its unit, the unit."""
        if self.minutes == 0:
            return "now"
        amount = abs(self.minutes) // int(_UNITS[self.unit].total_seconds() // 60)
        return f"now{'+' if self.minutes > 0 else '-'}{amount}{self.unit}"

    def resolve(self, anchor: datetime) -> datetime:
        """The instant this names, `anchor` (UTC-aware) plus the offset."""
        return anchor.astimezone(timezone.utc) + self.offset


def looks_relative(value: object) -> bool:
    """Whether a declared value is meant as a relative date (text starting with `now`, in any case)."""
    return isinstance(value, str) and _LOOKS_RELATIVE.match(value) is not None


def parse_relative(text: str) -> RelativeDate:
    """The relative date `text` writes; RelativeDateProblem when it is not one of the accepted forms."""
    found = _RELATIVE.fullmatch(text)
    if found is None:
        raise RelativeDateProblem(f"{text!r} is not a relative date; write {ACCEPTED_FORMS}")
    if found["sign"] is None:
        return RelativeDate(0, "d")
    unit = found["unit"]
    offset = int(found["amount"]) * _UNITS[unit]
    if offset > MAX_OFFSET:
        raise RelativeDateProblem(f"{text!r} is more than 100 years from the anchor")
    minutes = int(offset.total_seconds() // 60)
    return RelativeDate(-minutes if found["sign"] == "-" else minutes, unit)


def canonical_relative(text: str) -> str:
    """`text` in the canonical form (`now + 03d` -> `now+3d`); RelativeDateProblem if it is no relative date."""
    return parse_relative(text).expression


def relative_or_none(value: object) -> RelativeDate | None:
    """The relative date a canonical value holds, None for any other value (an absolute instant)."""
    if not isinstance(value, str) or not value.startswith("now"):
        return None
    try:
        return parse_relative(value)
    except RelativeDateProblem:
        return None

