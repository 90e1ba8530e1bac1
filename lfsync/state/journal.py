"""The write-ahead journal: every intent is durable before its request is sent, every outcome after.

One JSON document per line, appended and fsynced: {"format_version": 1, "intent": {...}} or
{"format_version": 1, "outcome": {...}} (records.py documents both). A process killed mid-write can
leave a torn last line; it is ignored, which is safe because an intent is only acted on once its
line is complete, and cut before the next append so that no entry is ever glued to a fragment.

An apply running on an event loop appends with `sync=False` and awaits `synced()` before it acts on
the entry (sends the intent's request, counts the outcome): the fsync runs in a worker thread, and
entries written meanwhile share it (group commit), so the fsyncs of many requests in flight, and of
many workspaces applied at once, neither block the loop nor queue one behind another.
"""

from __future__ import annotations

import asyncio
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
        self._written = self._synced = 0  # entries written to the file, and made durable, so far
        # the fsync running in a worker thread now, and how many entries it covers
        self._syncing: tuple[asyncio.Future[None], int] | None = None
        self._failed: str | None = None  # why an fsync failed: nothing is called durable after one

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

    def append(self, kind: Literal["intent", "outcome"], model: BaseModel, *, sync: bool = True) -> None:
        """Write one entry; durable on return, unless `sync=False`: then durable once `synced()` returns."""
        self._check_not_failed(kind)
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
            self._written += 1
            if sync:
                os.fsync(self._handle.fileno())
                self._synced = self._written
        except OSError as error:
            self._failed = error.strerror or str(error)
            raise JournalWriteFailed(display_path(self.path), kind, self._failed) from None

    async def synced(self, kind: Literal["intent", "outcome"] = "intent") -> None:
        """Every entry written so far is durable (`kind`: what the caller waits for, for the message
        if it cannot be). One fsync, in a worker thread, covers every entry written before it
        started; a caller arriving during it waits for it, then for the next one."""
        wanted = self._written
        while self._synced < wanted:
            self._check_not_failed(kind)
            if self._syncing is None:
                self._syncing = self._start_sync()
            syncing, covered = self._syncing
            await asyncio.wait([syncing])  # yields to the loop; never raises the fsync's own error
            if self._syncing is not None and self._syncing[0] is syncing:
                self._syncing = None
            error = None if syncing.cancelled() else syncing.exception()
            if error is None and not syncing.cancelled():
                self._synced = max(self._synced, covered)
            elif self._failed is None:
                # After a failed fsync the kernel may have dropped the pages it could not write, and a
                # later fsync succeed without them: nothing written since may be called durable again.
                self._failed = (error.strerror if isinstance(error, OSError) else None) or str(error) or "the fsync did not finish"
        self._check_not_failed(kind)

    def _start_sync(self) -> tuple[asyncio.Future[None], int]:
        """One fsync of everything written so far, in a worker thread, and how many entries it covers.
        It syncs a duplicate of the file's descriptor, so a compaction closing the journal meanwhile
        can neither make it fail nor (the number reused) point it at another file."""
        if self._handle is None:  # every entry written was made durable when the journal was closed
            done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            done.set_result(None)
            return done, self._written
        descriptor = os.dup(self._handle.fileno())
        return asyncio.ensure_future(asyncio.to_thread(_fsync_and_close, descriptor)), self._written

    def _check_not_failed(self, kind: Literal["intent", "outcome"]) -> None:
        if self._failed is not None:
            raise JournalWriteFailed(display_path(self.path), kind, self._failed)

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
        """Entries written without an fsync yet get one first: a closed journal holds only durable ones."""
        if self._handle is None:
            return
        try:
            if self._synced < self._written and self._failed is None:
                os.fsync(self._handle.fileno())
                self._synced = self._written
        except OSError as error:
            self._failed = error.strerror or str(error)
        finally:
            self._handle.close()
            self._handle = None


def _fsync_and_close(descriptor: int) -> None:
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _line(kind: Literal["intent", "outcome"], model: BaseModel) -> str:
    entry = {"format_version": JOURNAL_FORMAT_VERSION, kind: model.model_dump(mode="json", exclude_none=True)}
    return json.dumps(entry, sort_keys=True) + "\n"
