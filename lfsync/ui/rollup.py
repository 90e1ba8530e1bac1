"""The end of a run over several workspaces: how each one ended, the roll-up that closes the run
(so a failed workspace's error does not scroll away under another one's output), the exit code of
the worst ending, and the one JSON document (an object keyed by workspace) `--format json` prints."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from enum import Enum

from lfsync.errors import EXIT_BUG, EXIT_CHANGES, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, LfsyncError
from lfsync.ui.render import Line


class Status(str, Enum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    NOT_REACHED = "not reached"  # stopped (Ctrl-C, SIGTERM, not confirmed) before it sent anything


@dataclass(frozen=True)
class Ending:
    """How one workspace's run ended: `detail` is one line (a failure's error, repeated)."""

    workspace: str
    status: Status
    detail: str
    exit_code: int


# worst last: a bug outranks an interruption, which outranks an error, which outranks changes
_SEVERITY = (EXIT_OK, EXIT_CHANGES, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_BUG)
_STYLES = {Status.SUCCEEDED: "green", Status.FAILED: "bold red", Status.NOT_REACHED: "yellow"}


def failure_ending(workspace: str, failure: BaseException) -> Ending:
    """A workspace whose run raised: an error of lfsync's (1), an interruption before it was reached
    (130), or anything else, a bug (3; the command raises it once every workspace was shown)."""
    if isinstance(failure, LfsyncError):
        return Ending(workspace, Status.FAILED, str(failure), EXIT_ERROR)
    if isinstance(failure, (KeyboardInterrupt, asyncio.CancelledError)):
        return Ending(workspace, Status.NOT_REACHED, "interrupted before it finished planning or applying", EXIT_INTERRUPTED)
    return Ending(workspace, Status.FAILED, f"a bug in lfsync: {type(failure).__name__}: {failure}", EXIT_BUG)


def worst_exit_code(endings: list[Ending]) -> int:
    return max((ending.exit_code for ending in endings), key=_SEVERITY.index, default=EXIT_OK)


def rollup_lines(endings: list[Ending]) -> list[Line]:
    """`Workspaces: 2 succeeded, 1 failed, 0 not reached.` and a line per workspace."""
    counts = {status: sum(ending.status is status for ending in endings) for status in Status}
    lines: list[Line] = [
        ("", None),
        ("Workspaces: " + ", ".join(f"{count} {status.value}" for status, count in counts.items()) + ".", "bold"),
    ]
    width = max((len(ending.workspace) for ending in endings), default=0)
    for ending in endings:
        lines.append((f"  {ending.workspace.ljust(width)}  {ending.status.value}: {_one_line(ending.detail)}", _STYLES[ending.status]))
    return lines


def _one_line(text: str) -> str:
    first, _, rest = text.strip().partition("\n")
    return first + (" (...)" if rest.strip() else "")


def workspaces_json(documents: dict[str, bytes]) -> bytes:
    """One JSON object keyed by workspace name, from each workspace's own JSON document (indented
    one level deeper; a raw newline never occurs inside a JSON string, so re-indenting is safe)."""
    members = [
        b"  " + json.dumps(name).encode() + b": " + document.strip().replace(b"\n", b"\n  ")
        for name, document in documents.items()
    ]
    return b"{\n" + b",\n".join(members) + b"\n}" if members else b"{}"


def error_json(message: str) -> bytes:
    """A failed workspace's entry in the JSON document: its error, as the roll-up says it."""
    return json.dumps({"error": message}, indent=2).encode()
