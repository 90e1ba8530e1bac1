"""`lfsync plan`: show what apply would change."""

from __future__ import annotations

from pathlib import Path

import click

from lfsync.commands import options
from lfsync.commands.output import append_step_summary, say, show_plan
from lfsync.errors import EXIT_CHANGES, EXIT_ERROR, EXIT_OK, display_path
from lfsync.plan import PlanOptions
from lfsync.render import render_markdown
from lfsync.workflow import plan_project


@click.command()
@options.project_dir
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Save the plan for `lfsync apply FILE`.")
@click.option("--format", "output_format", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when there are none.")
@options.refresh
@options.prune
@options.adopt
def plan(directory: Path, out: Path | None, output_format: str, detailed_exitcode: bool, refresh: bool, prune: bool, adopt: bool) -> int:
    """Show the changes apply would make (nothing is sent but reads)."""
    _, result = plan_project(directory, PlanOptions(prune=prune, adopt=adopt, refresh=refresh))
    full_plan = display_path(out) if out is not None else None
    show_plan(result, output_format, full_plan=full_plan)
    append_step_summary(render_markdown(result, full_plan=full_plan))
    if out is not None:
        result.save(out)
        if output_format == "text":
            say(f"Saved the plan to: {display_path(out)}")
            say(f"To perform exactly these actions, run: lfsync apply {display_path(out)}")
    if result.problems:
        return EXIT_ERROR
    if detailed_exitcode and result.has_changes:
        return EXIT_CHANGES
    return EXIT_OK
