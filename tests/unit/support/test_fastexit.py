"""Leaving without the interpreter's teardown: what anyone can see of an exit stays as it was."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, stdin=subprocess.DEVNULL
    )


def test_status_atexit_handlers_and_buffered_output_survive_the_fast_exit():
    done = run_python("""
        import atexit, sys
        from lfsync.support import fastexit
        atexit.register(lambda: print("handler ran", flush=False))
        sys.stdout.write("buffered, not flushed")
        sys.stderr.write("to stderr")
        try:
            raise SystemExit(2)
        except SystemExit as ending:
            fastexit.leave(ending.code)
        print("never reached")
    """)
    assert done.returncode == 2
    assert done.stdout == "buffered, not flushedhandler ran\n"  # the handler ran once, after the command's output
    assert done.stderr == "to stderr"


def test_no_status_is_success():
    done = run_python("from lfsync.support import fastexit; fastexit.leave(None)")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_a_message_as_status_is_printed_by_the_ordinary_exit():
    done = run_python("from lfsync.support import fastexit; fastexit.leave('Error: something')")
    assert done.returncode == 1 and done.stderr == "Error: something\n"


def test_a_thread_still_running_is_waited_for_as_ever(tmp_path: Path):
    marker = tmp_path / "written-by-the-thread"
    done = run_python(f"""
        import threading
        from lfsync.support import fastexit
        started, go = threading.Event(), threading.Event()
        def work():
            started.set()
            go.wait()
            open({str(marker)!r}, "w").write("done")
        threading.Thread(target=work).start()
        started.wait()
        threading.Timer(0.05, go.set).start()  # released only after leave() has chosen how to exit
        fastexit.leave(0)
    """)
    assert done.returncode == 0, done.stderr
    assert marker.read_text() == "done"  # the ordinary exit joined the thread: nothing it writes is cut off


def test_lfsync_commands_end_through_it_with_their_status(tmp_path: Path):
    """`python -m lfsync`: output and exit codes as before (a usage error is click's 2)."""
    version = subprocess.run([sys.executable, "-m", "lfsync", "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("lfsync, version ")
    unknown = subprocess.run([sys.executable, "-m", "lfsync", "no-such-command"], capture_output=True, text=True)
    assert unknown.returncode == 2 and "No such command" in unknown.stderr
    failed = subprocess.run(
        [sys.executable, "-m", "lfsync", "validate", "--offline", str(tmp_path / "missing")], capture_output=True, text=True
    )
    assert failed.returncode != 0 and failed.stderr
