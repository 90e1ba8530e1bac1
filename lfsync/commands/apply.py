"""`lfsync apply`: settle what an interrupted apply left, then make the planned changes."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import sys
from pathlib import Path

import click

from lfsync.applier import DEFAULT_CONCURRENCY, Applier, ApplyReport
from lfsync.commands import options
from lfsync.commands.output import append_step_summary, error, is_interactive, say, stderr, warn
from lfsync.commands.plan import show_plan
from lfsync.errors import LfsyncError
from lfsync.owners import with_member_ids
from lfsync.plan import Plan, PlanOptions, load_plan, staleness
from lfsync.render import render_markdown
from lfsync.protection import record_protection
from lfsync.progress import BarProgress, PlainProgress, Progress
from lfsync.recovery import settle_pending
from lfsync.state import State, locked_state
from lfsync.target import open_client
from lfsync.workflow import Inputs, build_plan, check_access, load_inputs, read_target

LINKS_SHOWN = 5


@click.command()
@click.argument("target", required=False, default=".", type=click.Path(exists=True, path_type=Path), metavar="[DIR|PLANFILE]")
@click.option("--auto-approve", is_flag=True, help="Skip the confirmation (needed when not on a terminal).")
@click.option("--concurrency", type=click.IntRange(1, 64), default=DEFAULT_CONCURRENCY, show_default=True, help="Requests in flight at once.")
@options.refresh
@options.prune
@options.adopt
@options.lock_timeout
def apply(target: Path, auto_approve: bool, concurrency: int, refresh: bool, prune: bool, adopt: bool, lock_timeout: float) -> None:
    """Make the changes a plan shows: from DIR (planned now) or a saved PLANFILE."""
    saved = load_plan(target) if target.is_file() else None
    if saved is None and not auto_approve and not is_interactive():
        raise LfsyncError("apply is not on a terminal and cannot ask for confirmation: pass --auto-approve, or apply a saved plan")
    if saved is not None and (refresh or prune or adopt):
        raise LfsyncError("--refresh, --prune and --adopt belong to `lfsync plan`; a saved plan is applied with the options it was made with")
    inputs = load_inputs(_saved_project_dir(saved) if saved else target)
    plan_options = saved.options if saved else PlanOptions(prune=prune, adopt=adopt, refresh=refresh)
    with locked_state(inputs.project, "apply", lock_timeout) as state:
        report = asyncio.run(
            _apply(inputs, state, saved, plan_options, auto_approve=auto_approve or saved is not None, concurrency=concurrency)
        )
    if report is None or not report.ok:
        sys.exit(1)


async def _apply(
    inputs: Inputs, state: State, saved: Plan | None, plan_options: PlanOptions, *, auto_approve: bool, concurrency: int
) -> ApplyReport | None:
    if saved is not None:
        reason = staleness(
            saved, lineage=state.lineage, serial=state.serial, digest=inputs.declarations.digest,
            workspace=inputs.project.workspace, target=inputs.project.target,
        )
        if reason:
            raise LfsyncError(f"the saved plan is stale: {reason}. Run `lfsync plan` again.")
    async with open_client(inputs.project, concurrency=concurrency) as client:
        await check_access(client, inputs.project)
        inputs = dataclasses.replace(inputs, desired=await with_member_ids(client, inputs.desired))
        if state.pending:
            say(f"Settling {len(state.pending)} operation(s) left by an interrupted apply...")
            recovered = await settle_pending(client, state)
            state.compact()
            for line in recovered.settled + recovered.dropped:
                say(f"  {line}")
        matches, remote = await read_target(client, inputs, state, plan_options)
        current = build_plan(inputs, state, plan_options, matches=matches, remote=remote)
        if saved is not None:
            _check_within(current, saved)
        show_plan(current, "text")
        append_step_summary(render_markdown(current))
        if current.problems:
            raise LfsyncError("the plan has errors (above); nothing was applied")
        if not current.changes:
            if record_protection(state, inputs.desired):
                state.compact()
            say("Apply complete! Nothing to change.", "bold green")
            return ApplyReport()
        if not auto_approve and not _confirmed():
            say("Apply cancelled.")
            return None
        applier = Applier(client, state, inputs.desired, inputs.project.workspace, concurrency=concurrency,
                          progress=_progress())
        with _interrupt_stops(applier.stop):
            report = await applier.execute(current.changes)
        record_protection(state, inputs.desired)
        state.compact()
    _summarise(report, inputs)
    return report


def _saved_project_dir(saved: Plan) -> Path:
    """Saved plans name their project relative to where plan ran, so CI can apply them in another checkout."""
    directory = Path(saved.project_dir)
    if not directory.is_dir():
        raise LfsyncError(
            f"the saved plan belongs to the project in {saved.project_dir!r}, which is not a directory here; "
            "run apply from where plan ran"
        )
    return directory


def _check_within(current: Plan, saved: Plan) -> None:
    """Apply nothing the saved plan did not show (settling interrupted work may have done some of it)."""
    approved = {(c.address, c.action): c for c in saved.changes}
    for change in current.changes:
        match = approved.get((change.address, change.action))
        if match is None or match.model_dump(exclude={"depends_on"}) != change.model_dump(exclude={"depends_on"}):
            raise LfsyncError(
                f"the saved plan is stale: {change.address} now needs a {change.action} it did not show. "
                "Run `lfsync plan` again."
            )


def _confirmed() -> bool:
    say("")
    say("Do you want to perform these actions?", "bold")
    say("  lfsync will perform the actions described above.")
    say("  Only 'yes' will be accepted to approve.")
    answer = click.prompt("  Enter a value", default="", show_default=False)
    return answer.strip() == "yes"


def _progress() -> Progress:
    console = stderr()
    return BarProgress(console) if console.is_terminal else PlainProgress()


class _interrupt_stops:
    """First Ctrl-C: send nothing new, finish and record what is in flight. Second: stop at once
    (safe: every intent is already in the journal and is settled by the next apply)."""

    def __init__(self, stop: asyncio.Event):
        self.stop = stop
        self.loop = asyncio.get_running_loop()

    def __enter__(self):
        self.loop.add_signal_handler(signal.SIGINT, self._on_interrupt)
        self.loop.add_signal_handler(signal.SIGTERM, self._on_interrupt)
        return self

    def __exit__(self, *exc_info):
        self.loop.remove_signal_handler(signal.SIGINT)
        self.loop.remove_signal_handler(signal.SIGTERM)

    def _on_interrupt(self) -> None:
        if self.stop.is_set():
            os._exit(130)
        self.stop.set()
        warn("Interrupt received: sending nothing new, waiting for the requests in flight. Press Ctrl-C again to quit at once.")


def _summarise(report: ApplyReport, inputs: Inputs) -> None:
    counts = ", ".join(f"{len(report.done[k])} {k}" for k in ("created", "updated", "deleted", "adopted") if report.done[k] or k != "adopted")
    failures = len(report.failed) + len(report.unsettled)
    for address, message in sorted({**report.failed, **report.unsettled}.items()):
        where = inputs.desired[address].location if address in inputs.desired else None
        error(f"{address}{f' ({where})' if where else ''}: {message}")
    if report.interrupted:
        say(f"Apply interrupted: {counts}. What was sent is recorded in state; run apply again to finish.", "bold yellow")
    elif failures:
        say(f"Apply finished with errors: {counts}, {failures} failed.", "bold red")
    else:
        say(f"Apply complete! Resources: {counts}.", "bold green")
    append_step_summary(f"**lfsync apply: {'interrupted' if report.interrupted else 'finished with errors' if failures else 'complete'}** ({counts}, {failures} failed)\n")
    if report.retried:
        say(f"({report.retried} request(s) retried with the same idempotency key.)")
    links = [(a, link) for a, link in report.links.items() if link][:LINKS_SHOWN]
    for address, link in links:
        say(f"  {address}: {link}")
    if len(report.links) > len(links):
        say(f"  ... and {len(report.links) - len(links)} more (see `lfsync state show ADDRESS`)")
