"""`lfsync apply`: settle what an interrupted apply left, then make the planned changes."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

import click

from lfsync.api.halting import GRACE_SECONDS
from lfsync.commands import options
from lfsync.commands.output import (
    append_step_summary,
    error,
    is_interactive,
    print_lines,
    say,
    show_plan,
    show_warnings,
    stderr,
    warn,
)
from lfsync.errors import EXIT_BUG, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, LfsyncError, display_path
from lfsync.operations.applying import ApplyRequest, ApplyResult, apply_project, apply_request
from lfsync.operations.terminal import Interruptible
from lfsync.operations.workspaces import apply_workspaces, selected_workspaces
from lfsync.plan.model import Plan, PlanOptions
from lfsync.plan.wording import records_word
from lfsync.ui.applysummary import apply_summary, apply_summary_markdown
from lfsync.ui.progress import BarProgress, PlainProgress, Progress, ReadsOnScreen, SharedProgress
from lfsync.ui.rollup import Ending, Status, failure_ending, rollup_lines, worst_exit_code


@click.command()
@click.argument(
    "dir_or_plan", required=False, default=".", type=click.Path(exists=True, path_type=Path), metavar="[DIR|PLANFILE]"
)
@options.auto_approve
@options.concurrency
@options.refresh
@options.prune
@options.adopt
@options.target
@options.exclude
@options.allow_large_change
@options.reanchor
@options.lock_timeout
@options.workspaces
@options.all_workspaces
@options.variables
def apply(
    dir_or_plan: Path, auto_approve: bool, concurrency: int, refresh: bool | None, prune: bool, adopt: bool,
    targets: tuple[str, ...], excludes: tuple[str, ...], allow_large_change: bool, reanchor: bool, lock_timeout: float,
    workspaces: tuple[str, ...], all_workspaces: bool,
) -> int:
    """Make the changes a plan shows: from DIR (planned now) or a saved PLANFILE."""
    request = apply_request(
        dir_or_plan, PlanOptions(
            prune=prune, adopt=adopt, refresh=refresh is not False, target=list(targets), exclude=list(excludes), reanchor=reanchor,
        ),
        concurrency=concurrency, lock_timeout=lock_timeout, auto_approve=auto_approve,
        in_workspaces=bool(workspaces or all_workspaces), allow_large_change=allow_large_change,
        refresh_given=refresh is not None,
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
        # Only apply takes a saved plan (reviewed, then applied without a question); destroy and reset plan anew.
        instead = ", or apply a saved plan" if command == "apply" else ""
        raise LfsyncError(f"{command} is not on a terminal and cannot ask for confirmation: pass --auto-approve{instead}")
    if workspaces is None:
        return render_result(apply_project(request, Terminal()))
    together = Together(Terminal().progress())
    try:
        outcomes = apply_workspaces(request, workspaces, lambda name: WorkspaceTerminal(name, together))
    finally:
        together.progress.finish()
    endings: list[Ending] = []
    bug: BaseException | None = None
    for name, outcome in outcomes.items():
        say("")
        say(f"Workspace {name}:", "bold")
        if isinstance(outcome, ApplyResult):
            endings.append(applied_ending(name, outcome, render_result(outcome)))
            continue
        failure = outcome if isinstance(outcome, BaseException) else TypeError(f"applying gave {type(outcome).__name__}")
        ending = failure_ending(name, failure)
        if ending.exit_code == EXIT_BUG:
            bug = bug or failure
        error(f"workspace {name}: {ending.detail}")
        endings.append(ending)
    print_lines(rollup_lines(endings))
    if bug is not None:
        raise bug  # a bug in lfsync: exit 3 with its crash report, after every workspace was shown
    return worst_exit_code(endings)


def applied_ending(name: str, result: ApplyResult, exit_code: int) -> Ending:
    """How one workspace's apply ended, for the roll-up."""
    report = result.report
    if report is None:
        return Ending(name, Status.NOT_REACHED, "not confirmed; nothing was sent", exit_code)
    sent = sum(len(addresses) for addresses in report.done.values()) + len(report.failed) + len(report.unsettled)
    if (report.interrupted or report.terminated) and not sent:
        return Ending(name, Status.NOT_REACHED, "interrupted before anything was sent; the next apply makes the changes", exit_code)
    if report.failed or report.unsettled:
        first = next(iter({**report.failed, **report.unsettled}.items()))
        count = len(report.failed) + len(report.unsettled)
        return Ending(name, Status.FAILED, f"{count} change(s) failed; first {first[0]}: {first[1]}", exit_code)
    if report.interrupted or report.terminated:
        return Ending(name, Status.FAILED, f"interrupted: {len(report.not_started) + len(report.in_flight)} change(s) left for the next apply", exit_code)
    made = ", ".join(f"{len(addresses)} {outcome}" for outcome, addresses in report.done.items() if addresses) or "nothing to change"
    return Ending(name, Status.SUCCEEDED, made, exit_code)


