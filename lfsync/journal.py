"""The write-ahead journal: every intent is durable before its request is sent, every outcome after.

One JSON document per line, appended and fsynced: {"format_version": 1, "intent": {...}} or
{"format_version": 1, "outcome": {...}} (records.py documents both). A process killed mid-write can
leave a torn last line; it is ignored, which is safe because an intent is only acted on once its
line is complete.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal, TextIO

from pydantic import BaseModel

from lfsync.atomicfile import write_atomically
from lfsync.errors import LfsyncError, display_path
from lfsync.records import INTENT, JOURNAL_FORMAT_VERSION, Intent, Outcome


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class Journal:
    def __init__(self, path: Path):
        self.path = path
        self._handle: TextIO | None = None

    def read(self) -> tuple[dict[int, Intent], list[Outcome]]:
        intents: dict[int, Intent] = {}
        outcomes: list[Outcome] = []
        if not self.path.exists():
            return intents, outcomes
        lines = self.path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                if number == len(lines):
                    break  # torn by a kill mid-append
                raise
            version = entry.get("format_version", 1)
            if version != JOURNAL_FORMAT_VERSION:
                raise LfsyncError(
                    f"{display_path(self.path)}:{number}: journal format_version {version!r} is not supported "
                    f"(this lfsync reads {JOURNAL_FORMAT_VERSION})"
                )
            if "intent" in entry:
                intent = INTENT.validate_python(entry["intent"])
                intents[intent.seq] = intent
            else:
                outcomes.append(Outcome.model_validate(entry["outcome"]))
        return intents, outcomes

    def append(self, kind: Literal["intent", "outcome"], model: BaseModel) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = open(self.path, "a", encoding="utf-8")
        self._handle.write(_line(kind, model))
        self._handle.flush()
        os.fsync(self._handle.fileno())

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
