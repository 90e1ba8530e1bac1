"""Fixtures for the emulator suite: in-process clients (httpx + ASGITransport)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from lfsync.emulator import EmulatorConfig, create_app

from .emulator_helpers import DEV_KEY, client_for


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class ManualClock:
    """An injectable clock that only moves when told to."""

    def __init__(self, start: float = 1_780_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


Connect = Callable[..., httpx.AsyncClient]


@pytest.fixture
def connect(api_mode: str) -> Iterator[Connect]:
    """connect(config=None, key=DEV_KEY, **config_fields) -> an AsyncClient on a fresh app in `api_mode`."""
    apps = []

    def _connect(config: EmulatorConfig | None = None, *, key: str = DEV_KEY, **fields: object) -> httpx.AsyncClient:
        fields.setdefault("docs_literal", api_mode == "docs-literal")
        app = create_app(config or EmulatorConfig(**fields))  # type: ignore[arg-type]
        apps.append(app)
        return client_for(app, key, "docs-literal" if app.state.emulator.config.docs_literal else "default")

    yield _connect
    for app in apps:
        app.state.emulator.close()

