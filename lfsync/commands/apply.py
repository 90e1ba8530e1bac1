"""`lfsync apply`: settle what an interrupted apply left, then make the planned changes."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import click

from lfsync.commands import options
from lfsync.commands.output import (
    append_step_summary,
    error,
    is_interactive,
    print_lines,
    say,
    show_plan,
    stderr,
    warn,
)
from lfsync.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, LfsyncError
from lfsync.operations.applying import ApplyRequest, ApplyResult, apply_project, apply_request
from lfsync.operations.workspaces import apply_workspaces, selected_workspaces
from lfsync.plan.model import Plan, PlanOptions
from lfsync.ui.progress import BarProgress, PlainProgress, Progress, ReadsOnScreen, SharedProgress
from lfsync.ui.render import apply_summary, apply_summary_markdown, render_markdown


@click.command()
@click.argument(
    "dir_or_plan", required=False, default=".", type=click.Path(exists=True, path_type=Path), metavar="[DIR|PLANFILE]"
)
@options.auto_approve
@options.concurrency
@options.refresh
@options.prune
@options.adopt
@options.lock_timeout
@options.workspaces
@options.all_workspaces
def apply(
    dir_or_plan: Path, auto_approve: bool, concurrency: int, refresh: bool, prune: bool, adopt: bool, lock_timeout: float,
    workspaces: tuple[str, ...], all_workspaces: bool,
) -> int:
    """Make the changes a plan shows: from DIR (planned now) or a saved PLANFILE."""
    request = apply_request(
        dir_or_plan, PlanOptions(prune=prune, adopt=adopt, refresh=refresh), concurrency=concurrency,
        lock_timeout=lock_timeout, auto_approve=auto_approve, in_workspaces=bool(workspaces or all_workspaces),
    )
    return run_apply(request, "apply", selected_workspaces(dir_or_plan, workspaces, all_workspaces) if workspaces or all_workspaces else None)


def run_apply(request: ApplyRequest, command: str, workspaces: list[str] | None = None) -> int:
    """Apply `request` with this terminal and render its outcome (apply, destroy and reset); with
    `workspaces`, in each of them at once, with one progress display and one summary each."""
    if request.asks_confirmation and not is_interactive():
        if request.saved is not None:
            raise LfsyncError(
                f"{command} is not on a terminal and cannot ask for confirmation, which a saved plan made with "
                "destroy, reset or --prune always needs: pass --auto-approve"
            )
        raise LfsyncError(f"{command} is not on a terminal and cannot ask for confirmation: pass --auto-approve, or apply a saved plan")
    if workspaces is None:
        return render_result(apply_project(request, Terminal()))
    together = Together(Terminal().progress())
    outcomes = apply_workspaces(request, workspaces, lambda name: WorkspaceTerminal(name, together))
    exit_code = EXIT_OK
    for name, outcome in outcomes.items():
        say("")
        say(f"Workspace {name}:", "bold")
        if isinstance(outcome, LfsyncError):
            error(f"workspace {name}: {outcome}")
            exit_code = EXIT_ERROR
        elif isinstance(outcome, BaseException):
            raise outcome
        elif isinstance(outcome, ApplyResult) and render_result(outcome) != EXIT_OK:
            exit_code = EXIT_ERROR
    return exit_code


def render_result(result: ApplyResult) -> int:
    if result.report is None:
        say("Apply cancelled.")
        return EXIT_ERROR
    if not result.plan.changes:
        say("Apply complete! Nothing to change.", "bold green")
        return EXIT_OK
    errors, lines = apply_summary(result.report, {a: d.location for a, d in result.declared.desired.items() if d.location})
    for message in errors:
        error(message)
    print_lines(lines)
    report = result.report
    append_step_summary(lambda: apply_summary_markdown(report))
    return EXIT_OK if report.ok else EXIT_ERROR


class Terminal(ReadsOnScreen):
    """The apply workflow's edge (operations' ApplyTerminal): what it shows, asks and listens for."""

    def settling(self, count: int) -> None:
        say(f"Settling {count} operation(s) left by an interrupted apply...")

    def settled(self, lines: list[str]) -> None:
        for line in lines:
            say(f"  {line}")

    def show_plan(self, plan: Plan) -> None:
        show_plan(plan, "text")
        append_step_summary(lambda: render_markdown(plan))

    def confirm(self, plan: Plan) -> bool:
        say("")
        say("Do you want to perform these actions?", "bold")
        say("  lfsync will perform the actions described above.")
        say("  Only 'yes' will be accepted to approve.")
        answer = click.prompt("  Enter a value", default="", show_default=False)
        return answer.strip() == "yes"

    def progress(self) -> Progress:
        console = stderr()
        return BarProgress(console) if console.is_terminal else PlainProgress()

    def interrupts(self, stop: asyncio.Event) -> "InterruptStops":
        return InterruptStops(stop)


class InterruptStops:
    """First Ctrl-C: send nothing new, finish and record what is in flight. Second: stop at once
    (safe: every intent is already in the journal and is settled by the next apply). Shared by the
    applies of many workspaces: the handlers stay while any of them runs, and stop them all."""

    def __init__(self, stop: asyncio.Event | None = None):
        self.stops: list[asyncio.Event] = [stop] if stop is not None else []
        self.entered = 0
        self.loop = asyncio.get_running_loop()

    def __enter__(self) -> "InterruptStops":
        if self.entered == 0:
            self.loop.add_signal_handler(signal.SIGINT, self._on_interrupt)
            self.loop.add_signal_handler(signal.SIGTERM, self._on_interrupt)
        self.entered += 1
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.entered -= 1
        if self.entered == 0:
            self.loop.remove_signal_handler(signal.SIGINT)
            self.loop.remove_signal_handler(signal.SIGTERM)

    def _on_interrupt(self) -> None:
        if any(stop.is_set() for stop in self.stops):
            os._exit(EXIT_INTERRUPTED)
        for stop in self.stops:
            stop.set()
        warn("Interrupt received: sending nothing new, waiting for the requests in flight. Press Ctrl-C again to quit at once.")


class Together:
    """What the applies of many workspaces share: one progress display, one Ctrl-C."""

    def __init__(self, display: Progress):
        self.progress = SharedProgress(display)
        self.interrupts: InterruptStops | None = None


class WorkspaceTerminal(Terminal):
    """The terminal of one workspace among several: its plan headed by its name, shared progress."""

    def __init__(self, name: str, together: Together):
        self.name = name
        self.together = together

    def show_plan(self, plan: Plan) -> None:
        say("")
        say(f"Workspace {self.name} ({plan.target}):", "bold")
        super().show_plan(plan)

    def confirm(self, plan: Plan) -> bool:
        say(f"(workspace {self.name})")
        return super().confirm(plan)

    def progress(self) -> Progress:
        return self.together.progress.part()

    def interrupts(self, stop: asyncio.Event) -> "InterruptStops":
        if self.together.interrupts is None:
            self.together.interrupts = InterruptStops()
        self.together.interrupts.stops.append(stop)
        return self.together.interrupts
