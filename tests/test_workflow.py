"""The apply workflow without a terminal: the command edge is a recording stand-in, the API the local target."""

from __future__ import annotations

import asyncio
from contextlib import nullcontext

from lfsync.operations.workflow import ApplyRequest, apply_project, plan_project
from lfsync.plan.actions import ApplyOutcome
from lfsync.plan.model import Plan, PlanOptions
from lfsync.ui.progress import Progress


class RecordingTerminal:
    def __init__(self, approve: bool):
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

    def interrupts(self, stop: asyncio.Event):
        self.stops.append(stop)
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
