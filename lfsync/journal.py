"""The write-ahead journal: every intent is durable before its request is sent, every outcome after.

One JSON document per line, appended and fsynced. A process killed mid-write can leave a torn last
line; it is ignored, which is safe because an intent is only acted on once its line is complete.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from lfsync.atomicfile import write_atomically

Operation = Literal["create", "update", "delete", "restore", "adopt"]


class ResourceState(BaseModel):
    id: str
    hash: str
    idempotency_key: str | None = None
    http_link: str | None = None
    created_at: str | None = None
    applied: dict[str, Any]
    protect: bool | None = None  # declared `protect: true` when last applied: never deleted by --prune


class Intent(BaseModel):
    seq: int
    operation: Operation
    address: str
    resource_id: str | None = None
    idempotency_key: str | None = None
    request: dict[str, Any] | None = None
    hash: str | None = None
    applied: dict[str, Any] | None = None
    at: str

    def age_seconds(self, now: datetime | None = None) -> float:
        now = now or datetime.now(timezone.utc)
        return (now - datetime.fromisoformat(self.at)).total_seconds()


class Outcome(BaseModel):
    intent: int
    result: Literal["done", "rejected", "abandoned"]
    serial: int | None = None
    address: str
    resource: ResourceState | None = None
    error: str | None = None


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class Journal:
    def __init__(self, path: Path):
        self.path = path
        self._handle = None

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
            if "intent" in entry:
                intent = Intent.model_validate(entry["intent"])
                intents[intent.seq] = intent
            else:
                outcomes.append(Outcome.model_validate(entry["outcome"]))
        return intents, outcomes

    def append(self, kind: Literal["intent", "outcome"], model: BaseModel) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = open(self.path, "a", encoding="utf-8")
        line = json.dumps({kind: model.model_dump(mode="json", exclude_none=True)}, sort_keys=True)
        self._handle.write(line + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def replace_with(self, intents: list[Intent]) -> None:
        """Atomically keep only the given (still unresolved) intents."""
        self.close()
        if not intents and not self.path.exists():
            return
        text = "".join(
            json.dumps({"intent": i.model_dump(mode="json", exclude_none=True)}, sort_keys=True) + "\n"
            for i in intents
        )
        if text:
            write_atomically(self.path, text)
        else:
            self.path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
