"""Fixtures for the emulator suite: in-process clients (httpx + ASGITransport), and the SDK on an
emulator served over HTTP for a whole module (`served_sdk`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import lightfield
import pytest
from lightfield import Lightfield

from lfsync.emulator import EmulatorConfig, create_app
from lfsync.emulator.testing import API_MODES, DOCS_LITERAL, serve_in_thread

from .emulator_helpers import DEV_KEY, client_for, sdk_error


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



@dataclass(frozen=True)
class ServedSdk:
    """An emulator served over HTTP for a whole test module, and the SDK on it with the full key."""

    url: str
    literal: bool  # the docs-literal mode (decision 23)
    sdk: Lightfield

    def with_key(self, key: str) -> Lightfield:
        return Lightfield(api_key=key, base_url=self.url, max_retries=0)


def refusal(served: ServedSdk, call: Any) -> tuple[int, str | None, str | None]:
    """`call()` is refused by `served`'s emulator: the error's (status, code, param) in its API mode."""
    with pytest.raises(lightfield.APIStatusError) as caught:
        call()
    return sdk_error(caught.value, served.literal)


# Distinct rates, so a response's X-RateLimit-Limit names its category; high enough never to throttle.
CATEGORY_RATES = {"write_rate": 1000.0, "read_rate": 900.0, "search_rate": 800.0}
RATE_LIMIT_BY_CATEGORY = {"Write": "1000", "Read": "900", "Search": "800"}


@pytest.fixture(scope="module", params=API_MODES)
def served_sdk(request: pytest.FixtureRequest) -> Iterator[ServedSdk]:
    """One emulator per API mode, shared by the tests of a module (they use names of their own)."""
    literal = request.param == DOCS_LITERAL
    with serve_in_thread(EmulatorConfig(docs_literal=literal, **CATEGORY_RATES)) as url:
        yield ServedSdk(url, literal, Lightfield(api_key=DEV_KEY, base_url=url, max_retries=0))
