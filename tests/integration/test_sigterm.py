"""SIGTERM (what CI sends when a job is cancelled, SIGKILL following ~10 s later) ends every wait:
`lfsync apply` runs as a process of its own against the hostile proxy (test_hostile_server.py) in
front of a served emulator; each test waits for an event the proxy or the process shows (never a
guess of how long something takes), sends SIGTERM, and checks that the run stopped with exit 130,
left its intent pending in the journal, and that the next apply ends exact, with no duplicate.

Subprocess timeouts are failsafes against a hang, never asserted bounds."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from integration.test_hostile_server import KEY, HostileProxy, serve_proxy
from lfsync.api.client import LightfieldClient
from lfsync.api.halting import Halted
from lfsync.config.project import load_project
from lfsync.emulator import EmulatorConfig, create_app
from lfsync.emulator.testing import serve_in_thread
from lfsync.errors import EXIT_INTERRUPTED
from lfsync.kinds.catalogue import ACCOUNT
from lfsync.state.records import CreateIntent
from lfsync.state.workspace import load_state

from served import lfsync_env

pytestmark = pytest.mark.timeout(240)  # a safety net for a regression that hangs, not an assertion
FAILSAFE = 120  # seconds: longer than any wait lfsync may legitimately take here


@pytest.fixture
def proxy(cli, tmp_path, monkeypatch) -> Iterator[HostileProxy]:
    """The hostile proxy in front of a served emulator, as the target of in-process runs too."""
    with serve_in_thread(EmulatorConfig(db_path=str(tmp_path / "served.db"))) as upstream:
        hostile = HostileProxy(upstream)
        with serve_proxy(hostile) as url:
            hostile.url = url  # type: ignore[attr-defined]
            monkeypatch.setenv("LIGHTFIELD_BASE_URL", url)
            monkeypatch.setenv("LIGHTFIELD_API_KEY", KEY)
            yield hostile


@pytest.fixture
def three_accounts(make_project) -> Path:
    accounts = "".join(f"  a{n}:\n    fields: {{$name: Account {n}}}\n" for n in range(3))
    return make_project({"accounts.yaml": "accounts:\n" + accounts}, settings="skip_enrichment: true\n")


def start_apply(project: Path, url: str, *flags: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "lfsync", "apply", str(project), "--auto-approve", *flags],
        env=lfsync_env(url), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def terminated(process: subprocess.Popen) -> str:
    """SIGTERM to `process`; its output once it has exited (killed if it outlives the failsafe)."""
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=FAILSAFE)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        raise AssertionError(f"SIGTERM did not end the run:\n{output}") from None
    assert "Traceback" not in output and "a bug in lfsync" not in output, output
    return output


def pending_creates(project: Path) -> list[str]:
    return sorted(i.address for i in load_state(load_project(project)).pending.values() if isinstance(i, CreateIntent))


def account_names(url: str) -> list[str]:
    answer = httpx.get(f"{url}/v1/accounts", params={"limit": 25},
                       headers={"Authorization": f"Bearer {KEY}", "Lightfield-Version": "2026-03-01"})
    return sorted(record["fields"]["$name"]["value"] for record in answer.json()["data"])


def settles_exactly(cli, project: Path, proxy: HostileProxy, settled: list[str]) -> None:
    """The next apply, against a healthy server, settles what was left and ends with each account once."""
    proxy.mode = "pass"
    result = cli("apply", project, "--auto-approve")
    assert result.exit_code == 0, result.output
    assert f"Settling {len(settled)} operation(s)" in result.stdout
    assert all(f"{address}: interrupted create settled" in result.stdout for address in settled), result.stdout
    assert pending_creates(project) == []
    assert account_names(proxy.upstream) == ["Account 0", "Account 1", "Account 2"]


def test_sigterm_cuts_off_a_request_never_answered_and_the_next_apply_settles_it(proxy, cli, three_accounts):
    """The create lands, its answer never comes: SIGTERM gives it a short grace, then cuts it off;
    the intent stays pending (not failed, not rejected) and is replayed with its key, not duplicated."""
    proxy.mode = "hang-writes"
    process = start_apply(three_accounts, proxy.url, "--concurrency", "1")  # type: ignore[attr-defined]
    try:
        assert proxy.held.wait(FAILSAFE), "the apply never sent a create"
        output = terminated(process)
    finally:
        process.kill()
    assert process.returncode == EXIT_INTERRUPTED, output
    [held] = pending_creates(three_accounts)
    assert "SIGTERM received: sending nothing new" in output
    assert "Apply interrupted (SIGTERM): 0 created, 0 updated, 0 deleted, 1 in flight, 2 not started." in output
    assert f"In flight when the run stopped (cut off after 3 s, or not yet sent): {held}." in output
    assert "the next apply settles it first, with the same idempotency key" in output
    assert account_names(proxy.upstream) == [f"Account {held[-1]}"]  # it landed, unanswered
    settles_exactly(cli, three_accounts, proxy, [held])


def test_sigterm_ends_a_rate_limit_wait_at_once(proxy, cli, three_accounts):
    """A 429 asking for a minute: the retry's wait ends at SIGTERM, the intent stays pending."""
    proxy.mode = "throttle-writes"
    process = start_apply(three_accounts, proxy.url, "--concurrency", "1")  # type: ignore[attr-defined]
    try:
        assert proxy.held.wait(FAILSAFE), "the apply never sent a create"
        output = terminated(process)
    finally:
        process.kill()
    assert process.returncode == EXIT_INTERRUPTED, output
    [held] = pending_creates(three_accounts)
    assert f"In flight when the run stopped (cut off after 3 s, or not yet sent): {held}." in output
    assert account_names(proxy.upstream) == []  # throttled: nothing landed
    settles_exactly(cli, three_accounts, proxy, [held])


