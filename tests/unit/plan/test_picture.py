"""The graph as a picture: declared records and links between them, or what a plan changes."""

from __future__ import annotations

import re

from lfsync.plan.actions import Action
from lfsync.plan.model import AttributeChange, Change, Plan
from lfsync.plan.picture import ADDED, LINKED, REMOVED, Edge, Node, Picture, changes_picture, declared_picture
from lfsync.plan.resources import DesiredAccount


def record(address: str, name: object = None, **relationships: str | list[str]) -> DesiredAccount:
    fields = {} if name is None else {"$name": name}
    return DesiredAccount(address, fields, {key.replace("S_", "$"): value for key, value in relationships.items()}, False)


def graph() -> dict[str, DesiredAccount]:
    return {
        "opportunity.deal": record(
            "opportunity.deal", "Deal", S_account="account.acme", S_champion="contact.ada",
            S_evaluator=["contact.grace", "con_undeclared"], S_owner="ada@example.com",
        ),
        "contact.grace": record("contact.grace", {"firstName": "Grace", "lastName": "Hopper"}, S_account=["account.acme"]),
        "account.acme": record("account.acme", "Acme", S_contact=["contact.ada", "contact.grace"], S_owner="mem_x1"),
        "account.acme-nordics": record("account.acme-nordics", "Acme Nordics", parentAccount="account.acme"),
        "contact.ada": record("contact.ada", {"firstName": "Ada"}, S_account="account.acme"),
        "account.self": record("account.self", "Self", parentAccount="account.self"),
    }


def test_declared_records_come_by_kind_then_address_with_their_names():
    picture = declared_picture(graph())
    assert [(node.address, node.label) for node in picture.nodes] == [
        ("account.acme", ("account.acme", "Acme")),
        ("account.acme-nordics", ("account.acme-nordics", "Acme Nordics")),
        ("account.self", ("account.self", "Self")),
        ("contact.ada", ("contact.ada", "Ada")),
        ("contact.grace", ("contact.grace", "Grace Hopper")),
        ("opportunity.deal", ("opportunity.deal", "Deal")),
    ]
    assert [kind for kind, _ in picture.kinds()] == ["account", "contact", "opportunity"]


def test_links_between_declared_records_only_and_a_two_sided_link_is_one_edge():
    assert declared_picture(graph()).edges == (
        Edge("account.acme-nordics", "account.acme", "parentAccount"),
        Edge("contact.ada", "account.acme", "$account"),  # declared on both sides: once, from the contact
        Edge("contact.grace", "account.acme", "$account"),
        Edge("opportunity.deal", "account.acme", "$account"),
        Edge("opportunity.deal", "contact.ada", "$champion"),
        Edge("opportunity.deal", "contact.grace", "$evaluator"),
    )  # no member, no undeclared ID, no link of a record to itself


def test_the_picture_does_not_depend_on_declaration_order():
    shuffled = dict(reversed(list(graph().items())))
    assert declared_picture(shuffled) == declared_picture(graph())


def test_identifiers_are_safe_and_tell_apart_addresses_that_look_alike():
    nodes = tuple(Node(address, "account", (address,)) for address in ("account.a-b", "account.a_b", "account.end", "account.a_b_2"))
    identifiers = Picture(nodes, ()).identifiers()
    assert all(re.fullmatch(r"n_[A-Za-z0-9_]+", identifier) for identifier in identifiers.values())
    assert len(set(identifiers.values())) == 4
    assert identifiers == Picture(tuple(reversed(nodes)), ()).identifiers()


def test_a_long_or_multiline_name_is_one_short_line():
    picture = declared_picture({"account.a": record("account.a", "line one\nline two " + "x" * 100)})
    name = picture.nodes[0].label[1]
    assert "\n" not in name and len(name) == 60 and name.startswith("line one line two") and name.endswith("…")


def relationship(key: str, before: object, after: object) -> AttributeChange:
    return AttributeChange(f"relationships.{key}", "change", before, after)


def plan_with(changes: list[Change], names: dict[str, str]) -> Plan:
    return Plan(project_dir=".", workspace="default", target="local", lineage="", serial=1, declarations_digest="d",
                changes=changes, names=names)


def test_a_plan_pictures_its_changed_records_and_what_their_changed_links_name():
    plan = plan_with(
        [
            Change("contact.ada", Action.UPDATE, "con_ada", attributes=[relationship("$account", ["acc_acme"], ["acc_globex"])]),
            Change("opportunity.deal", Action.CREATE, attributes=[
                AttributeChange("fields.$name", "add", None, "Deal"),
                AttributeChange("relationships.$account", "add", None, ["account.new"], known_after_apply=True),
                AttributeChange("relationships.$owner", "add", None, "mem_x1"),
            ]),
            Change("account.new", Action.CREATE, attributes=[relationship("$contact", None, ["con_ada"])]),
            Change("account.gone", Action.DELETE, "acc_gone"),
            Change("contact.renamed", Action.MOVE, "con_r", moved_from="contact.old"),
        ],
        names={"acc_acme": "account.acme", "acc_globex": "account.globex", "con_ada": "contact.ada", "mem_x1": "ada@example.com"},
    )
    picture = changes_picture(plan)
    assert {node.address: node.state for node in picture.nodes} == {
        "account.acme": LINKED, "account.globex": LINKED, "account.gone": "delete", "account.new": "create",
        "contact.ada": "update", "contact.renamed": "move", "opportunity.deal": "create",
    }
    assert picture.edges == (
        Edge("contact.ada", "account.acme", "$account", REMOVED),
        Edge("contact.ada", "account.globex", "$account", ADDED),
        Edge("contact.ada", "account.new", "$account", ADDED),  # the account's `$contact`, turned around
        Edge("opportunity.deal", "account.new", "$account", ADDED),
    )
    labels = {node.address: node.label for node in picture.nodes}
    assert labels["opportunity.deal"] == ("opportunity.deal", "Deal") and labels["account.acme"] == ("account.acme",)
    assert labels["contact.renamed"] == ("contact.renamed", "moved from contact.old")


def test_a_link_a_change_keeps_is_unmarked():
    plan = plan_with(
        [Change("opportunity.deal", Action.UPDATE, "opp_1", attributes=[relationship("$evaluator", ["con_a"], ["con_a", "con_b"])])],
        names={"con_a": "contact.a", "con_b": "contact.b"},
    )
    assert changes_picture(plan).edges == (
        Edge("opportunity.deal", "contact.a", "$evaluator", None),
        Edge("opportunity.deal", "contact.b", "$evaluator", ADDED),
    )
