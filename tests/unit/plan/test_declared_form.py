"""Key-less plans compare declarations with the declarations recorded at the last apply
(plan/declared_form.py), and refresh is decided per plan (plan/refreshing.py). Pure: no server."""

from __future__ import annotations

from lfsync.plan.declared_form import as_written, declared_as, last_declared
from lfsync.plan.model import PlanOptions
from lfsync.plan.planner import PlanInputs, plan_changes
from lfsync.plan.refreshing import refresh_decided
from lfsync.plan.resources import DesiredAccount, resource_hash
from lfsync.state.records import ResourceState

WORKSPACE = "test"
APPLIED = {
    "fields": {"$name": "Atlas", "tier": "opt_c67", "$website": ["https://atlas.example"]},
    "relationships": {"$owner": "mem_grace", "parentAccount": "acc_parent"},
}
WRITTEN = {
    "fields": {"$name": "Atlas", "tier": "mid-market", "$website": ["atlas.example"]},
    "relationships": {"$owner": "grace@example.com", "parentAccount": "account.parent"},
}


def written(fields=None, relationships=None) -> DesiredAccount:
    return DesiredAccount(
        address="account.atlas",
        fields={**WRITTEN["fields"], **(fields or {})},
        relationships={**WRITTEN["relationships"], **(relationships or {})},
        skip_enrichment=False,
        location="accounts.yaml:2:3",
    )


def recorded(spelled: dict | None) -> ResourceState:
    return ResourceState(id="acc_atlas", hash=resource_hash(APPLIED, "account.atlas", WORKSPACE), applied=APPLIED, declared_as=spelled)


def keyless_plan(account: DesiredAccount, resource: ResourceState):
    parent = ResourceState(id="acc_parent", hash="", applied={"fields": {}, "relationships": {}})
    return plan_changes(
        PlanInputs(
            desired={account.address: account}, resources={"account.atlas": resource, "account.parent": parent},
            workspace=WORKSPACE, values_checked=False,
        )
    )


def test_only_values_spelled_otherwise_are_recorded_and_laid_over_applied_give_the_declaration_back():
    spelled = declared_as(WRITTEN, APPLIED)
    assert spelled == {
        "fields": {"tier": "mid-market", "$website": ["atlas.example"]},
        "relationships": {"$owner": "grace@example.com", "parentAccount": "account.parent"},
    }
    assert last_declared(recorded(spelled)) == WRITTEN
    assert last_declared(recorded(None)) is None


def test_text_from_a_csv_cell_is_recorded_as_plain_text():
    class Cell(str):
        pass

    payload = as_written({"$name": Cell("Atlas"), "tags": (Cell("a"), "b")}, {})
    assert payload == {"fields": {"$name": "Atlas", "tags": ["a", "b"]}, "relationships": {}}
    assert type(payload["fields"]["$name"]) is str


def test_an_unchanged_declaration_plans_nothing_without_definitions():
    result = keyless_plan(written(), recorded(declared_as(WRITTEN, APPLIED)))
    assert result.changes == [] and result.problems == []


def test_a_changed_value_shows_as_declared_before_and_after():
    [change] = keyless_plan(written({"tier": "enterprise"}, {"$owner": "alan@example.com"}), recorded(declared_as(WRITTEN, APPLIED))).changes
    assert (change.action, change.resource_id) == ("update", "acc_atlas")
    assert [(a.path, a.before, a.after, a.known_after_apply) for a in change.attributes] == [
        ("fields.tier", "mid-market", "enterprise", False),
        ("relationships.$owner", "grace@example.com", "alan@example.com", False),
    ]


def test_without_recorded_declarations_the_plan_compares_with_applied_as_before():
    [change] = keyless_plan(written(), recorded(None)).changes
    assert ("fields.tier", "opt_c67", "mid-market") in [(a.path, a.before, a.after) for a in change.attributes]


def test_refresh_where_the_target_can_be_asked_unless_told_not_to_and_never_for_destroy():
    assert refresh_decided(PlanOptions(), reachable=True).refresh is True
    assert refresh_decided(PlanOptions(), reachable=False).refresh is False
    assert refresh_decided(PlanOptions(refresh=False), reachable=True).refresh is False
    assert refresh_decided(PlanOptions(destroy=True), reachable=True).refresh is False
