"""The keys `ignore_changes:` names, checked against the organisation's definitions, or without them
against the keys declared and recorded in state: a typo is named at its place with "did you mean"."""

from __future__ import annotations

from lfsync.config.ignoring import IgnoredSetting
from lfsync.declare.model import AccountDeclaration, Declarations
from lfsync.errors import SourceLocation, render_problem
from lfsync.values.ignored import (
    DECLARED_OR_RECORDED,
    IN_ORGANISATION,
    declared_and_recorded_keys,
    ignored_name_problems,
    names_anything,
)

SETTINGS_PLACE = SourceLocation("lfsync.yaml", 3, 18)


def declared(ignored: dict[str, tuple[int, int]], *, ignore_all: bool = False, fields=None, relationships=None) -> Declarations:
    acme = AccountDeclaration(
        key="acme", address="account.acme", fields={"$name": "Acme", **(fields or {})},
        relationships=relationships or {}, skip_enrichment=None, location=SourceLocation("a.yaml", 2, 3),
        ignore_all=ignore_all, ignored_places=ignored,
    )
    return Declarations(accounts={acme.address: acme}, files=["a.yaml"], digest="d")


def rendered(declarations: Declarations, project_wide=(), known=("$name", "tier", "$owner"), against=IN_ORGANISATION):
    return [render_problem(p) for p in ignored_name_problems(declarations, tuple(project_wide), set(known), against)]


def test_known_keys_pass():
    assert rendered(declared({"tier": (5, 22), "$owner": (5, 28)}), [IgnoredSetting("$owner", SETTINGS_PLACE)]) == []


def test_a_typo_is_named_where_it_is_written_with_a_suggestion_in_file_order():
    problems = rendered(declared({"teir": (5, 22)}), [IgnoredSetting("$ownr", SETTINGS_PLACE)])
    assert problems == [
        "a.yaml:5:22: ignore_changes of account.acme: 'teir' is no field or relationship of this organisation "
        "(did you mean 'tier'?)",
        "lfsync.yaml:3:18: ignore_changes: '$ownr' is no field or relationship of this organisation "
        "(did you mean '$owner'?)",
    ]


def test_without_definitions_the_known_keys_are_those_declared_or_recorded():
    declarations = declared({"tier": (5, 22)}, fields={"tier": "smb"}, relationships={"parentAccount": "account.x"})
    known = declared_and_recorded_keys(declarations, [{"fields": {"icp-score": 3}, "relationships": {"$owner": "mem_a"}}])
    assert known == {"$name", "tier", "parentAccount", "icp-score", "$owner"}
    assert rendered(declared({"icp-scor": (5, 22)}), known=known, against=DECLARED_OR_RECORDED) == [
        "a.yaml:5:22: ignore_changes of account.acme: 'icp-scor' is no field or relationship declared in this project "
        "or recorded in its state, the keys known without definitions (did you mean 'icp-score'?)"
    ]


def test_only_named_keys_need_checking():
    assert not names_anything(declared({}), ())
    assert not names_anything(declared({}, ignore_all=True), ())  # `all` names no key
    assert names_anything(declared({"tier": (5, 22)}), ())
    assert names_anything(declared({}), (IgnoredSetting("$owner", SETTINGS_PLACE),))
