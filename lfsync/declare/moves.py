"""`moved:` entries: a declaration renamed without losing its record.

A declaration file may hold, beside `accounts:`, a list of moves:

    moved:
      - {from: account.litware, to: account.litware-inc}

Each entry says that the record state holds under `from` is now declared as `to`. Read here from a
loaded YAML file (each problem at its file:line:col), kept as plain data in the parse cache, and
checked across files on every load: one entry per `from` and per `to`, no chains or cycles, `to`
declared and `from` no longer declared. A reference to a `from` names the moved record: it is
redirected to its `to`, in the accounts as read and again in the desired accounts made from their
checked values (which the parse cache keeps per file, as written). What a move does to state is
the planner's (plan.moves) and the applier's (apply.moves).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from typing import Any

from lfsync.declare.addresses import is_reference
from lfsync.declare.model import MoveDeclaration, ParsedAccount
from lfsync.declare.rules import MOVED_KEY
from lfsync.declare.yamldocument import LoadedFile
from lfsync.declare.yamlscalars import shown_key, yaml_type_name
from lfsync.errors import Problem, Problems, SourceLocation
from lfsync.support.suggestions import closest

ENTRY_KEYS = ("from", "to")
EXAMPLE = "moved: [{from: account.old-key, to: account.new-key}]"

PlainMove = tuple  # (from, to, (line, column)): marshal-able, the file's name left out


def describe(move: MoveDeclaration) -> str:
    return f"{move.source} -> {move.destination} ({move.location})"


# --- one file ----------------------------------------------------------------------------------


def parse_moves(loaded: LoadedFile, problems: Problems) -> list[MoveDeclaration]:
    """The `moved:` entries of one loaded file; what is wrong with them is appended to `problems`."""
    document = loaded.data
    if not isinstance(document, dict) or document.get(MOVED_KEY) is None:
        return []
    entries = document[MOVED_KEY]
    if not isinstance(entries, list):
        problems.append(
            Problem(
                f"'moved' must be a list of entries like {{from: account.old-key, to: account.new-key}}, "
                f"found {yaml_type_name(entries)}",
                loaded.value_at((MOVED_KEY,), entries),
            )
        )
        return []
    moves = []
    for index, entry in enumerate(entries):
        move = _parse_entry(loaded, index, entry, problems)
        if move is not None:
            moves.append(move)
    return moves


def _parse_entry(loaded: LoadedFile, index: int, entry: Any, problems: Problems) -> MoveDeclaration | None:
    path = (MOVED_KEY, index)
    where = loaded.key_at(path)
    if path in loaded.refused_paths:
        return None
    if not isinstance(entry, dict):
        problems.append(
            Problem(f"moved[{index}] must be a mapping with 'from' and 'to', found {yaml_type_name(entry)}", where,
                    hint=f"for example {EXAMPLE}")
        )
        return None
    ok = True
    for key in entry:
        if key not in ENTRY_KEYS:
            ok = False
            suggestion = closest(str(key), ENTRY_KEYS)
            problems.append(
                Problem(
                    f"unknown key {shown_key(key, quoted=True)} in moved[{index}]; allowed: from, to",
                    loaded.key_at(path + (key,)),
                    hint=f"did you mean {suggestion!r}?" if suggestion else None,
                )
            )
    addresses: dict[str, str] = {}
    for key in ENTRY_KEYS:
        value = entry.get(key)
        if key not in entry:
            ok = False
            problems.append(Problem(f"moved[{index}] has no '{key}'", where, hint=f"for example {EXAMPLE}"))
        elif not is_reference(value):
            ok = False
            if path + (key,) not in loaded.refused_paths:
                problems.append(
                    Problem(
                        f"moved[{index}].{key}: expected an address like account.acme, found {yaml_type_name(value)}",
                        loaded.value_at(path + (key,), value),
                    )
                )
        else:
            addresses[key] = str(value)
    if not ok:
        return None
    if addresses["from"] == addresses["to"]:
        problems.append(Problem(f"moved[{index}] moves {addresses['from']} to itself", where))
        return None
    if addresses["from"].partition(".")[0] != addresses["to"].partition(".")[0]:
        problems.append(Problem(
            f"moved[{index}] moves {addresses['from']} to {addresses['to']}: a record keeps its kind; "
            "only its key can change", where,
        ))
        return None
    return MoveDeclaration(addresses["from"], addresses["to"], where)


def plain_moves(moves: list[MoveDeclaration]) -> list[PlainMove]:
    """Moves as the parse cache keeps them: marshal-able, the file's name left out."""
    return [(move.source, move.destination, (move.location.line, move.location.column)) for move in moves]


