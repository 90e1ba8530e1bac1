"""`python -m lfsync` and the `lfsync` console script.

The CLI is imported here, inside the handler, so a Ctrl-C that arrives while Python is still
importing it ends like any other: "Interrupted", exit 130, no traceback. SIGTERM is turned into
Terminated, a Ctrl-C in kind (exit 130). LFSYNC_NO_CACHE=1 keeps
the command from forking a helper process (lfsync.support.offload), as it keeps it from the parse cache.
The command's status ends the process without the interpreter's teardown (lfsync.support.fastexit).
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
    try:
        main()
    except SystemExit as ending:  # how click ends every command: its status, then no teardown
        fastexit.leave(ending.code)


if __name__ == "__main__":
    run()