def render_result(result: ApplyResult) -> int:
    show_warnings(result.declared.declarations.warnings)
    if result.report is None:
        say("Apply cancelled.")
        return EXIT_ERROR
    if not result.plan.changes:
        say("Apply complete! Nothing to change.", "bold green")
        return EXIT_OK
    project = result.declared.project
    # The embedded local API serves no pages: its links would point at nothing running
    no_pages = (
        f"target local: no {records_word(result.plan, plural=False)} pages are served; `lfsync emulator serve --db {display_path(project.local_db_path)}` "
        "serves them" if project.is_local else None
    )
    locations = {a: d.location for a, d in result.declared.desired.items() if d.location}
    errors, lines = apply_summary(result.report, locations, no_pages)
    for message in errors:
        error(message)
    print_lines(lines)
    report = result.report
    append_step_summary(lambda: apply_summary_markdown(report))
    if report.terminated:
        return EXIT_INTERRUPTED
    return EXIT_OK if report.ok else EXIT_ERROR


def _markdown(plan: Plan) -> str:
    """The plan in markdown for a CI step summary; its renderer (and diagrams) imported only then."""
    from lfsync.ui.markdown import render_markdown

    return render_markdown(plan)


class Terminal(ReadsOnScreen):
    """The apply workflow's edge (operations' ApplyTerminal): what it shows, asks and listens for."""

    def settling(self, count: int) -> None:
        say(f"Settling {count} operation(s) left by an interrupted apply...")

    def settled(self, lines: list[str]) -> None:
        for line in lines:
            say(f"  {line}")

    def show_plan(self, plan: Plan) -> None:
        show_plan(plan, "text")
        append_step_summary(lambda: _markdown(plan))

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

    def interrupts(self, applier: Interruptible) -> "InterruptStops":
        return InterruptStops(applier)


class InterruptStops:
    """While applies send: the first Ctrl-C sends nothing new and lets what is in flight finish and
    be recorded. SIGTERM (what CI sends on cancel, SIGKILL following some 10 s later) halts them:
    nothing new is sent, rate-limit and retry waits end at once, requests on the wire get
    GRACE_SECONDS and are then cut off (safe: every intent is journalled before its request, and the
    next apply settles it with the same key); the apply then exits EXIT_INTERRUPTED. A second signal
    of either kind stops at once. Shared by the applies of many workspaces: the handlers stay while
    any of them runs, and stop them all; the handlers found before are put back after."""

    def __init__(self, applier: Interruptible | None = None):
        self.appliers: list[Interruptible] = [applier] if applier is not None else []
        self.entered = 0
        self.loop = asyncio.get_running_loop()
        self._sigterm_before: Any = None

    def __enter__(self) -> "InterruptStops":
        if self.entered == 0:
            self._sigterm_before = signal.getsignal(signal.SIGTERM)
            self.loop.add_signal_handler(signal.SIGINT, self._on_interrupt)
            self.loop.add_signal_handler(signal.SIGTERM, self._on_terminate)
        self.entered += 1
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.entered -= 1
        if self.entered == 0:
            self.loop.remove_signal_handler(signal.SIGINT)
            self.loop.remove_signal_handler(signal.SIGTERM)  # leaves SIG_DFL: the handler before goes back
            signal.signal(signal.SIGTERM, self._sigterm_before if self._sigterm_before is not None else signal.SIG_DFL)

    def _stopping(self) -> bool:
        return any(applier.stop.is_set() for applier in self.appliers)

    def _on_interrupt(self) -> None:
        if self._stopping():
            os._exit(EXIT_INTERRUPTED)
        for applier in self.appliers:
            applier.stop.set()
        warn("Interrupt received: sending nothing new, waiting for the requests in flight. Press Ctrl-C again to quit at once.")

    def _on_terminate(self) -> None:
        if self._stopping():
            os._exit(EXIT_INTERRUPTED)
        for applier in self.appliers:
            applier.halt()
        warn(
            f"SIGTERM received: sending nothing new; requests in flight get {GRACE_SECONDS:g} s to be answered, "
            "then they are cut off and the next apply settles them."
        )


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

    def interrupts(self, applier: Interruptible) -> "InterruptStops":
        if self.together.interrupts is None:
            self.together.interrupts = InterruptStops()
        self.together.interrupts.appliers.append(applier)
        return self.together.interrupts
