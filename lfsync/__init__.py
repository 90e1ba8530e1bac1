"""lfsync: Terraform-style plan/apply for the accounts of a Lightfield organisation."""

import sys

__version__ = "0.1.0"

# `import httpx` also imports httpx's own command-line client when rich and pygments are installed
# (they are: lfsync prints through rich), ~40 ms of every lfsync command for a tool lfsync never
# runs. Marking the module absent makes httpx fall back to its stub, as it does without them.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
