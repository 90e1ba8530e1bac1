"""An emulator served on loopback as a project's target, every request it receives recorded (so
"no request was sent" is counted, not assumed), with a switch that loses the answers to account
writes after they land (the request took effect; the client never hears so)."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from lfsync.emulator import EmulatorConfig
from lfsync.emulator.testing import DOCS_LITERAL, serve_in_thread

WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")
ACCOUNTS_PATH = "/v1/accounts"
LOCAL_KEY = "sk_lf_local_dev"


class Recorder:
    """Every request that reached the emulator (method, path)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.lose_write_answers = False
        self.rate_limited: set[int] = set()  # indexes in `requests` of those answered 429

    def clear(self) -> None:
        self.requests.clear()
        self.rate_limited.clear()

    def writes(self) -> list[tuple[str, str]]:
        """The account writes the emulator took up: one refused with 429 (an apply right after another
        may find the organisation's bucket still low) did nothing, and its retry is counted instead."""
        return [
            (method, path) for index, (method, path) in enumerate(self.requests)
            if _account_write(method, path) and index not in self.rate_limited
        ]

    def middleware(self) -> type:
        recorder = self

        class Recording:
            def __init__(self, app):
                self.app = app

            async def __call__(self, scope, receive, send):
                if scope["type"] != "http":
                    return await self.app(scope, receive, send)
                index = len(recorder.requests)
                recorder.requests.append((scope["method"], scope["path"]))

                async def noting_refusals(message):
                    if message["type"] == "http.response.start" and message["status"] == 429:
                        recorder.rate_limited.add(index)
                    await send(message)

                if not (recorder.lose_write_answers and _account_write(scope["method"], scope["path"])):
                    return await self.app(scope, receive, noting_refusals)

                async def lost(message):
                    return None

                await self.app(scope, receive, lost)  # it lands; its answer never arrives
                body = json.dumps({"error": {"type": "api_error", "message": "the answer was lost"}}).encode()
                await send({"type": "http.response.start", "status": 503, "headers": [(b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": body})
                return None

        return Recording


def _account_write(method: str, path: str) -> bool:
    return method in WRITE_METHODS and path.startswith(ACCOUNTS_PATH)


@contextmanager
def recorded_target(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, api_mode: str | None = None, key: str = LOCAL_KEY
) -> Iterator[tuple[Recorder, str]]:
    """An emulator (in `api_mode`) as the target of every project the test runs, and its recorder and URL."""
    recorder = Recorder()
    config = EmulatorConfig(db_path=str(tmp_path / "served.db"), docs_literal=api_mode == DOCS_LITERAL)
    with serve_in_thread(config, middleware=recorder.middleware()) as url:
        monkeypatch.setenv("LIGHTFIELD_BASE_URL", url)
        monkeypatch.setenv("LIGHTFIELD_API_KEY", key)
        yield recorder, url
