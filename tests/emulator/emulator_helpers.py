"""Small helpers shared by the emulator tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from lightfield import Lightfield
from ruamel.yaml import YAML

from lfsync.emulator import EmulatorConfig, create_app
from lfsync.emulator.fixture import DEFAULT_ORG_FIXTURE

DEV_KEY = "sk_lf_local_dev"
READONLY_KEY = "sk_lf_local_readonly"
API_VERSION = "2026-03-01"
IN_PROCESS_BASE_URL = "http://lightfield.local"

OWNER = "mem_cadalovelace000000000"
OTHER_MEMBER = "mem_cgracehopper000000000"
CONTACT = "con_cmariecurie0000000000"
OTHER_CONTACT = "con_crosalindfranklin0000"
TRASHED_CONTACT = "con_cformercontact0000000"


INVENTED_HEADERS = ("Idempotent-Replayed", "X-Request-Id")


def error_details(response: httpx.Response) -> dict[str, Any]:
    """The error object of an answer, in either documented shape (`check_mode` pins which one)."""
    body = response.json()
    return body["error"] if "error" in body else body


def error_of(response: httpx.Response) -> tuple[int, str | None, str | None]:
    """(status, code, param) of an error answer."""
    error = error_details(response)
    assert isinstance(error["type"], str) and isinstance(error["message"], str)
    return response.status_code, error.get("code"), error.get("param")


def is_literal(client: httpx.AsyncClient) -> bool:
    return client.headers.get(MODE_HEADER) == "docs-literal"


MODE_HEADER = "X-Test-Api-Mode"  # sent by the test clients only, so checks know the mode; ignored by the app


async def check_mode(response: httpx.Response) -> None:
    """Every answer in the shape of its mode: default wraps errors in `error` and adds invented
    headers; docs-literal answers errors at the top level and invents nothing (decision 23)."""
    literal = response.request.headers.get(MODE_HEADER) == "docs-literal"
    await response.aread()
    if literal:
        assert not [name for name in INVENTED_HEADERS if name in response.headers], response.headers
    else:
        assert "X-Request-Id" in response.headers
    if response.status_code >= 400:
        body = response.json()
        assert ("error" not in body) if literal else (set(body) == {"error"}), body
        error = error_details(response)
        assert isinstance(error["type"], str) and isinstance(error["message"], str)


async def create(client: httpx.AsyncClient, name: str = "Acme", **body: Any) -> dict[str, Any]:
    fields = {"$name": name, **body.pop("fields", {})}
    response = await client.post("/v1/accounts", json={"fields": fields, **body})
    assert response.status_code == 200, response.text
    return response.json()


def value(record: dict[str, Any], key: str) -> Any:
    field = record["fields"].get(key)
    return None if field is None else field["value"]


def client_for(app: object, key: str = DEV_KEY, mode: str = "default") -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        base_url=IN_PROCESS_BASE_URL,
        headers={"Authorization": f"Bearer {key}", "Lightfield-Version": API_VERSION, MODE_HEADER: mode},
        event_hooks={"response": [check_mode]},
    )


def sdk_error(error: Any, literal: bool) -> tuple[int, str | None, str | None]:
    """(status, code, param) of a `lightfield.APIStatusError`, its body in its mode's shape (decision 23)."""
    body = error.body
    assert isinstance(body, dict) and (("error" not in body) if literal else set(body) == {"error"}), body
    details = body if literal else body["error"]
    return error.status_code, details.get("code"), details.get("param")


def unique(word: str) -> str:
    """A name no other test of a module's shared emulator uses."""
    return f"{word} {uuid.uuid4().hex[:8]}"


def fixture_with_keys(folder: Path, api_keys: list[dict[str, Any]]) -> Path:
    """The default organisation fixture with other API keys, written in `folder`."""
    yaml = YAML(typ="safe")
    data = yaml.load(DEFAULT_ORG_FIXTURE.read_text(encoding="utf-8"))
    data["apiKeys"] = api_keys
    path = folder / "org.yaml"
    with path.open("w", encoding="utf-8") as stream:
        yaml.dump(data, stream)
    return path


@contextmanager
def app_with_keys(folder: Path, api_keys: list[dict[str, Any]], api_mode: str) -> Iterator[Any]:
    """An in-process emulator app in `api_mode` whose organisation has these API keys; closed after."""
    app = create_app(EmulatorConfig(org_fixture=fixture_with_keys(folder, api_keys), docs_literal=api_mode == "docs-literal"))
    try:
        yield app
    finally:
        app.state.emulator.close()


def new_account(sdk: Lightfield) -> str:
    """A fresh account made through the SDK; its ID."""
    return sdk.account.create(fields={"$name": unique("Acme")}).id
