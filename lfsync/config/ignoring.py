"""`ignore_changes:` in lfsync.yaml: the fields and relationships people own in Lightfield, for
every account of the project (or of one workspace, whose own list replaces the project's), each
key with where it is written, so a key the organisation does not have is named at file:line:col."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lfsync.errors import SourceLocation

SETTING = "ignore_changes"
WORKSPACES = "workspaces"
PROJECT_WIDE = ""  # the key of the project's own list among the workspaces' (no workspace has this name)


@dataclass(frozen=True)
class IgnoredSetting:
    """One key of an `ignore_changes:` list in lfsync.yaml."""

    name: str
    place: SourceLocation | None


IgnoredSettings = tuple[IgnoredSetting, ...]


def ignored_settings(shown: str, document: Any) -> dict[str, IgnoredSettings]:
    """The `ignore_changes:` lists of an lfsync.yaml document its settings model accepted: the
    project's under PROJECT_WIDE, a workspace's under its name (only where it sets one)."""
    from lfsync.config.yamlio import location

    def placed(node: Any) -> IgnoredSettings:
        return tuple(IgnoredSetting(str(name), location(shown, node, index=index)) for index, name in enumerate(node))

    found: dict[str, IgnoredSettings] = {}
    if isinstance(document, dict) and isinstance(document.get(SETTING), list):
        found[PROJECT_WIDE] = placed(document[SETTING])
    workspaces = document.get(WORKSPACES) if isinstance(document, dict) else None
    for name, entry in (workspaces or {}).items():
        if isinstance(entry, dict) and isinstance(entry.get(SETTING), list):
            found[str(name)] = placed(entry[SETTING])
    return found
