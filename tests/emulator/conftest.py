"""Fixtures for the emulator suite: in-process clients (httpx + ASGITransport)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from lfsync.emulator import EmulatorConfig, create_app

DEV_KEY = "sk_lf_local_dev"
READONLY_KEY = "sk_lf_local_readonly"
API_VERSION = "2026-03-01"
IN_PROCESS_BASE_URL = "http://lightfield.local"


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
def connect() -> Iterator[Connect]:
    """connect(config=None, key=DEV_KEY, **config_fields) -> an AsyncClient on a fresh app."""
    apps = []

    def _connect(config: EmulatorConfig | None = None, *, key: str = DEV_KEY, **fields: object) -> httpx.AsyncClient:
        app = create_app(config or EmulatorConfig(**fields))  # type: ignore[arg-type]
        apps.append(app)
        return client_for(app, key)

    yield _connect
    for app in apps:
        app.state.emulator.close()


def client_for(app: object, key: str = DEV_KEY) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        base_url=IN_PROCESS_BASE_URL,
        headers={"Authorization": f"Bearer {key}", "Lightfield-Version": API_VERSION},
    )
