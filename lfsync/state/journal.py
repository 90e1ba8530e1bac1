"""The write-ahead journal: every intent is durable before its request is sent, every outcome after.

One JSON document per line, appended and fsynced: {"format_version": 1, "intent": {...}} or
{"format_version": 1, "outcome": {...}} (records.py documents both). A process killed mid-write can
leave a torn last line; it is ignored, which is safe because an intent is only acted on once its
line is complete, and cut before the next append so that no entry is ever glued to a fragment.
"""

from __future__ import annotations

import io
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from lfsync.errors import LfsyncError, display_path
from lfsync.state.records import INTENT, JOURNAL_FORMAT_VERSION, STORED, Intent, Outcome, invalid_field
from lfsync.support.atomicfile import write_atomically


class JournalWriteFailed(LfsyncError):
    """An entry could not be made durable. For an intent its request is not sent; for an outcome
    the intent stays unsettled and the next apply settles it with the same idempotency key."""

    def __init__(self, where: str, kind: str, reason: str):
        consequence = (
            "its request was not sent"
            if kind == "intent"
            else "a request was answered but its answer is not recorded: the next apply settles it with the same idempotency key"
        )
        super().__init__(
            f"could not write the journal {where}: {reason}; {consequence}. Requests sent before are recorded. "
            "Fix the cause (free disk space, permissions, the database), then run `lfsync apply` again."
        )


class DamagedJournal(ValueError):
    """A journal line that is neither torn nor readable: state cannot be trusted without a look."""

    def __init__(self, path: Path, line: int, problem: str):
        self.path, self.line, self.problem = path, line, problem
        super().__init__(f"line {line}: {problem}")


ENTRY_STARTS = (b'{"format_version": ', b'{"intent": ', b'{"outcome": ')


def _decode(raw: bytes) -> Any:
    """One line's JSON. Journals written before torn tails were cut can hold a fragment glued to
    the next entry: the entry is kept. (Keys are sorted, so every entry starts with ENTRY_STARTS.)"""
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        start = max(raw.rfind(marker) for marker in ENTRY_STARTS)
        if start <= 0:
            raise
        return json.loads(raw[start:])


def _parse_entry(raw: bytes, path: Path, number: int) -> Intent | Outcome:
    try:
        entry = _decode(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DamagedJournal(path, number, f"not a JSON document ({error})") from None
    if not isinstance(entry, dict):
        raise DamagedJournal(path, number, 'not a journal entry: expected {"intent": {...}} or {"outcome": {...}}')
    version = entry.pop("format_version", 1)  # lines written before versioning are version 1
    if version != JOURNAL_FORMAT_VERSION:
        raise LfsyncError(
            f"{display_path(path)}:{number}: journal format_version {version!r} is not supported "
            f"(this lfsync reads {JOURNAL_FORMAT_VERSION}); it was written by another lfsync version"
        )
    if len(entry) != 1 or not isinstance(next(iter(entry.values())), dict):
        raise DamagedJournal(path, number, 'not a journal entry: expected {"intent": {...}} or {"outcome": {...}}')
    kind, body = next(iter(entry.items()))
    if kind not in ("intent", "outcome"):
        raise DamagedJournal(path, number, f"unknown entry kind {kind!r}")
    try:
        return INTENT.validate_python(body, context=STORED) if kind == "intent" else Outcome.model_validate(body, context=STORED)
    except ValidationError as error:
        raise DamagedJournal(path, number, f"invalid {kind}: {invalid_field(error)}") from None


def _cut_torn_tail(path: Path) -> None:
    """Drop a fragment left by a kill mid-append, so the next entry starts on a line of its own.
    Safe: a torn intent was never sent, and a torn outcome leaves its intent to be settled again."""
    try:
        with open(path, "rb+") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size == 0:
                return
            handle.seek(size - 1)
            if handle.read(1) == b"\n":
                return
            handle.seek(0)
            handle.truncate(handle.read().rfind(b"\n") + 1)
            handle.flush()
            os.fsync(handle.fileno())
    except FileNotFoundError:
        return


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class Journal:
    def __init__(self, path: Path):
        self.path = path
        self._handle: io.FileIO | None = None

    def read(self) -> tuple[dict[int, Intent], list[Outcome]]:
        """Every complete entry. A torn last line (a kill mid-append) is ignored: an intent acts only
        once its line is complete. Raises DamagedJournal naming the first line that cannot be read."""
        intents: dict[int, Intent] = {}
        outcomes: list[Outcome] = []
        if not self.path.exists():
            return intents, outcomes
        data = self.path.read_bytes()
        lines = data.split(b"\n")
        torn_tail = not data.endswith(b"\n")
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            if torn_tail and number == len(lines):
                break
            entry = _parse_entry(raw, self.path, number)
            if isinstance(entry, Outcome):
                outcomes.append(entry)
            elif entry.seq in intents:  # lfsync numbers each intent once: one line would hide another
                raise DamagedJournal(self.path, number, f"a second intent numbered {entry.seq} ({intents[entry.seq].read_from} is the first)")
            else:
                intents[entry.seq] = entry.located(f"{display_path(self.path)} line {number}")
        return intents, outcomes

    def append(self, kind: Literal["intent", "outcome"], model: BaseModel) -> None:
        line = _line(kind, model)
        try:
            if self._handle is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                _cut_torn_tail(self.path)
                # Unbuffered: a failed write leaves nothing behind to be flushed (and glued) later.
                self._handle = open(self.path, "ab", buffering=0)
            data = line.encode("utf-8")
            while data:
                data = data[self._handle.write(data) :]
            os.fsync(self._handle.fileno())
        except OSError as error:
            raise JournalWriteFailed(display_path(self.path), kind, error.strerror or str(error)) from None

    def replace_with(self, intents: list[Intent]) -> None:
        """Atomically keep only the given (still unresolved) intents."""
        self.close()
        if not intents and not self.path.exists():
            return
        text = "".join(_line("intent", intent) for intent in intents)
        if text:
            write_atomically(self.path, text)
        else:
            self.path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def _line(kind: Literal["intent", "outcome"], model: BaseModel) -> str:
    entry = {"format_version": JOURNAL_FORMAT_VERSION, kind: model.model_dump(mode="json", exclude_none=True)}
    return json.dumps(entry, sort_keys=True) + "\n"
