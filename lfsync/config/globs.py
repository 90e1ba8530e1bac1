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
    return selecting_pattern(relative_posix_path, patterns) is not None


def selecting_pattern(relative_posix_path: str, patterns: tuple[str, ...]) -> str | None:
    """The pattern that selects the file (the last one matching it), or None when none does or the
    last one matching is an exclusion."""
    chosen = None
    for pattern in patterns:
        excluding = pattern.startswith("!")
        body = pattern[1:] if excluding else pattern
        if glob_regex(body.removeprefix("./")).fullmatch(relative_posix_path):
            chosen = None if excluding else pattern
    return chosen


def may_select_under(relative_posix_folder: str, patterns: tuple[str, ...]) -> bool:
    """Whether some pattern could select a file inside the folder, judged by the folder's path
    alone: a folder no pattern can reach, or one a later `!folder/**` excludes whole, need not be
    looked into."""
    parts = relative_posix_folder.split("/") if relative_posix_folder else []
    prefixes = ["/".join(parts[: length + 1]) for length in range(len(parts))]
    reachable = False
    for pattern in patterns:
        if not pattern.startswith("!"):
            reachable = reachable or _may_match_under(pattern, parts)
        elif pattern.endswith("/**"):
            folder = glob_regex(pattern[1:-3].removeprefix("./"))
            reachable = reachable and not any(folder.fullmatch(prefix) for prefix in prefixes)
    return reachable


def _may_match_under(pattern: str, folder_parts: list[str]) -> bool:
    segments = pattern.removeprefix("./").split("/")
    for depth, part in enumerate(folder_parts):
        if "**" in segments[depth]:
            return True
        if depth >= len(segments) - 1 or not glob_regex(segments[depth]).fullmatch(part):
            return False  # the pattern names a file at this depth, or another folder
    return True


def glob_problem(pattern: object) -> str | None:
    """Why a `declarations:` entry is not usable, or None."""
    if not isinstance(pattern, str) or not pattern.strip("!"):
        return "each entry of 'declarations' must be a non-empty glob like 'accounts/**/*.yaml'"
    if pattern.lstrip("!").startswith("/") or ".." in pattern.split("/"):
        return f"declarations glob {pattern!r} must stay inside the project directory (no leading '/' or '..')"
    return None
