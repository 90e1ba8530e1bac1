"""`python -m lfsync` and the `lfsync` console script.

The CLI is imported here, inside the handler, so a Ctrl-C that arrives while Python is still
importing it ends like any other: "Interrupted", exit 130, no traceback.
"""

from __future__ import annotations

import sys

from lfsync.support import collector, offload


def run() -> None:
    collector.for_one_command()
    offload.enable_for_command()
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
