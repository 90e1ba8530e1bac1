"""Secrets by value (issue 23): a server that echoes the API key, in an error message or in a
custom response header, never gets it printed: not in errors, --debug, text, markdown or JSON
plans, the step summary or a crash report. The server here is the emulator behind a middleware
that adds the key to every answer's headers and refuses account creates with a message quoting it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lfsync.emulator import EmulatorConfig
from lfsync.emulator.testing import serve_in_thread

DEFAULT_ORG = Path(__file__).resolve().parents[2] / "lfsync" / "emulator" / "default_org.yaml"
CANARY = "sk_lf_ECHOED_5f4dcc3b5aa765d61d8327deb882cf99"
ACCOUNTS = "accounts:\n  acme:\n    fields: {$name: Acme Corp}\n"


class EchoesTheKey:
    """ASGI middleware: every answer carries `X-Echo-Key: <the key sent>`; creating an account is
    refused with a 403 whose message quotes the key."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        key = dict(scope["headers"]).get(b"authorization", b"").removeprefix(b"Bearer ")
        if scope["method"] == "POST" and scope["path"] == "/v1/accounts":
            message = f"the key {key.decode()} may not create accounts"
            body = json.dumps({"error": {"type": "permission_error", "message": message}}).encode()
            headers = [(b"content-type", b"application/json"), (b"x-echo-key", key)]
            await send({"type": "http.response.start", "status": 403, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return None

        async def echoing(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], (b"x-echo-key", key)]}
            await send(message)

        return await self.app(scope, receive, echoing)


@pytest.fixture
def echoing_server(tmp_path):
    org = tmp_path / "org.yaml"
    org.write_text(DEFAULT_ORG.read_text(encoding="utf-8").replace("key: sk_lf_local_dev", f"key: {CANARY}"))
    with serve_in_thread(EmulatorConfig(org_fixture=org), middleware=EchoesTheKey) as url:
        yield url


@pytest.fixture
def project(make_project):
    return make_project({"accounts.yaml": ACCOUNTS}, settings="skip_enrichment: true\n")


def _env(url: str, summary: Path) -> dict[str, str]:
    return {"LIGHTFIELD_BASE_URL": url, "LIGHTFIELD_API_KEY": CANARY, "GITHUB_STEP_SUMMARY": str(summary), "NO_COLOR": "1"}


def test_the_middleware_does_echo_the_key(echoing_server):
    import httpx

    headers = {"Authorization": f"Bearer {CANARY}", "Lightfield-Version": "2026-03-01"}
    listed = httpx.get(f"{echoing_server}/v1/accounts", headers=headers)
    assert listed.headers["x-echo-key"] == CANARY
    created = httpx.post(f"{echoing_server}/v1/accounts", json={"fields": {"$name": "X"}}, headers=headers)
    assert created.status_code == 403 and CANARY in created.text


def test_an_echoed_key_is_redacted_in_debug_output_and_errors(echoing_server, project, cli, tmp_path):
    # the server quotes the key in a 403's message and in a custom header, which --debug prints
    summary = tmp_path / "summary.md"
    result = cli("--debug", "apply", project, "--auto-approve", env=_env(echoing_server, summary))
    assert result.exit_code == 1, result.output
    assert "x-echo-key: ***" in result.stderr  # the header was shown, its value redacted
    assert "the key *** may not create accounts" in result.output
    assert CANARY not in result.output
    assert CANARY not in summary.read_text()


@pytest.mark.parametrize("output_format", ["text", "markdown", "json"])
def test_a_key_in_a_declared_value_is_redacted_in_every_plan_format(echoing_server, make_project, cli, tmp_path, output_format):
    # a value that holds the key (pasted by mistake, or echoed back by a server into state) is shown as ***
    project = make_project({"accounts.yaml": f"accounts:\n  acme:\n    fields: {{$name: 'Acme {CANARY}'}}\n"},
                           settings="skip_enrichment: true\n")
    summary = tmp_path / "summary.md"
    result = cli("plan", project, "--format", output_format, env=_env(echoing_server, summary))
    assert result.exit_code == 0, result.output
    assert "Acme" in result.stdout and CANARY not in result.output
    assert CANARY not in summary.read_text()


def test_a_crash_report_redacts_every_key_this_run_read(tmp_path):
    # a key read where the crash report's own search would not look (a key file read and gone, a
    # workspace variable of another project): remembered when read, redacted in the report
    from lfsync.support import secrets
    from lfsync.support.crashreport import redactor

    secrets.forget_all()
    try:
        secrets.remember_key(CANARY)
        assert redactor([], env={}, cwd=tmp_path)(f"failed with {CANARY}") == "failed with ***"
    finally:
        secrets.forget_all()
