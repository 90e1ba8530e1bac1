"""Declaration files validated by a forked helper process give exactly what validating them here
gives, and a helper that fails only costs the time it took."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from lfsync.support import offload

import yaml_corpus

ITEMS = [(f"item-{number}", str(number).encode()) for number in range(6)]


def _double(name: str, data: bytes) -> int:
    return int(data) * 2


def _fail(name: str, data: bytes) -> int:
    raise RuntimeError("the helper's work went wrong")


def _killed(name: str, data: bytes) -> int:
    os.kill(os.getpid(), signal.SIGKILL)
    return 0


def _blocked(name: str, data: bytes) -> int:
    signal.pause()  # until it is stopped
    return 0


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def work_through(share: offload.Share, work) -> dict[str, tuple[str, int]]:
    """What a caller does: each item in order, from the helper where it answers, else itself."""
    done = {}
    for name, data in ITEMS:
        answer = share.result(name)
        done[name] = ("helper", answer) if answer is not None else ("here", work(name, data))
    return done


def test_both_ends_meet_and_every_item_is_done_once_by_one_of_them():
    with offload.Share(ITEMS, _double) as share:
        done = work_through(share, _double)
    assert {name: value for name, (_, value) in done.items()} == {name: int(data) * 2 for name, data in ITEMS}
    by = [who for who, _ in done.values()]
    assert by == sorted(by, key=lambda who: who == "helper")  # this process from the first, the helper from the last
    assert _reaped(share._pid)


def test_a_helper_whose_work_is_done_here_is_stopped_and_reaped():
    with offload.Share(ITEMS, _blocked) as share:  # blocked on the last item: this process does all the others
        done = [share.result(name) for name, _ in ITEMS[:-1]]
    assert done == [None] * (len(ITEMS) - 1) and _reaped(share._pid)


@pytest.mark.parametrize("work", [_fail, _killed])
def test_a_helper_that_fails_or_dies_leaves_its_items_to_this_process(work):
    with offload.Share(ITEMS, work) as share:
        done = work_through(share, _double)
    assert done == {name: ("here", int(data) * 2) for name, data in ITEMS}
    assert _reaped(share._pid)


def test_interrupted_while_waiting_for_the_helper_it_is_reaped_once(monkeypatch):
    share = offload.Share(ITEMS, _double)

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(share._pipe, "read", interrupted)
    while offload._INDEX.unpack_from(share._positions, offload.HELPERS)[0] == len(ITEMS):
        time.sleep(0.001)  # until the helper has taken the last item
    with pytest.raises(KeyboardInterrupt):
        with share:
            share.result(ITEMS[-1][0])  # the helper's item: waits for its answer, and is interrupted
    assert _reaped(share._pid)


def test_when_no_process_can_be_forked_everything_is_done_here(monkeypatch):
    def refused() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refused)
    with offload.Share(ITEMS, _double) as share:
        assert work_through(share, _double) == {name: ("here", int(data) * 2) for name, data in ITEMS}


def test_without_a_helper_everything_is_done_here():
    with offload.Share(ITEMS, _double, helper=False) as share:
        assert work_through(share, _double) == {name: ("here", int(data) * 2) for name, data in ITEMS}


WATCHED_HELPER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from lfsync.support import offload

    shares = []

    class WatchedShare(offload.Share):
        # Before this process takes its first item, the helper has done the last one (it has moved
        # on to the one before): so the helper always has a share, however the two are scheduled.
        def __init__(self, items, work, **options):
            super().__init__(items, work, **options)
            shares.append(self)
            while self._pid and offload._INDEX.unpack_from(self._positions, offload.HELPERS)[0] > len(items) - 2:
                time.sleep(0.001)

        def taken_by_helper(self):
            return len(self._index) - offload._INDEX.unpack_from(self._positions, offload.HELPERS)[0] if self._pid else 0

    offload.Share = WatchedShare
    """
)

