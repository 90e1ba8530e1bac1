"""`lfsync graph`: the declared graph read from the project's declarations alone (no target, no
state): every declared record and the links between them, as lfsync.plan.picture holds it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lfsync.errors import Problem
from lfsync.operations.declared_project import load_declared
from lfsync.plan.picture import Picture, declared_picture


@dataclass(frozen=True)
class DeclaredGraph:
    picture: Picture
    warnings: list[Problem]  # found while reading, not fatal (e.g. spaces around a CSV cell)


def declared_graph(directory: Path, workspace: str | None = None) -> DeclaredGraph:
    """The project's declared records and links; raises DeclarationError (every problem at its
    file:line:col) for declarations that do not read, as validate --offline would."""
    declared = load_declared(directory, workspace)
    return DeclaredGraph(declared_picture(declared.desired), list(declared.declarations.warnings))