def test_sigterm_ends_a_plan_waiting_for_an_answer(proxy, three_accounts):
    """Outside apply's sending, SIGTERM ends the command like Ctrl-C: exit 130, a clear line."""
    proxy.mode = "slow-drip"  # a byte every 0.2 s: the first answer takes minutes
    process = subprocess.Popen(
        [sys.executable, "-m", "lfsync", "plan", str(three_accounts)], env=lfsync_env(proxy.url),  # type: ignore[attr-defined]
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        while not proxy.requests:  # an observed event: the plan has asked the API
            assert process.poll() is None, process.communicate()[0]
            time.sleep(0.02)  # the interval between looks, not a guess of how long anything takes
        output = terminated(process)
    finally:
        process.kill()
    assert process.returncode == EXIT_INTERRUPTED, output
    assert "Error: Terminated (SIGTERM)" in output


LOCK_HOLDER = """
import sys
from pathlib import Path
from lfsync.state.filelock import exclusive_lock
with exclusive_lock(Path(sys.argv[1]), "apply") as held:
    print("locked", flush=True)
    sys.stdin.readline()  # held until told (or until killed)
"""


def sleeping(pid: int) -> bool:
    """Whether process `pid` sleeps in clock_nanosleep (time.sleep: the lock wait's poll), as Linux
    shows it in /proc/PID/wchan."""
    try:
        return Path(f"/proc/{pid}/wchan").read_text().strip() == "hrtimer_nanosleep"
    except OSError:
        return False


def test_sigterm_ends_a_wait_for_a_held_state_lock(proxy, three_accounts):
    if not Path("/proc/self/wchan").exists():
        pytest.skip("no /proc/PID/wchan here to see the lock wait")
    lock = three_accounts / "state" / "default.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(lock)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        process = start_apply(three_accounts, proxy.url, "--lock-timeout", "3600")  # type: ignore[attr-defined]
        try:
            while not sleeping(process.pid):  # an observed state: polling the lock
                assert process.poll() is None, process.communicate()[0]
                assert holder.poll() is None, "the lock holder died"
                time.sleep(0.02)  # the interval between looks, not a guess of how long anything takes
            output = terminated(process)
        finally:
            process.kill()
        assert process.returncode == EXIT_INTERRUPTED, output
        assert "Error: Terminated (SIGTERM)" in output
        assert holder.poll() is None  # the holder keeps its lock; nothing was sent
        assert not any(request.startswith("POST") for request in proxy.requests)
    finally:
        holder.kill()
        holder.wait()


def test_a_halted_client_ends_a_pacer_wait_without_sending(tmp_path):
    """A write waiting for the rate limiter (paused for a minute by a 429) ends at once when the
    client is halted, and is never sent."""
    app = create_app(EmulatorConfig(db_path=str(tmp_path / "e.db")))
    sent: list[str] = []

    async def seen(request: httpx.Request) -> None:
        sent.append(f"{request.method} {request.url.path}")

    async def scenario() -> BaseException | None:
        async with LightfieldClient("http://emulator", KEY, transport=httpx.ASGITransport(app=app),
                                    event_hooks={"request": [seen]}) as client:
            client.pacer.pause("write", 60.0)
            creating = asyncio.ensure_future(client.create(ACCOUNT, {"fields": {"$name": "Acme"}}, "key-1"))
            while not client.pacer.buckets["write"]._lock or not client.pacer.buckets["write"]._lock.locked():
                await asyncio.sleep(0)  # until the create waits in the pacer (it holds the bucket's lock)
            client.halt.halt()
            return (await asyncio.gather(creating, return_exceptions=True))[0]

    outcome = asyncio.run(asyncio.wait_for(scenario(), FAILSAFE))
    assert isinstance(outcome, Halted) and not outcome.sent
    assert sent == []
