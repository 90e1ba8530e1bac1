"""Small helpers shared by the emulator tests."""

from __future__ import annotations

from typing import Any

import httpx

DEV_KEY = "sk_lf_local_dev"
READONLY_KEY = "sk_lf_local_readonly"
API_VERSION = "2026-03-01"
IN_PROCESS_BASE_URL = "http://lightfield.local"

OWNER = "mem_cadalovelace000000000"
OTHER_MEMBER = "mem_cgracehopper000000000"
CONTACT = "con_cmariecurie0000000000"
OTHER_CONTACT = "con_crosalindfranklin0000"
TRASHED_CONTACT = "con_cformercontact0000000"


def error_of(response: httpx.Response) -> tuple[int, str | None, str | None]:
    """(status, code, param) of an error answer, checking the envelope's shape."""
    error = response.json()["error"]
    assert isinstance(error["type"], str) and isinstance(error["message"], str)
    return response.status_code, error.get("code"), error.get("param")


async def create(client: httpx.AsyncClient, name: str = "Acme", **body: Any) -> dict[str, Any]:
    fields = {"$name": name, **body.pop("fields", {})}
    response = await client.post("/v1/accounts", json={"fields": fields, **body})
    assert response.status_code == 200, response.text
    return response.json()


def value(record: dict[str, Any], key: str) -> Any:
    field = record["fields"].get(key)
    return None if field is None else field["value"]


def client_for(app: object, key: str = DEV_KEY) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        base_url=IN_PROCESS_BASE_URL,
        headers={"Authorization": f"Bearer {key}", "Lightfield-Version": API_VERSION},
    )
