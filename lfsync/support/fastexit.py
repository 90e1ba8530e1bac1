"""Leaving a one-command process without tearing the interpreter down.

Once a command has returned, everything it promised is done: state written and fsynced, locks
released, output printed. What Python's own shutdown still does is free every module, class and
object one by one (~0.1 s after an apply: as long as starting a workspace's writes), which nobody
can observe. So `python -m lfsync` ends with the part of shutdown that others can see (atexit
handlers, standard streams flushed) and then `os._exit` with the same status. Whenever that is not
plainly equivalent (another thread still runs, a status that is not a number, a stream that cannot
be flushed) the ordinary exit is taken instead, which behaves exactly as before.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn


def leave(code: object) -> NoReturn:
    """End this process with `code` (a SystemExit's code) as `sys.exit(code)` would, minus the teardown."""
    status = 0 if code is None else code
    if not isinstance(status, int) or isinstance(status, bool) or threading.active_count() > 1:
        raise SystemExit(code)  # a message to print, or a thread the ordinary exit waits for
    _flushed_or_exit(code)
    atexit._run_exitfuncs()  # and forgets them: the ordinary exit below would not run them twice
    _flushed_or_exit(code)  # what the handlers printed
    os._exit(status & 0xFF)


def _flushed_or_exit(code: object) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: the ordinary exit reports it as ever
            raise SystemExit(code) from None
