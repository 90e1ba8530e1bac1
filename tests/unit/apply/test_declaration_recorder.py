"""DeclarationRecorder: what an apply records of each declaration (`declared_as`) is the same
whether worked out as each change succeeds or all at the end, and a record worked out early is
worked out again when its state record, or an ID its references resolve to, changed since."""

from __future__ import annotations

from lfsync.apply.declarations import DeclarationRecorder
from lfsync.declare.model import AccountDeclaration
from lfsync.errors import SourceLocation
from lfsync.plan.resources import DesiredAccount, resource_hash
from lfsync.state.records import ResourceState, StateSnapshot
from lfsync.state.workspace import State

WORKSPACE = "default"


def declaration(address: str, fields: dict, relationships: dict | None = None) -> AccountDeclaration:
    return AccountDeclaration(
        key=address.split(".", 1)[1], address=address, fields=fields, relationships=relationships or {},
        skip_enrichment=None, location=SourceLocation("accounts.yaml", 1, 1),
    )


def desired(address: str, fields: dict, relationships: dict | None = None) -> DesiredAccount:
    return DesiredAccount(address=address, fields=fields, relationships=relationships or {}, skip_enrichment=True)


def applied_record(address: str, record_id: str, payload: dict) -> ResourceState:
    return ResourceState(id=record_id, hash=resource_hash(payload, address, WORKSPACE), applied=payload)


def project():
    """Atlas (a select written as its label) owned by Globex (a reference): the canonical forms
    are option and record IDs, the declarations spell a label and an address."""
    written = {
        "account.globex": declaration("account.globex", {"$name": "Globex"}),
        "account.atlas": declaration("account.atlas", {"$name": "Atlas", "tier": "mid-market"}, {"$parent": "account.globex"}),
    }
    wanted = {
        "account.globex": desired("account.globex", {"$name": "Globex"}),
        "account.atlas": desired("account.atlas", {"$name": "Atlas", "tier": "opt_2"}, {"$parent": "account.globex"}),
    }
    return written, wanted


def state_with(resources: dict[str, ResourceState]) -> State:
    snapshot = StateSnapshot(lineage="00000000-0000-4000-8000-000000000000", workspace=WORKSPACE, target="local",
                             resources=dict(resources), serial=2)
    return State(snapshot, {}, store=None, next_seq=1, existed=True)  # the recorder writes nothing itself


def applied_state() -> State:
    return state_with({
        "account.globex": applied_record("account.globex", "acc_g1", {"fields": {"$name": "Globex"}, "relationships": {}}),
        "account.atlas": applied_record(
            "account.atlas", "acc_a1", {"fields": {"$name": "Atlas", "tier": "opt_2"}, "relationships": {"$parent": "acc_g1"}}
        ),
    })


def test_recorded_as_changes_succeed_is_recorded_at_the_end():
    written, wanted = project()
    at_the_end, as_they_land = applied_state(), applied_state()
    assert DeclarationRecorder(at_the_end, written, wanted, WORKSPACE).finish() is True
    recorder = DeclarationRecorder(as_they_land, written, wanted, WORKSPACE)
    for address in ("account.globex", "account.atlas"):
        recorder.applied(address)
    assert as_they_land.resources == applied_state().resources  # nothing stored before finish()
    assert recorder.finish() is True
    assert as_they_land.resources == at_the_end.resources
    assert as_they_land.serial == at_the_end.serial == 3  # bumped once
    atlas = as_they_land.resources["account.atlas"]
    assert atlas.declared_as == {"fields": {"tier": "mid-market"}, "relationships": {"$parent": "account.globex"}}
    assert as_they_land.snapshot.to_json() == at_the_end.snapshot.to_json()


def test_nothing_new_to_record_changes_nothing():
    written, wanted = project()
    state = applied_state()
    DeclarationRecorder(state, written, wanted, WORKSPACE).finish()
    again = DeclarationRecorder(state, written, wanted, WORKSPACE)
    again.applied("account.atlas")
    assert again.finish() is False and state.serial == 3


def test_a_record_changed_after_it_was_worked_out_is_worked_out_again():
    written, wanted = project()
    state = applied_state()
    recorder = DeclarationRecorder(state, written, wanted, WORKSPACE)
    recorder.applied("account.atlas")
    failed_update = applied_record(  # applied now holds another payload than the declaration's
        "account.atlas", "acc_a1", {"fields": {"$name": "Atlas", "tier": "opt_1"}, "relationships": {"$parent": "acc_g1"}}
    )
    state.resources["account.atlas"] = failed_update
    recorder.finish()
    assert state.resources["account.atlas"] is failed_update  # not applied as declared: nothing recorded


def test_a_reference_that_resolves_to_another_id_since_is_worked_out_again():
    written, wanted = project()
    state = applied_state()
    recorder = DeclarationRecorder(state, written, wanted, WORKSPACE)
    recorder.applied("account.atlas")  # Globex was acc_g1: Atlas's payload was its declaration's
    state.resources["account.globex"] = applied_record(
        "account.globex", "acc_g2", {"fields": {"$name": "Globex"}, "relationships": {}}
    )
    recorder.finish()
    # Atlas still points at acc_g1, which is no longer what its declaration resolves to
    assert state.resources["account.atlas"].declared_as is None
    assert state.resources["account.globex"].declared_as == {"fields": {}, "relationships": {}}
