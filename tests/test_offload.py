"""Declaration files validated by a forked helper process give exactly what validating them here
gives, and a helper that fails only costs the time it took."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml_corpus

from lfsync import offload

REPO = Path(__file__).resolve().parents[1]


def _double(items: list[int]) -> dict[int, int]:
    return {item: item * 2 for item in items}


def _fail(items: list) -> dict:
    raise RuntimeError("the helper's work went wrong")


def _killed(items: list) -> dict:
    os.kill(os.getpid(), signal.SIGKILL)
    return {}


def _blocked(items: list) -> dict:
    signal.pause()  # until it is stopped
    return {}


def _waited_for(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_the_helper_answers_with_the_work_done_in_the_child():
    with offload.Helper(_double, [1, 2, 3]) as helper:
        assert helper.results() == {1: 2, 2: 4, 3: 6}
        assert helper.results() == {1: 2, 2: 4, 3: 6}  # asked again: the same answer, no second wait
    assert _waited_for(helper._pid)


@pytest.mark.parametrize("work", [_fail, _killed])
def test_a_helper_that_fails_or_dies_answers_nothing(work):
    with offload.Helper(work, [1]) as helper:
        assert helper.results() == {}
    assert _waited_for(helper._pid)


def test_a_helper_never_asked_is_stopped_and_reaped():
    with offload.Helper(_blocked, [1]) as helper:
        pass
    assert _waited_for(helper._pid)


COMPARE = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from lfsync import declarations, offload
    from lfsync.errors import DeclarationError
    from lfsync.parsecache import ParseCache

    used = []

    class CountedHelper(offload.Helper):
        def __init__(self, work, items):
            used.append(len(items))
            super().__init__(work, items)

    offload.Helper = CountedHelper
    declarations.HELPER_MIN_BYTES = 0
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
        "helper_files": used,
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
    assert outcome["helper_files"] and outcome["helper_files"][0] > 0  # the helper did take files
    assert outcome["same"] and outcome["error"] is None
    assert outcome["same_cache"] and outcome["entries"] > 0  # and the cache holds the same entries


def test_a_file_with_problems_in_the_helpers_share_is_reported_as_without_it(tmp_path):
    corpus = tmp_path / "corpus"
    files = sorted(yaml_corpus.write_corpus(corpus, files=12, accounts_per_file=15))
    files[-1].write_text(files[-1].read_text() + "  broken:\n    fields: {tier: 1}\n")  # the last file: the helper's
    outcome = compare_in_a_command_process(corpus, tmp_path)
    assert outcome["helper_files"] and outcome["helper_files"][0] > 0
    assert outcome["same"] and outcome["error"] and "has no $name" in outcome["error"]
    assert outcome["entries"] == 0  # bad input writes nothing, with the helper or without
