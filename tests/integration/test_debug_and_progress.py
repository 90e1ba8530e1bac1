"""CI manners: --debug shows the HTTP exchange without the key; long reads report progress."""

from __future__ import annotations

import io
import json

from lfsync.emulator.testing import served_emulator
from lfsync.ui.progress import ReadingLines

from served import LOCAL_KEY


def test_debug_prints_the_http_exchange_and_never_the_key(project, cli, tmp_path):
    with served_emulator(tmp_path / "e.db") as url:
        env = {"LIGHTFIELD_BASE_URL": url, "LIGHTFIELD_API_KEY": LOCAL_KEY}
        applied = cli("--debug", "apply", project, "--auto-approve", env=env)
        refused = cli("--debug", "plan", project, "--refresh", env={**env, "LIGHTFIELD_API_KEY": "sk_lf_canary_0123456789"})
    assert applied.exit_code == 0, applied.output
    log = applied.stderr
    assert f"> POST {url}/v1/accounts" in log and "< 200 OK (POST /v1/accounts)" in log
    assert "> authorization: [redacted]" in log and '> {"fields":{"$name":"Acme Corp"' in log
    assert "> idempotency-key: lfsync-" in log  # not a secret: kept
    assert LOCAL_KEY not in applied.output
    for path in (project / "state").glob("*"):
        assert LOCAL_KEY not in path.read_text()
    assert refused.exit_code == 1 and "< 401 Unauthorized" in refused.stderr
    assert "sk_lf_canary" not in refused.output


def test_without_debug_nothing_of_the_exchange_is_printed(project, cli):
    result = cli("plan", project, "--refresh")
    assert result.exit_code == 0 and "> GET" not in result.output


def test_reading_lines_report_every_interval_and_finish():
    clock = [0.0]
    stream = io.StringIO()
    lines = ReadingLines("refresh", stream=stream, interval=5.0, clock=lambda: clock[0])
    for read in range(1, 31):
        clock[0] = read * 0.5
        lines(read, 30)
    lines.close()
    assert stream.getvalue().splitlines() == ["refresh: 10/30", "refresh: 20/30", "refresh: 30/30"]


def test_the_last_count_is_always_reported_once_lines_were_shown():
    clock = [0.0]
    stream = io.StringIO()
    lines = ReadingLines("export", stream=stream, interval=5.0, clock=lambda: clock[0])
    clock[0] = 6.0
    lines(25, 60)
    lines(50, 60)
    lines(60, 60)
    lines.close()
    assert stream.getvalue().splitlines() == ["export: 25/60", "export: 60/60"]


def test_a_quick_read_prints_nothing():
    stream = io.StringIO()
    lines = ReadingLines("refresh", stream=stream, interval=5.0, clock=lambda: 0.0)
    lines(3, 3)
    lines.close()
    assert stream.getvalue() == ""


def test_refresh_and_export_report_progress_in_ci(project, cli, monkeypatch):
    monkeypatch.setattr("lfsync.ui.progress.PLAIN_INTERVAL_SECONDS", 0.0)
    assert cli("apply", project, "--auto-approve").exit_code == 0
    refreshed = cli("plan", project, "--refresh")
    assert "refresh: listing accounts: 3/3" in refreshed.stderr
    assert "did not settle" not in refreshed.stderr  # every list copy was as new as the last write
    state_file = project / "state" / "default.lfstate.json"
    state = json.loads(state_file.read_text())
    state["resources"]["account.globex"]["updated_at"] = "2999-01-01T00:00:00.000Z"  # the copy looks stale
    state_file.write_text(json.dumps(state))
    refreshed = cli("plan", project, "--refresh")
    assert "refresh: reading 1 account(s) the lists did not settle: 1/1" in refreshed.stderr
