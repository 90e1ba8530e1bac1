"""`lfsync plan`: show what apply would change."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from pathlib import Path

import click

from lfsync.commands import options
from lfsync.commands.output import append_step_summary, print_lines, say, stdout
from lfsync.errors import display_path
from lfsync.owners import has_owner_emails, with_member_ids
from lfsync.plan import Plan, PlanOptions
from lfsync.render import render_json, render_markdown, render_text
from lfsync.state import load_state
from lfsync.target import open_client
from lfsync.workflow import build_plan, check_access, load_inputs, read_target

EXIT_CHANGES = 2


@click.command()
@options.project_dir
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Save the plan for `lfsync apply FILE`.")
@click.option("--format", "output_format", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when there are none.")
@options.refresh
@options.prune
@options.adopt
def plan(directory: Path, out: Path | None, output_format: str, detailed_exitcode: bool, refresh: bool, prune: bool, adopt: bool) -> None:
    """Show the changes apply would make (nothing is sent but reads)."""
    inputs = load_inputs(directory)
    state = load_state(inputs.project)
    plan_options = PlanOptions(prune=prune, adopt=adopt, refresh=refresh)
    matches = remote = None
    if adopt or refresh or has_owner_emails(inputs.desired):
        inputs, matches, remote = asyncio.run(_read_remote(inputs, state, plan_options))
    result = build_plan(inputs, state, plan_options, matches=matches, remote=remote)
    full_plan = display_path(out) if out is not None else None
    show_plan(result, output_format, full_plan=full_plan)
    append_step_summary(render_markdown(result, full_plan=full_plan))
    if out is not None:
        result.save(out)
        if output_format == "text":
            say(f"Saved the plan to: {display_path(out)}")
            say(f"To perform exactly these actions, run: lfsync apply {display_path(out)}")
    if result.problems:
        sys.exit(1)
    if detailed_exitcode and result.has_changes:
        sys.exit(EXIT_CHANGES)


async def _read_remote(inputs, state, plan_options: PlanOptions):
    async with open_client(inputs.project) as client:
        await check_access(client, inputs.project)
        inputs = dataclasses.replace(inputs, desired=await with_member_ids(client, inputs.desired))
        return (inputs, *await read_target(client, inputs, state, plan_options))


def show_plan(result: Plan, output_format: str, *, full_plan: str | None = None) -> None:
    if output_format == "json":
        stdout().out(render_json(result), end="")
    elif output_format == "markdown":
        stdout().out(render_markdown(result, full_plan=full_plan), end="")
    else:
        print_lines(render_text(result))
