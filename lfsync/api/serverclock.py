"""The server's time as the client last heard it: what intents are stamped with and recovery measures by.

A runner's own clock may be off by minutes or hours (a CI runner without NTP, two machines taking
turns); the API's clock is the one that stamps `createdAt` and expires idempotency keys. RFC 9110
(6.6.1) has an origin server with a clock send `Date` with every answer, so each answer tells the
server's time at that moment, to the second. `ServerClock` keeps the last one it was told, with a
monotonic reading taken when it arrived: "server now" is that Date plus the monotonic time since
(the runner's clock may be wrong, but it runs at the right speed).

Nothing from the wire is taken blindly: a Date must be an IMF-fixdate (the one form RFC 9110 has a
sender generate) naming a real instant between `EARLIEST` and `LATEST`, and within
`MAX_DISAGREEMENT` of the runner's clock; anything else is ignored. When the server sends no Date,
the newest `createdAt`/`updatedAt` of the records it answered (the server's own stamps: the server
was at least that late when it answered) stand in for it, a lower bound; only then is it the
runner's clock. `ServerTime.source` says which.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator, Literal

# Where an estimate of the server's time came from, from best to worst.
ClockSource = Literal["date", "records", "local"]

EARLIEST = datetime(2020, 1, 1, tzinfo=timezone.utc)  # before this, a Date or createdAt is not a server's clock
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)
# A server time further from the runner's own clock than this is a broken or hostile answer, not a
# skewed clock (a runner days off is too broken for TLS too): it is ignored.
MAX_DISAGREEMENT = timedelta(days=30)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_IMF_FIXDATE = re.compile(
    r"(?P<weekday>Mon|Tue|Wed|Thu|Fri|Sat|Sun), (?P<day>\d{2}) (?P<month>[A-Z][a-z]{2}) (?P<year>\d{4}) "
    r"(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2}) GMT"
)


def parse_imf_fixdate(text: str | None) -> datetime | None:
    """An HTTP date in the IMF-fixdate form (`Sun, 06 Nov 1994 08:49:37 GMT`), strictly: the right
    weekday, a real calendar date, GMT; None for anything else (the obsolete forms included: a
    server that generates a Date sends this one)."""
    if text is None or len(text) != 29:
        return None
    found = _IMF_FIXDATE.fullmatch(text)
    if found is None or found["month"] not in _MONTHS:
        return None
    try:
        moment = datetime(
            int(found["year"]), _MONTHS.index(found["month"]) + 1, int(found["day"]),
            int(found["hour"]), int(found["minute"]), int(found["second"]), tzinfo=timezone.utc,
        )
    except ValueError:  # February 30, hour 24, second 60
        return None
    return moment if _DAYS[moment.weekday()] == found["weekday"] else None


def parse_record_time(text: Any) -> datetime | None:
    """A record's `createdAt`/`updatedAt` (ISO 8601, UTC when it names no offset); None if unreadable."""
    if not isinstance(text, str) or not text or len(text) > 40:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def record_times(body: Any) -> Iterator[str]:
    """The `createdAt` and `updatedAt` of the record an answer holds, or of each record of a list page."""
    records: Iterable[Any] = [body]
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        records = body["data"]
    for record in records:
        if isinstance(record, dict):
            for key in ("createdAt", "updatedAt"):
                value = record.get(key)
                if isinstance(value, str):
                    yield value


@dataclass(frozen=True)
class ServerTime:
    """An estimate of the server's time: `moment` (UTC), and the `source` it came from."""

    moment: datetime
    source: ClockSource

    @property
    def from_server(self) -> bool:
        return self.source != "local"

    def iso(self) -> str:
        """ISO 8601 UTC with milliseconds, the form intents keep times in."""
        return self.moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


class ServerClock:
    """The server's time, from the last `Date` it sent (or its newest record stamp), advanced by a
    monotonic clock. `local` and `monotonic` are injectable for tests."""

    def __init__(
        self,
        local: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self._local = local
        self._monotonic = monotonic
        self._date: tuple[datetime, float] | None = None  # the last Date, and the monotonic reading then
        self._records: tuple[datetime, float] | None = None  # the newest record stamp, likewise

    def local_now(self) -> datetime:
        return datetime.fromtimestamp(self._local(), timezone.utc)

    def answered_at(self, date_header: str | None) -> datetime | None:
        """The server's time an answer names in its `Date`, if that is a plausible one (see the module)."""
        return self._plausible(parse_imf_fixdate(date_header))

    def observe(self, date_header: str | None, body: Any = None) -> datetime | None:
        """Learn from one answer: its `Date`, or (while no Date was ever heard) its records' stamps.
        Returns the answer's own Date, when it had a plausible one."""
        reading = self._monotonic()
        answered = self.answered_at(date_header)
        if answered is not None:
            self._date = (answered, reading)
            return answered
        if self._date is None and body is not None:
            stamps = (self._plausible(parse_record_time(text)) for text in record_times(body))
            newest = max((stamp for stamp in stamps if stamp is not None), default=None)
            if newest is not None and (self._records is None or newest > self._advanced(self._records)):
                self._records = (newest, reading)
        return None

    def now(self) -> ServerTime:
        """The server's time now, as well as it is known (`source` says how)."""
        if self._date is not None:
            return ServerTime(self._advanced(self._date), "date")
        if self._records is not None:
            return ServerTime(self._advanced(self._records), "records")
        return ServerTime(self.local_now(), "local")

    def _advanced(self, observation: tuple[datetime, float]) -> datetime:
        moment, reading = observation
        return moment + timedelta(seconds=max(0.0, self._monotonic() - reading))

    def _plausible(self, moment: datetime | None) -> datetime | None:
        if moment is None or not EARLIEST <= moment < LATEST:
            return None
        if abs(moment - self.local_now()) > MAX_DISAGREEMENT:
            return None
        return moment
