"""`lfsync emulator serve` as a process: the announced base URL works."""

from __future__ import annotations

import subprocess
import sys

import httpx

from .emulator_helpers import API_VERSION, DEV_KEY

SERVE = [sys.executable, "-c", "from lfsync.emulator.cli import emulator; emulator()", "serve"]


def test_serve_announces_base_url_and_keys(tmp_path) -> None:
    db = tmp_path / "served.db"
    process = subprocess.Popen(
        [*SERVE, "--port", "0", "--db", str(db), "--write-rate", "5"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        first_line = process.stdout.readline().strip()
        assert first_line.startswith("LIGHTFIELD_BASE_URL=http://127.0.0.1:")
        base_url = first_line.split("=", 1)[1]
        banner = [process.stdout.readline() for _ in range(5)]
        assert any("sk_lf_local_dev" in line and "all scopes" in line for line in banner)
        assert any("sk_lf_local_readonly" in line and "accounts:read" in line for line in banner)
        headers = {"Authorization": f"Bearer {DEV_KEY}", "Lightfield-Version": API_VERSION}
        response = httpx.post(f"{base_url}/v1/accounts", json={"fields": {"$name": "Served"}}, headers=headers,
                              timeout=10)
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "5"
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert db.exists()


def test_serve_refuses_a_non_loopback_host_without_allow_remote() -> None:
    from click.testing import CliRunner

    from lfsync.emulator.cli import emulator

    result = CliRunner().invoke(emulator, ["serve", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 1
    assert "not a loopback address" in result.output and "--allow-remote" in result.output
    assert "LIGHTFIELD_BASE_URL" not in result.output  # nothing was bound or announced