COMPARE = WATCHED_HELPER + textwrap.dedent(
    """
    from lfsync.declare import declarations
    from lfsync.errors import DeclarationError
    from lfsync.declare.parsecache import ParseCache

    offload.HELPER_MIN_BYTES = 0
    offload.enable_for_command()

    def load(project, enabled):
        offload._enabled = enabled
        cache = ParseCache(Path(sys.argv[2]) / ("helped" if enabled else "alone"), b"k" * 32)
        try:
            loaded = declarations.load_declarations(project, cache=cache)
        except DeclarationError as error:
            return str(error), {}
        entries = {path.name: path.read_bytes() for path in cache.directory.iterdir()} if cache.directory.is_dir() else {}
        return loaded, entries

    project = Path(sys.argv[1])
    helped, helped_entries = load(project, True)
    alone, alone_entries = load(project, False)
    print(json.dumps({
        "helper_took": shares[0].taken_by_helper(),
        "same": helped == alone,
        "same_cache": helped_entries == alone_entries,
        "entries": len(alone_entries),
        "error": alone if isinstance(alone, str) else None,
    }))
    """
)


def compare_in_a_command_process(project: Path, tmp_path: Path) -> dict:
    """In a fresh process of its own (as `lfsync` runs), where forking is allowed."""
    result = subprocess.run(
        [sys.executable, "-c", COMPARE, str(project), str(tmp_path / "caches")],
        capture_output=True, text=True, cwd=project, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_files_validated_by_the_helper_load_as_they_do_here(tmp_path):
    corpus = tmp_path / "corpus"
    yaml_corpus.write_corpus(corpus, files=12, accounts_per_file=15)
    outcome = compare_in_a_command_process(corpus, tmp_path)
    assert outcome["helper_took"] > 0
    assert outcome["same"] and outcome["error"] is None
    assert outcome["same_cache"] and outcome["entries"] > 0  # and the cache holds the same entries


def test_a_file_with_problems_in_the_helpers_share_is_reported_as_without_it(tmp_path):
    corpus = tmp_path / "corpus"
    files = sorted(yaml_corpus.write_corpus(corpus, files=12, accounts_per_file=15))
    files[-1].write_text(files[-1].read_text() + "  broken:\n    fields: {tier: 1}\n")  # the last file: the helper's
    outcome = compare_in_a_command_process(corpus, tmp_path)
    assert outcome["helper_took"] > 0  # the last file, the broken one, among them
    assert outcome["same"] and outcome["error"] and "has no $name" in outcome["error"]
    assert outcome["entries"] == 0  # bad input writes nothing, with the helper or without


# `lfsync ARGS` as the command runs it; what the helper took goes to stderr's last line
COMMAND = WATCHED_HELPER + textwrap.dedent(
    """
    import atexit
    from lfsync.__main__ import run

    if sys.argv[1] == "--no-helper":
        offload.available = lambda: False
        del sys.argv[1]
    atexit.register(lambda: print(f"helper took {shares[0].taken_by_helper() if shares else 0}", file=sys.stderr))
    sys.argv = ["lfsync", *sys.argv[1:]]
    run()
    """
)


@pytest.mark.skipif(offload.cores() < 2, reason="a helper works beside this process only with two cores")
def test_a_command_with_a_helper_plans_what_it_plans_without_one(tmp_path):
    project = tmp_path / "big"
    (project / "accounts").mkdir(parents=True)
    (project / "lfsync.yaml").write_text("target: local\nworkspace: big\n")
    for part in range(20):
        lines = ["accounts:"]
        for number in range(part * 200, (part + 1) * 200):
            lines += [f"  company-{number:05d}:", "    fields:", f"      $name: Company number {number} of a big project",
                      f"      $website: [company-{number:05d}.example]"]
        (project / "accounts" / f"part-{part:02d}.yaml").write_text("\n".join(lines) + "\n")
    assert sum(path.stat().st_size for path in (project / "accounts").iterdir()) > offload.HELPER_MIN_BYTES
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "user-cache")}

    def plan(*options: str) -> tuple[str, str]:
        shutil.rmtree(project / ".lfsync" / "parse-cache", ignore_errors=True)  # every file parsed
        result = subprocess.run(
            [sys.executable, "-c", COMMAND, *options, "plan", "--format", "json"],
            capture_output=True, text=True, cwd=project, env=env, timeout=300,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout, result.stderr.splitlines()[-1]

    helped, helper_took = plan()
    alone, no_helper = plan("--no-helper")
    assert helper_took != "helper took 0" and no_helper == "helper took 0"
    assert helped == alone and json.loads(helped)["summary"]["create"] == 4000
