"""DATETIME values: the ISO 8601 date-times the emulator takes and the UTC form it stores.

Documented (lightfield-api.md "Field value types"; the plugin's field-types.md): a DATETIME
is written as an ISO 8601 string with an offset, e.g. `2026-03-16T12:00:00+00:00`, and stored
in UTC. The emulator (decision 18) takes a calendar date and a time of day joined by `T`, in
the extended (`2026-03-16T12:00:00`) or basic (`20260316T120000`) format, not mixed; minutes,
seconds and a fraction (`.` or `,`) optional; and an offset `Z`, `+HH`, `+HHMM` or `+HH:MM`.
Week and ordinal dates are refused, and so is an instant with no UTC form (before year 1). It
reads back `YYYY-MM-DDTHH:MM:SS.sssZ` (milliseconds, the rest cut off).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_EXTENDED = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})[Tt]"
    r"(?P<hour>\d{2})(?::(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?)?"
    r"(?P<offset>[Zz]|[+-]\d{2}(?::?\d{2})?)"
)
_BASIC = re.compile(
    r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})[Tt]"
    r"(?P<hour>\d{2})(?:(?P<minute>\d{2})(?:(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?)?"
    r"(?P<offset>[Zz]|[+-]\d{2}(?:\d{2})?)"
)


def _offset(text: str) -> timezone | None:
    if text in ("Z", "z"):
        return timezone.utc
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if text[0] == "-" else delta)


def parse_written_datetime(text: str) -> datetime | None:
    """The instant a written DATETIME names, or None when it is not one the API takes."""
    found = _EXTENDED.fullmatch(text.strip()) or _BASIC.fullmatch(text.strip())
    if found is None:
        return None
    zone = _offset(found["offset"])
    if zone is None:
        return None
    microseconds = int((found["fraction"] or "0")[:6].ljust(6, "0"))
    try:
        moment = datetime(
            int(found["year"]), int(found["month"]), int(found["day"]),
            int(found["hour"]), int(found["minute"] or 0), int(found["second"] or 0), microseconds, tzinfo=zone,
        )
        moment.astimezone(timezone.utc)  # 0001-01-01T00:00+01:00 has no UTC form
    except (ValueError, OverflowError):  # month 13, February 30, hour 24, second 60, out of range
        return None
    return moment


def parse_filter_datetime(text: str) -> datetime | None:
    """A filter's date or date-time; one without an offset is UTC (decision 15)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def format_utc(moment: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS.sssZ`: the stored form of an instant."""
    utc = moment.astimezone(timezone.utc)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"
