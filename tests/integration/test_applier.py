"""The applier on its own: plans executed through lfsync's client against the in-process emulator."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from lfsync.api.client import LightfieldClient, RetryPolicy
from lfsync.apply.applier import Applier
from lfsync.emulator import EmulatorConfig, create_app
from lfsync.operations.declared_project import learn_organisation, load_declared
from lfsync.operations.planning import build_plan, read_remote
from lfsync.plan.actions import Action, ApplyOutcome
from lfsync.plan.model import PlanOptions, RemoteRecord
from lfsync.state.records import CreateIntent
from lfsync.state.workspace import load_state, locked_state
from lfsync.ui.progress import Progress

from wire import on_app

FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.01)
ACCOUNTS = """
accounts:
  parent:
    fields: {$name: Parent Co}
  child:
    fields: {$name: Child Co, icp-score: 10}
    relationships: {parentAccount: account.parent}
"""


class Emulator:
    """One in-process emulator; `client()` opens lfsync's client on it."""

    def __init__(self, **config):
        self.app = create_app(EmulatorConfig(**config))

    def client(self) -> LightfieldClient:
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        return LightfieldClient("http://emulator", "sk_lf_local_dev", transport=transport, read_retry=FAST_RETRY)


def apply(project, emulator: Emulator, options: PlanOptions = PlanOptions(), progress: Progress | None = None):
    """Plan (reading the emulator with --refresh) and execute; returns (plan, report). Values are
    checked against a fault-free emulator's organisation (the same fixture)."""
    async def run():
        async with Emulator().client() as reader:
            declared = await learn_organisation(reader, load_declared(project))
        async with emulator.client() as client:
            with locked_state(declared.project, "test") as state:
                remote = await read_remote(client, declared, state, options)
                plan = build_plan(declared, state, options, remote)
                applier = Applier(client, state, declared.desired, "default", retry=FAST_RETRY, progress=progress)
                report = await applier.execute(plan.changes)
                state.compact()
                return plan, report

    return asyncio.run(run())


def on_server(emulator: Emulator, call):
    """`await call(api)` on the emulator over plain HTTP (tests/wire.py): what the server holds."""

    async def run():
        async with on_app(emulator.app) as api:
            return await call(api)

    return asyncio.run(run())


@pytest.fixture
def emulator() -> Emulator:
    return Emulator()


def test_creates_parents_first_and_records_every_id(make_project, emulator):
    project = make_project({"accounts.yaml": ACCOUNTS})
    plan, report = apply(project, emulator)
    assert [c.action for c in plan.changes] == [Action.CREATE, Action.CREATE]
    assert report.ok and sorted(report.done[ApplyOutcome.CREATED]) == ["account.child", "account.parent"]
    state = load_state(load_declared(project).project)
    child = on_server(emulator, lambda api: api.retrieve_account(state.resources["account.child"].id))
    assert child["relationships"]["parentAccount"]["directions"]["asSource"]["values"] == [
        state.resources["account.parent"].id
    ]
    assert report.links["account.child"].endswith(state.resources["account.child"].id)


def test_update_sends_only_the_change_and_delete_trashes(make_project, emulator):
    project = make_project({"accounts.yaml": ACCOUNTS})
    apply(project, emulator)
    (project / "accounts.yaml").write_text(
        "accounts:\n  child:\n    fields: {$name: Child Co, icp-score: 11}\n", encoding="utf-8"
    )
    plan, report = apply(project, emulator, PlanOptions(prune=True))
    assert {c.address: c.action for c in plan.changes} == {"account.child": Action.UPDATE, "account.parent": Action.DELETE}
    assert report.ok
    assert report.done[ApplyOutcome.UPDATED] == ["account.child"] and report.done[ApplyOutcome.DELETED] == ["account.parent"]
    state = load_state(load_declared(project).project)
    child = on_server(emulator, lambda api: api.retrieve_account(state.resources["account.child"].id))
    assert child["fields"]["icp-score"]["value"] == 11 and "account.parent" not in state.resources


def test_a_restore_is_counted_in_the_report_and_the_progress(make_project, emulator):
    project = make_project({"accounts.yaml": ACCOUNTS})
    apply(project, emulator)
    parent_id = load_state(load_declared(project).project).resources["account.parent"].id
    on_server(emulator, lambda api: api.delete_account(parent_id))
    progress = Progress()
    plan, report = apply(project, emulator, PlanOptions(refresh=True), progress)
    assert [(c.address, c.action) for c in plan.changes] == [("account.parent", Action.RESTORE)]
    assert report.ok and report.done[ApplyOutcome.RESTORED] == ["account.parent"]
    assert progress.counts[ApplyOutcome.RESTORED] == 1 and progress.done == progress.total == 1
    listed = on_server(emulator, lambda api: api.list_all_accounts())
    assert parent_id in {record["id"] for record in listed}