def moves_from_plain(plain: list[PlainMove], shown: str) -> list[MoveDeclaration] | None:
    """plain_moves' data back as the moves of the file shown as `shown`; None if it does not fit."""
    try:
        return [MoveDeclaration(source, destination, SourceLocation(shown, line, column))
                for source, destination, (line, column) in plain]
    except (ValueError, TypeError):
        return None


# --- across files ------------------------------------------------------------------------------


def check_moves(moves: list[MoveDeclaration], declared: Collection[str], problems: Problems) -> None:
    """The moves of every file together: each record moved once, to one address, in one step (no
    chains, no cycles), to an address that is declared, from one that no longer is."""
    by_source: dict[str, MoveDeclaration] = {}
    by_destination: dict[str, MoveDeclaration] = {}
    for move in moves:
        if (first := by_source.get(move.source)) is not None:
            problems.append(Problem(
                f"{move.source} is moved twice: {describe(first)} and {describe(move)}; keep one entry", move.location
            ))
        else:
            by_source[move.source] = move
        if (first := by_destination.get(move.destination)) is not None:
            problems.append(Problem(
                f"two records are moved to {move.destination}: {describe(first)} and {describe(move)}; keep one entry",
                move.location,
            ))
        else:
            by_destination[move.destination] = move
    linked = _chains_and_cycles(list(by_source.values()), by_source, problems)
    for move in moves:
        if move in linked:
            continue
        if move.destination not in declared:
            suggestion = closest(move.destination, declared)
            problems.append(Problem(
                f"moved: {move.source} -> {move.destination}: {move.destination} is not declared in any file "
                "(`to` names the address the record is declared under now)",
                move.location,
                hint=f"did you mean {suggestion}?" if suggestion else None,
            ))
        if move.source in declared:
            problems.append(Problem(
                f"moved: {move.source} -> {move.destination}: {move.source} is still declared; one record has one "
                f"address: remove the declaration of {move.source} (the record keeps its ID under {move.destination})",
                move.location,
            ))


def _chains_and_cycles(
    moves: list[MoveDeclaration], by_source: dict[str, MoveDeclaration], problems: Problems
) -> set[MoveDeclaration]:
    """Entries whose `to` is another entry's `from`: a cycle, or a chain to write as one move.
    Returns the entries involved (their other checks would only repeat the point)."""
    involved: set[MoveDeclaration] = set()
    for move in moves:
        following = by_source.get(move.destination)
        if following is None or move in involved:
            continue
        path = [move]
        while following is not None and following not in path:
            path.append(following)
            following = by_source.get(following.destination)
        if following is move:
            involved.update(path)
            problems.append(Problem(
                f"moved: these entries form a cycle: {', '.join(describe(step) for step in path)}; "
                "a record can only move to an address it is declared under",
                move.location,
            ))
        else:
            involved.update(path[:2])
            problems.append(Problem(
                f"moved: {describe(path[0])} is followed by {describe(path[1])}, a chain of moves; write it as one "
                f"entry, from: {path[0].source}, to: {path[1].destination}",
                move.location,
            ))
    return involved


def redirect_references(parsed: Iterable[ParsedAccount], moves: list[MoveDeclaration]) -> None:
    """References to a moved record's old address (`from`) name it by its new one (`to`), in the
    accounts as read (their declarations too: state records them as written, for key-less plans), so
    the check across files finds them declared and every later step sees one address. In place;
    nothing without moves."""
    renamed = renamed_addresses(moves)
    if not renamed:
        return
    for account in parsed:
        if not any(target in renamed for target, _, _ in account.references):
            continue
        account.references = [(renamed.get(target, target), place, key) for target, place, key in account.references]
        if account.declaration is not None:
            relationships = redirected(account.declaration.relationships, renamed)
            account.declaration = replace(account.declaration, relationships=relationships)


def renamed_addresses(moves: list[MoveDeclaration]) -> dict[str, str]:
    """Old address -> new address of every move declared."""
    return {move.source: move.destination for move in moves}


def redirected(relationships: dict[str, str | list[str]], renamed: Mapping[str, str]) -> dict[str, str | list[str]]:
    """Relationships whose references to a moved record's old address name its new one, so both
    resolve to the one record the move keeps (`relationships` itself when nothing is moved)."""
    if not renamed:
        return relationships
    return {key: _renamed(value, renamed) for key, value in relationships.items()}


def _renamed(value: str | list[str], renamed: Mapping[str, str]) -> str | list[str]:
    if isinstance(value, list):
        return [renamed.get(item, item) for item in value]
    return renamed.get(value, value)
