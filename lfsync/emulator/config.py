"""How an emulator instance is set up."""

from __future__ import annotations

import pathlib
import time
from dataclasses import dataclass, field
from typing import Callable

from . import decisions


@dataclass
class EmulatorConfig:
    db_path: str = ":memory:"
    org_fixture: pathlib.Path | None = None  # None: the default fixture shipped with lfsync
    write_rate: float = decisions.DEFAULT_RATE_PER_SECOND
    read_rate: float = decisions.DEFAULT_RATE_PER_SECOND
    search_rate: float = decisions.DEFAULT_RATE_PER_SECOND
    latency_ms: float = 0
    latency_jitter_ms: float = 0
    fail_rate: float = 0
    drop_after_commit_rate: float = 0
    gateway_timeout_rate: float = 0
    index_lag_ms: float = decisions.DEFAULT_INDEX_LAG_MS
    seed: int | None = None
    docs_literal: bool = False  # decision 23: serve the documented forms literally
    clock: Callable[[], float] = field(default=time.time)
