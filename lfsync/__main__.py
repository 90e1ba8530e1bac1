"""`python -m lfsync` and the `lfsync` console script.

The CLI is imported here, inside the handler, so a Ctrl-C that arrives while Python is still
importing it ends like any other: "Interrupted", exit 130, no traceback. SIGTERM is turned into
Terminated, a Ctrl-C in kind (exit 130). LFSYNC_NO_CACHE=1 keeps
the command from forking a helper process (lfsync.support.offload), as it keeps it from the parse cache.
The program's status ends the process without the interpreter's teardown (command(), lfsync.support.fastexit).
"""

from __future__ import annotations

import signal
import sys

from lfsync.config import switches
from lfsync.errors import LfsyncError, describe_failure, raise_terminated
from lfsync.support import collector, fastexit, offload


def run() -> None:
    # SIGTERM ends the command like Ctrl-C (Terminated, exit 130): Python's default would kill it
    # without a word; an apply that is sending takes SIGTERM over (lfsync.commands.apply).
    signal.signal(signal.SIGTERM, raise_terminated)
    collector.for_one_command()
    try:
        if not switches.no_cache():
            offload.enable_for_command()
        from lfsync.cli import main
    except (KeyboardInterrupt, LfsyncError) as failure:
        message, code = describe_failure(failure)
        print(f"Error: {message}", file=sys.stderr)
        sys.exit(code)
    main()


def command() -> None:
    """The `lfsync` program (console script and `python -m lfsync`): run(), whose status (click ends
    every command with SystemExit) then ends the process without the interpreter's teardown. run()
    itself still raises SystemExit, for callers in a process of their own."""
    try:
        run()
    except SystemExit as ending:
        fastexit.leave(ending.code)
    fastexit.leave(None)


if __name__ == "__main__":
    command()
