"""Which files of a project hold declarations: `declarations:` globs from lfsync.yaml.

Patterns are relative to the project directory and use `/` on every platform: `*` and `?` stay
within one folder, `**` spans folders (`**/*.yaml` also matches `a.yaml` at the top), and a
pattern starting with `!` excludes what it matches. A file is selected when the last pattern
that matches it is not an exclusion (the .gitignore rule).
"""

from __future__ import annotations

import re
from functools import lru_cache

DEFAULT_DECLARATION_GLOBS = ("**/*.yaml", "**/*.yml", "**/*.csv")


@lru_cache(maxsize=256)
def glob_regex(pattern: str) -> re.Pattern[str]:
    parts = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            parts.append(".*")
            index += 2
        elif pattern[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            parts.append("[^/]")
            index += 1
        else:
            parts.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(parts))


def selected(relative_posix_path: str, patterns: tuple[str, ...]) -> bool:
    chosen = False
    for pattern in patterns:
        excluding = pattern.startswith("!")
        body = pattern[1:] if excluding else pattern
        if glob_regex(body.removeprefix("./")).fullmatch(relative_posix_path):
            chosen = not excluding
    return chosen


def glob_problem(pattern: object) -> str | None:
    """Why a `declarations:` entry is not usable, or None."""
    if not isinstance(pattern, str) or not pattern.strip("!"):
        return "each entry of 'declarations' must be a non-empty glob like 'accounts/**/*.yaml'"
    if pattern.lstrip("!").startswith("/") or ".." in pattern.split("/"):
        return f"declarations glob {pattern!r} must stay inside the project directory (no leading '/' or '..')"
    return None
