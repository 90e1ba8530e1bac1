"""destroy plans as if nothing were declared, with prune: every record of every kind in state is
deleted, and a protected one of any kind is refused as a protected account is."""

from __future__ import annotations

from lfsync.plan.planner import PlanInputs, plan_changes
from lfsync.plan.resources import DesiredAccount, resource_hash
from lfsync.state.records import ResourceState

WORKSPACE = "test"


def applied(address: str, fields: dict, resource_id: str, protect: bool = False) -> ResourceState:
    payload = DesiredAccount(address=address, fields=fields, relationships={}, skip_enrichment=True).payload({})
    return ResourceState(id=resource_id, hash=resource_hash(payload, address, WORKSPACE), applied=payload, protect=protect)


def destroy(resources: dict[str, ResourceState]):
    return plan_changes(PlanInputs(desired={}, resources=resources, workspace=WORKSPACE, prune=True))


def test_every_kind_in_state_is_deleted_by_destroy():
    result = destroy({
        "account.acme": applied("account.acme", {"$name": "Acme"}, "acc_c1"),
        "contact.ada": applied("contact.ada", {"$email": ["ada@acme.example"]}, "con_c1"),
        "opportunity.deal": applied("opportunity.deal", {"$name": "Deal", "$stage": "opt_1"}, "opp_c1"),
    })
    assert [(change.address, change.action) for change in result.changes] == [
        ("account.acme", "delete"), ("contact.ada", "delete"), ("opportunity.deal", "delete"),
    ]
    assert result.problems == []


def test_a_protected_contact_refuses_its_delete_like_a_protected_account():
    result = destroy({
        "account.acme": applied("account.acme", {"$name": "Acme"}, "acc_c1"),
        "contact.ada": applied("contact.ada", {"$email": ["ada@acme.example"]}, "con_c1", protect=True),
    })
    assert [(change.address, change.action) for change in result.changes] == [("account.acme", "delete")]
    assert len(result.problems) == 1 and result.problems[0].startswith("contact.ada (con_c1) is protected")


def test_what_references_a_restored_record_waits_for_its_restore():
    from lfsync.plan.actions import Action
    from lfsync.plan.model import Change
    from lfsync.plan.restore_order import wait_for_restores

    desired = {
        "account.acme": DesiredAccount(address="account.acme", fields={"$name": "Acme"}, relationships={}, skip_enrichment=True),
        "contact.ada": DesiredAccount(
            address="contact.ada", fields={}, relationships={"$account": "account.acme"}, skip_enrichment=True
        ),
        "opportunity.deal": DesiredAccount(
            address="opportunity.deal", fields={}, relationships={"$account": "account.acme", "$champion": "contact.ada"},
            skip_enrichment=True,
        ),
    }
    changes = [
        Change(address="account.acme", action=Action.RESTORE, resource_id="acc_c1"),
        Change(address="contact.ada", action=Action.RESTORE, resource_id="con_c1"),
        Change(address="opportunity.deal", action=Action.UPDATE, resource_id="opp_c1"),
    ]
    wait_for_restores(changes, desired)
    assert [change.depends_on for change in changes] == [[], ["account.acme"], ["account.acme", "contact.ada"]]
