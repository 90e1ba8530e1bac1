"""The keys `ignore_changes:` names, checked before anything is planned: each must be a field or
relationship of the organisation (its definitions, live or the committed lfsync.definitions.json,
as values are checked), or, where there are no definitions, one declared in the project or recorded
in its state. A key that is neither (a typo) is an error at its file:line:col, with "did you mean"."""

from __future__ import annotations

from typing import Any, Callable, Collection, Iterable, Mapping

from lfsync.config.ignoring import IgnoredSettings
from lfsync.declare.ignorechanges import IGNORE_CHANGES_KEY, SECTIONS
from lfsync.declare.model import Declarations
from lfsync.declare.yamlscalars import shown_key
from lfsync.errors import Problem, Problems, SourceLocation
from lfsync.kinds.catalogue import kind_of_address
from lfsync.support.suggestions import did_you_mean
from lfsync.values.organisation import Organisation

IN_ORGANISATION = "of this organisation"
DECLARED_OR_RECORDED = "declared in this project or recorded in its state, the keys known without definitions"


def names_anything(declarations: Declarations, project_wide: IgnoredSettings) -> bool:
    """Whether lfsync.yaml or any declaration names a key to ignore (`all` names none)."""
    return bool(project_wide) or any(account.ignored_places for account in declarations.accounts.values())


def organisation_keys(organisation: Organisation) -> set[str]:
    """Every field and relationship key the organisation defines for accounts."""
    return set(organisation.fields) | set(organisation.relationships)


def keys_of_kind(organisation: Organisation) -> Callable[[str], Collection[str]]:
    """address -> every field and relationship key the organisation defines for its kind (a
    contact's `$title`, an opportunity's `$stage`); the accounts' where that kind's were not read."""
    by_kind: dict[str, set[str]] = {}

    def keys(address: str) -> Collection[str]:
        name = kind_of_address(address).name
        if name not in by_kind:
            by_kind[name] = organisation_keys(organisation.of_kind(name) or organisation)
        return by_kind[name]

    return keys


def declared_and_recorded_keys(declarations: Declarations, applied: Iterable[Mapping[str, Any]]) -> set[str]:
    """Every field and relationship key some declaration writes or some applied payload in state holds."""
    keys: set[str] = set()
    for account in declarations.accounts.values():
        keys.update(account.fields, account.relationships)
    for payload in applied:
        for section in SECTIONS:
            keys.update(payload.get(section, {}))
    return keys


def ignored_name_problems(
    declarations: Declarations, project_wide: IgnoredSettings, known: Collection[str], against: str,
    known_of: Callable[[str], Collection[str]] | None = None,
) -> Problems:
    """A problem for each key named in `ignore_changes:` that is not in `known`; `against` says what
    `known` holds (IN_ORGANISATION, DECLARED_OR_RECORDED). `known_of`: the keys of one declaration's
    kind, by its address, where they differ from `known` (keys_of_kind)."""
    problems = Problems()
    for setting in project_wide:
        if setting.name not in known:
            problems.append(Problem(f"{IGNORE_CHANGES_KEY}: {_unknown(setting.name, known, against)}", setting.place))
    for address, account in declarations.accounts.items():
        its_keys = known_of(address) if known_of is not None and account.ignored_places else known
        for name, place in account.ignored_places.items():
            if name not in its_keys:
                where = SourceLocation(account.location.file, *place)
                problems.append(Problem(f"{IGNORE_CHANGES_KEY} of {address}: {_unknown(name, its_keys, against)}", where))
    problems.sort()
    return problems


def _unknown(name: str, known: Collection[str], against: str) -> str:
    return f"{shown_key(name, quoted=True)} is no field or relationship {against}" + did_you_mean(name, known)
