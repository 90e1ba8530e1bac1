"""Injected faults, all off by default and reproducible with a seed (decision 17)."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from . import decisions


@dataclass(frozen=True)
class FaultSettings:
    latency_ms: float = 0
    latency_jitter_ms: float = 0
    fail_rate: float = 0
    drop_after_commit_rate: float = 0
    gateway_timeout_rate: float = 0
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("fail_rate", "drop_after_commit_rate", "gateway_timeout_rate"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.latency_ms < 0 or self.latency_jitter_ms < 0:
            raise ValueError("latency must not be negative")


class FaultInjector:
    def __init__(self, settings: FaultSettings):
        self.settings = settings
        self._random = random.Random(settings.seed)
        self._lock = threading.Lock()

    def _draw(self) -> float:
        with self._lock:
            return self._random.random()

    def latency_seconds(self) -> float:
        if not self.settings.latency_ms and not self.settings.latency_jitter_ms:
            return 0.0
        return (self.settings.latency_ms + self._draw() * self.settings.latency_jitter_ms) / 1000

    def failure_status(self) -> int | None:
        """500 or 503 when this request should fail before doing anything."""
        if self.settings.fail_rate and self._draw() < self.settings.fail_rate:
            statuses = decisions.FAIL_STATUSES
            return statuses[int(self._draw() * len(statuses))]
        return None

    def drop_after_commit(self) -> bool:
        return bool(self.settings.drop_after_commit_rate) and self._draw() < self.settings.drop_after_commit_rate

    def gateway_timeout(self) -> bool:
        """Answer 504 now and let the write finish in the background."""
        return bool(self.settings.gateway_timeout_rate) and self._draw() < self.settings.gateway_timeout_rate
