"""`python -m lfsync` and the `lfsync` console script.

The CLI is imported here, inside the handler, so a Ctrl-C that arrives while Python is still
importing it ends like any other: "Interrupted", exit 130, no traceback.
"""

from __future__ import annotations

import gc
import sys

# lfsync builds large graphs of small, long-lived objects (10,000 accounts: millions) and frees few:
# with the default thresholds the collector re-walks them all many times over a plan.
GC_THRESHOLDS = (200_000, 30, 30)


def run() -> None:
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        from lfsync.cli import main
    except KeyboardInterrupt as interrupted:
        from lfsync.errors import describe_failure

        message, code = describe_failure(interrupted)
        print(f"Error: {message}", file=sys.stderr)
        sys.exit(code)
    main()


if __name__ == "__main__":
    run()
