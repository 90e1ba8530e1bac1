"""Deletes go in waves, dependents first: opportunities, contacts, then the accounts they reference."""

from __future__ import annotations

from lfsync.apply.delete_order import delete_waves
from lfsync.plan.actions import Action
from lfsync.plan.model import Change


def delete(address: str) -> Change:
    return Change(address=address, action=Action.DELETE, resource_id="x")


def test_opportunities_then_contacts_then_accounts_each_wave_in_plan_order():
    changes = [delete(a) for a in (
        "account.acme", "contact.ada", "unmanaged.opp_c9", "account.globex", "opportunity.deal", "unmanaged.con_c8",
    )]
    waves = [[change.address for change in wave] for wave in delete_waves(changes)]
    assert waves == [
        ["unmanaged.opp_c9", "opportunity.deal"], ["contact.ada", "unmanaged.con_c8"], ["account.acme", "account.globex"],
    ]


def test_accounts_alone_are_one_wave_and_nothing_is_no_wave():
    assert [[c.address for c in wave] for wave in delete_waves([delete("account.a"), delete("account.b")])] == [
        ["account.a", "account.b"]
    ]
    assert delete_waves([]) == []


def test_notes_and_tasks_go_before_what_they_reference():
    changes = [delete(a) for a in ("account.acme", "task.call", "unmanaged.note_c1", "opportunity.deal", "note.kickoff", "unmanaged.task_c2")]
    waves = [[change.address for change in wave] for wave in delete_waves(changes)]
    assert waves == [
        ["unmanaged.note_c1", "note.kickoff"], ["task.call", "unmanaged.task_c2"], ["opportunity.deal"], ["account.acme"],
    ]