def test_a_refused_create_fails_that_account_and_its_dependents_only(make_project, emulator):
    project = make_project({"accounts.yaml": ACCOUNTS + "  other:\n    fields: {$name: Other, no-such-field: 1}\n"
                            "  fine:\n    fields: {$name: Fine}\n"})
    declared = load_declared(project)
    # The parent's create is refused by the API (a 4xx): make it carry a field the organisation lacks.
    declared.desired["account.parent"].fields["no-such-field"] = 1
    progress = Progress()
    told: list[tuple[str, str]] = []  # (address, its ID in state then): what on_applied heard, when

    async def run():
        async with emulator.client() as client:
            with locked_state(declared.project, "test") as state:
                plan = build_plan(declared, state)
                def heard(address: str) -> None:
                    told.append((address, state.resources[address].id))

                report = await Applier(client, state, declared.desired, "default", retry=FAST_RETRY,
                                       progress=progress, on_applied=heard).execute(plan.changes)
                state.compact()
                return report

    report = asyncio.run(run())
    assert [address for address, _ in told] == ["account.fine"]  # the successes only, each once it is in state
    assert set(report.failed) == {"account.parent", "account.child", "account.other"}
    assert "unknown_field" in report.failed["account.parent"]
    assert "depends on account.parent, which failed" in report.failed["account.child"]
    assert report.done[ApplyOutcome.CREATED] == ["account.fine"] and not report.ok
    assert progress.counts[ApplyOutcome.FAILED] == 3 and progress.done == 4
    state = load_state(declared.project)
    assert list(state.resources) == ["account.fine"] and state.pending == {}  # refusals are settled


def test_retries_that_run_out_leave_the_intent_for_the_next_apply(make_project):
    project = make_project({"accounts.yaml": "accounts:\n  solo:\n    fields: {$name: Solo}\n"})
    plan, report = apply(project, Emulator(fail_rate=1.0))
    assert list(report.unsettled) == ["account.solo"] and "gave up after 3 attempts" in report.unsettled["account.solo"]
    assert report.retried == 2 and not report.ok
    pending = list(load_state(load_declared(project).project).pending.values())
    assert len(pending) == 1 and isinstance(pending[0], CreateIntent) and pending[0].address == "account.solo"


def test_a_delete_of_an_account_already_gone_counts_as_deleted(make_project, emulator):
    project = make_project({"accounts.yaml": "accounts:\n  solo:\n    fields: {$name: Solo}\n"})
    apply(project, emulator)
    (project / "accounts.yaml").write_text("accounts: {}\n", encoding="utf-8")
    declared = load_declared(project)
    with locked_state(declared.project, "test") as state:
        # An ID the server never had: its delete answers 404, which means it is gone already.
        state.snapshot.resources["account.solo"] = state.resources["account.solo"].model_copy(
            update={"id": "acc_c00000000000000000000"}
        )
        state.compact()
    plan, report = apply(project, emulator, PlanOptions(prune=True))
    assert [c.action for c in plan.changes] == [Action.DELETE]
    assert report.ok and report.done[ApplyOutcome.DELETED] == ["account.solo"]
    assert load_state(declared.project).resources == {}


def test_remote_record_is_a_plan_input_the_planner_takes_without_the_client():
    import subprocess
    import sys

    code = "import sys, lfsync.plan.planner; print(sorted(m for m in ('lfsync.api.client', 'lfsync.remote.refresh', 'httpx') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert RemoteRecord("trashed").observed == {}


class StopAfterFirst(Progress):
    """Ctrl-C as the first answer arrives: what was not sent yet is "not started", not failed."""

    def __init__(self, interrupt: asyncio.Event):
        super().__init__()
        self.interrupt = interrupt

    def count(self, outcome: ApplyOutcome) -> None:
        super().count(outcome)
        self.interrupt.set()


def test_an_interrupted_apply_reports_what_it_never_sent_as_not_started(make_project, emulator):
    chain = "accounts:\n  a0:\n    fields: {$name: A0}\n" + "".join(
        f"  a{i}:\n    fields: {{$name: A{i}}}\n    relationships: {{parentAccount: account.a{i - 1}}}\n" for i in range(1, 6)
    )
    project = make_project({"accounts.yaml": chain})

    async def run():
        async with emulator.client() as client:
            declared = await learn_organisation(client, load_declared(project))
            with locked_state(declared.project, "test") as state:
                plan = build_plan(declared, state)
                stop = asyncio.Event()
                applier = Applier(client, state, declared.desired, "default", retry=FAST_RETRY, stop=stop,
                                  progress=StopAfterFirst(stop))
                report = await applier.execute(plan.changes)
                state.compact()
                return report

    report = asyncio.run(run())
    assert report.interrupted and report.done[ApplyOutcome.CREATED] == ["account.a0"]
    assert sorted(report.not_started) == [f"account.a{i}" for i in range(1, 6)]
    assert report.failed == {} and report.unsettled == {}
