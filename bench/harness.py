"""What every benchmark scenario needs: account data, a throwaway project, a server-side count.
(The served emulator is lfsync.emulator.testing.served_emulator, which the tests use too.)"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx

from lfsync.api.client import LIST_PAGE_SIZE

API_KEY = "sk_lf_local_dev"
API_VERSION = "2026-03-01"
API_HEADERS = {"Authorization": f"Bearer {API_KEY}", "Lightfield-Version": API_VERSION}
WORKSPACE = "bench"

TIERS = ("smb", "mid-market", "enterprise")
NAME_PREFIXES = ("Northwind", "Blue Harbor", "Copperline", "Evergreen", "Granite Peak", "Lumen", "Redwood", "Silverlake")
NAME_SECTORS = ("Logistics", "Analytics", "Foods", "Robotics", "Health", "Energy", "Media", "Freight", "Labs")


# -- lfsync as installed --------------------------------------------------------------------------
def compile_lfsync() -> None:
    """Byte-compile lfsync as `pip install` does for an installed package (bench/plan_scale.py does the
    same): with PYTHONDONTWRITEBYTECODE set (as on this team's machines and some CI runners) an editable
    checkout would otherwise compile its ~150 modules from source in every process a bench times,
    0.15-0.25 s of start-up no installed lfsync pays. Writes only __pycache__ (git-ignored)."""
    import compileall

    import lfsync

    compileall.compile_dir(Path(lfsync.__file__).parent, quiet=1)


# -- account data -------------------------------------------------------------------------------
def account_fields(number: int) -> dict:
    """One realistic account; `$name` is unique per number."""
    prefix = NAME_PREFIXES[number % len(NAME_PREFIXES)]
    sector = NAME_SECTORS[(number // len(NAME_PREFIXES)) % len(NAME_SECTORS)]
    slug = f"{prefix}-{sector}-{number:05d}".lower().replace(" ", "-")
    return {
        "$name": f"{prefix} {sector} {number:05d}",
        "$website": [f"https://{slug}.example"],
        "tier": TIERS[number % len(TIERS)],
        "icp-score": round((number * 37) % 1000 / 10, 1),
    }


def many_accounts(count: int) -> list[dict]:
    return [account_fields(number) for number in range(count)]


# -- a throwaway lfsync project -----------------------------------------------------------------
ACCOUNTS_PER_FILE = 10_000  # well under the 8 MiB limit of one declaration file


def write_project(directory: Path, accounts: list[dict], base_url: str) -> Path:
    """lfsync.yaml (targeting `base_url`, skip_enrichment) and the accounts in declaration files of
    up to ACCOUNTS_PER_FILE each."""
    (directory / "accounts").mkdir(parents=True)
    (directory / "lfsync.yaml").write_text(
        f"target: {base_url}\nworkspace: {WORKSPACE}\nstate_dir: state\nskip_enrichment: true\n", encoding="utf-8"
    )
    for first in range(0, len(accounts), ACCOUNTS_PER_FILE):
        part = range(first, min(len(accounts), first + ACCOUNTS_PER_FILE))
        declarations = "accounts:\n" + "".join(_declaration(number, accounts[number]) for number in part)
        (directory / "accounts" / f"bench-{first // ACCOUNTS_PER_FILE:02d}.yaml").write_text(declarations, encoding="utf-8")
    return directory


def _declaration(number: int, fields: dict) -> str:
    lines = [f"  acct-{number:05d}:", "    fields:"]
    lines += [f"      {key}: {_yaml_value(value)}" for key, value in fields.items()]
    return "\n".join(lines) + "\n"


def _yaml_value(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_value(item) for item in value) + "]"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


# -- counting on the server ---------------------------------------------------------------------
@dataclass(frozen=True)
class ServerCount:
    stored: int  # live accounts on the server
    duplicates: int  # stored minus distinct names
    missing: int  # expected names not stored at all


def count_on_server(base_url: str, expected_names: list[str]) -> ServerCount:
    return count_records(list_all_accounts(base_url), expected_names)


def count_records(records: list[dict], expected_names: list[str]) -> ServerCount:
    """The count of accounts as listed by GET /v1/accounts."""
    names = Counter(record["fields"]["$name"]["value"] for record in records)
    stored = sum(names.values())
    return ServerCount(stored=stored, duplicates=stored - len(names), missing=len(set(expected_names) - set(names)))


def list_all_accounts(base_url: str) -> list[dict]:
    records: list[dict] = []
    with httpx.Client(base_url=base_url, headers=API_HEADERS, timeout=30) as client:
        while True:
            page = _get_page(client, offset=len(records))
            records += page["data"]
            if not page["data"] or len(records) >= page["totalCount"]:
                return records


def _get_page(client: httpx.Client, offset: int) -> dict:
    """One page of GET /v1/accounts, waiting out 429s (the search bucket has a rate limit too)."""
    while True:
        response = client.get("/v1/accounts", params={"limit": LIST_PAGE_SIZE, "offset": offset})
        if response.status_code != 429:
            response.raise_for_status()
            return response.json()
        time.sleep(float(response.headers.get("retry-after", "1")))
