"""The apply workflow without a terminal: the command edge is a recording stand-in, the API the local target."""

from __future__ import annotations

import asyncio
from contextlib import nullcontext

from lfsync.operations.applying import ApplyRequest, apply_project
from lfsync.operations.planning import plan_project
from lfsync.plan.actions import ApplyOutcome
from lfsync.plan.model import Plan, PlanOptions
from lfsync.ui.progress import Progress


class RecordingReads:
    """A screen for long reads that keeps, per label, every `(read, total)` it was told."""

    def __init__(self) -> None:
        self.reads: dict[str, list[tuple[int, int]]] = {}

    def reading(self, label: str):
        told = self.reads.setdefault(label, [])
        return nullcontext(lambda read, total: told.append((read, total)))


class RecordingTerminal(RecordingReads):
    def __init__(self, approve: bool):
        super().__init__()
        self.approve = approve
        self.shown: list[Plan] = []
        self.asked = 0
        self.stops: list[asyncio.Event] = []
        self.made_progress = Progress()

    def settling(self, count: int) -> None:
        raise AssertionError("nothing to settle in a fresh project")

    def settled(self, lines: list[str]) -> None:
        raise AssertionError("nothing to settle in a fresh project")

    def show_plan(self, plan: Plan) -> None:
        self.shown.append(plan)

    def confirm(self, plan: Plan) -> bool:
        self.asked += 1
        return self.approve

    def progress(self) -> Progress:
        return self.made_progress

    def interrupts(self, applier):
        self.stops.append(applier.stop)
        return nullcontext()


def test_a_declined_apply_shows_the_plan_and_sends_nothing(project, server_accounts):
    terminal = RecordingTerminal(approve=False)
    result = apply_project(ApplyRequest(source=project, options=PlanOptions()), terminal)
    assert result.report is None and terminal.asked == 1
    assert [c.address for c in terminal.shown[0].changes] == ["account.acme", "account.acme-nordics", "account.globex"]
    assert server_accounts(project) == []


def test_an_approved_apply_executes_with_the_edges_progress_and_interrupts(project, server_accounts):
    terminal = RecordingTerminal(approve=True)
    result = apply_project(ApplyRequest(source=project, options=PlanOptions()), terminal)
    assert result.report is not None and result.report.ok
    assert len(result.report.done[ApplyOutcome.CREATED]) == 3 and terminal.made_progress.done == 3
    assert len(terminal.stops) == 1 and not terminal.stops[0].is_set()
    assert len(server_accounts(project)) == 3
    _, again = plan_project(project, PlanOptions())
    assert again.changes == []


def test_auto_approve_does_not_ask(project):
    terminal = RecordingTerminal(approve=False)
    result = apply_project(ApplyRequest(source=project, options=PlanOptions(), auto_approve=True), terminal)
    assert terminal.asked == 0 and result.report is not None and result.report.ok


def test_plan_shows_its_reads_only_through_the_terminal_it_is_given(project, capsys, monkeypatch):
    monkeypatch.setattr("lfsync.ui.progress.PLAIN_INTERVAL_SECONDS", 0.0)  # anything drawn directly would show
    adopting = RecordingReads()
    plan_project(project, PlanOptions(adopt=True), terminal=adopting)
    assert list(adopting.reads) == ["adopt: looking for existing accounts"]
    apply_project(ApplyRequest(source=project, options=PlanOptions(), auto_approve=True), RecordingTerminal(approve=True))
    refreshing = RecordingReads()
    _, plan = plan_project(project, PlanOptions(refresh=True), terminal=refreshing)
    assert plan.changes == []
    assert list(refreshing.reads) == ["refresh: listing accounts"]
    assert refreshing.reads["refresh: listing accounts"][-1] == (3, 3)
    assert capsys.readouterr().err == ""


def test_apply_shows_its_reads_through_its_terminal(project, capsys, monkeypatch):
    monkeypatch.setattr("lfsync.ui.progress.PLAIN_INTERVAL_SECONDS", 0.0)
    apply_project(ApplyRequest(source=project, options=PlanOptions(), auto_approve=True), RecordingTerminal(approve=True))
    terminal = RecordingTerminal(approve=True)
    result = apply_project(ApplyRequest(source=project, options=PlanOptions(refresh=True), auto_approve=True), terminal)
    assert result.plan.changes == []
    assert terminal.reads["refresh: listing accounts"][-1] == (3, 3)
    assert capsys.readouterr().err == ""
