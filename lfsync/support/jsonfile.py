"""Reading back a versioned JSON document lfsync wrote (a saved plan, the definitions snapshot)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lfsync.errors import LfsyncError, display_path


def read_versioned(path: Path, format_version: int, what: str, remedy: str = "") -> dict[str, Any]:
    """The JSON object at `path`, which must be `what` (e.g. "a saved lfsync plan") of this format;
    LfsyncError naming the file otherwise, followed by `remedy` (e.g. "; run ... again")."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LfsyncError(f"{display_path(path)}: not {what} ({error}){remedy}") from None
    if not isinstance(document, dict) or document.get("format_version") != format_version:
        raise LfsyncError(f"{display_path(path)}: not {what} of format {format_version}{remedy}")
    return document
