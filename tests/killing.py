"""Killing `lfsync apply` at chosen requests, deterministically: an ASGI middleware in front of the
emulator counts the write requests of each class it receives (an account create, a contact create,
a link write, ...) and, at the count a `KillPoint` names, SIGKILLs the apply process it serves:
after the request has landed (its answer lost with the process) or before it reaches the emulator.
A `DropPoint` loses one answer the same way, the process left running (it retries, or settles later).

Counts run over a whole test (re-sends included), so a kill point is reached whatever the previous
runs left, and the order in which concurrent requests arrive never changes which count fires. Only
requests of the armed process count: the kill disarms the switch, and `arm` waits until the
emulator has taken in whatever the dead process had already sent before it counts again.

It also keeps the Idempotency-Key of every create it sees (`creates`), so a test can show that no
create was sent without one.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from lfsync.emulator.app import ConnectionDropped

from served import start_apply

ACCOUNT_CREATE = "accounts.create"
CONTACT_CREATE = "contacts.create"
OPPORTUNITY_CREATE = "opportunities.create"
LINK_WRITE = "link"  # an update of an account or a contact: in a graph of creates, only links are written later
LOST_ANSWER = b'{"error":{"type":"api_error","message":"the answer was lost"}}'


def request_class(method: str, path: str) -> str | None:
    """The class of a write request a point may name, or None for anything else."""
    parts = path.strip("/").split("/")
    if method != "POST" or parts[0] != "v1" or len(parts) not in (2, 3):
        return None
    if len(parts) == 2:
        return f"{parts[1]}.create"
    return LINK_WRITE if parts[1] in ("accounts", "contacts") else f"{parts[1]}.update"


@dataclass(frozen=True)
class KillPoint:
    """SIGKILL the apply at the `nth` request of class `request` (counted over the whole test);
    `lands`: after the emulator has done it, else before it reaches the emulator."""

    request: str
    nth: int
    lands: bool = True

    def __str__(self) -> str:
        return f"{self.request} #{self.nth}" + ("" if self.lands else " (before it lands)")


@dataclass(frozen=True)
class DropPoint:
    """Lose the answer to the `nth` request of class `request` after it has landed (the connection
    is closed with no answer); the process goes on."""

    request: str
    nth: int


@dataclass
class Killer:
    kills: list[KillPoint]
    drops: list[DropPoint] = field(default_factory=list)
    seen: Counter = field(default_factory=Counter)
    fired: list[KillPoint] = field(default_factory=list)
    dropped: list[DropPoint] = field(default_factory=list)
    creates: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Idempotency-Key) of each create
    _pid: int | None = None

    def __post_init__(self) -> None:
        both = {(k.request, k.nth) for k in self.kills} & {(d.request, d.nth) for d in self.drops}
        if both:
            raise ValueError(f"a request is both a kill point and a drop point: {sorted(both)}")

    def arm(self, base_url: str, start: Callable[[], subprocess.Popen]) -> subprocess.Popen:
        """`start()` a process and count its requests. A round trip first: the emulator serves a
        new connection's request after the data already in its sockets (a dead run's last ones),
        so those are not counted as the new run's."""
        with httpx.Client(base_url=base_url, timeout=30) as client:
            client.get("/v1/auth/validate")  # answered 401 (no key): a round trip is all it is for
        process = start()
        self._pid = process.pid
        return process

    def run(self, base_url: str, start: Callable[[], subprocess.Popen], timeout: float) -> tuple[int, str]:
        """`start()` a process armed, wait for it to end (at most `timeout` seconds) and disarm; its
        exit code and output."""
        process = self.arm(base_url, start)
        output, _ = process.communicate(timeout=timeout)
        self.disarm()
        return process.returncode, output

    def disarm(self) -> None:
        """Count nothing more (the armed process has ended: its ID may name another one soon)."""
        self._pid = None

    @property
    def pending(self) -> list[KillPoint]:
        return [point for point in self.kills if point not in self.fired]

    def _next(self, request: str | None) -> KillPoint | DropPoint | None:
        if request is None or self._pid is None:
            return None
        self.seen[request] += 1
        count = self.seen[request]
        for kill in self.pending:
            if (kill.request, kill.nth) == (request, count):
                return kill
        for drop in self.drops:
            if (drop.request, drop.nth) == (request, count) and drop not in self.dropped:
                return drop
        return None

    def _kill(self, point: KillPoint) -> None:
        pid, self._pid = self._pid, None
        self.fired.append(point)
        if pid is not None:
            os.kill(pid, signal.SIGKILL)

    def middleware(self) -> type:
        killer = self

        class KillsTheApply:
            def __init__(self, app):
                self.app = app

            async def __call__(self, scope, receive, send):
                if scope["type"] != "http":
                    return await self.app(scope, receive, send)
                request = request_class(scope["method"], scope["path"])
                if request is not None and request.endswith(".create"):
                    headers = dict(scope["headers"])
                    key = headers.get(b"idempotency-key")
                    killer.creates.append((scope["path"], key.decode() if key else None))
                point = killer._next(request)
                if point is None:
                    return await self.app(scope, receive, send)
                if isinstance(point, DropPoint) or point.lands:
                    await _landed_unanswered(self.app, scope, receive)
                if isinstance(point, DropPoint):
                    killer.dropped.append(point)
                    # A started answer that fails: the server closes the connection (as the emulator's own fault).
                    await send({"type": "http.response.start", "status": 200, "headers": []})
                    raise ConnectionDropped("drop point: the request landed, its answer is lost")
                killer._kill(point)
                await send({"type": "http.response.start", "status": 503, "headers": [(b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": LOST_ANSWER})  # to a dead process
                return None

        return KillsTheApply


def applies_until_done(
    killer: Killer, project: Path, url: str, runs: int, timeout: float, forbidden: tuple[str, ...] = ("Traceback",)
) -> list[str]:
    """`lfsync apply` run after run, each armed, at most `runs` times, until one exits 0 with no kill
    point left; every run that does not must have been SIGKILLed, and none may print any of
    `forbidden`. The outputs of the runs."""
    outputs: list[str] = []
    for _ in range(runs):
        returncode, output = killer.run(url, lambda: start_apply(project, url), timeout)
        outputs.append(output)
        assert not any(word in output for word in forbidden), output
        if returncode == 0 and not killer.pending:
            break
        assert returncode == -signal.SIGKILL, output
    return outputs


async def _landed_unanswered(app, scope, receive) -> None:
    """Let the emulator do the request; its answer goes nowhere (an emulator fault may drop it too)."""

    async def lost(message):
        return None

    try:
        await app(scope, receive, lost)
    except Exception:  # noqa: BLE001 - the emulator's own drop-after-commit fault: it landed all the same
        pass
