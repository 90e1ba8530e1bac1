"""`lfsync plan`: show what apply would change."""

from __future__ import annotations

from pathlib import Path

import click

from lfsync.commands import options
from lfsync.commands.output import append_step_summary, error, say, show_plan, show_warnings
from lfsync.errors import EXIT_CHANGES, EXIT_ERROR, EXIT_OK, LfsyncError, display_path
from lfsync.operations.planning import plan_project
from lfsync.operations.review import changed_state_files
from lfsync.operations.workspaces import plan_workspaces, selected_workspaces
from lfsync.plan.model import PlanOptions
from lfsync.ui.progress import ReadsOnScreen
from lfsync.ui.render import render_markdown


@click.command()
@options.project_dir
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Save the plan for `lfsync apply FILE`.")
@click.option("--format", "output_format", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when there are none.")
@options.refresh
@options.prune
@options.adopt
@click.option(
    "--base", metavar="REF",
    help="A pull request's base (e.g. origin/main): warn when the commits since it modify state files, which apply trusts.",
)
@options.workspaces
@options.all_workspaces
def plan(
    directory: Path, out: Path | None, output_format: str, detailed_exitcode: bool, refresh: bool, prune: bool, adopt: bool,
    base: str | None, workspaces: tuple[str, ...], all_workspaces: bool,
) -> int:
    """Show the changes apply would make (nothing is sent but reads)."""
    plan_options = PlanOptions(prune=prune, adopt=adopt, refresh=refresh)
    if base is not None and output_format == "json":
        raise LfsyncError("--base warns in text and markdown plans; a JSON plan holds only the plan")
    changed = changed_state_files(directory, base) if base is not None else []
    if workspaces or all_workspaces:
        if out is not None:
            raise LfsyncError("--out saves the plan of one workspace; plan each workspace on its own to save it")
        return _plan_workspaces(
            directory, plan_options, selected_workspaces(directory, workspaces, all_workspaces), output_format, detailed_exitcode, changed
        )
    declared, result = plan_project(directory, plan_options, terminal=ReadsOnScreen())
    show_warnings(declared.declarations.warnings)
    full_plan = display_path(out) if out is not None else None
    show_plan(result, output_format, full_plan=full_plan, changed_state=changed)
    append_step_summary(lambda: render_markdown(result, full_plan=full_plan, changed_state=changed))
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


def _plan_workspaces(
    directory: Path, plan_options: PlanOptions, names: list[str], output_format: str, detailed_exitcode: bool, changed: list[str]
) -> int:
    """Each workspace's plan under its name; exit 1 if any failed, else 2 (--detailed-exitcode) if any has changes."""
    failed = changes = False
    for name, outcome in plan_workspaces(directory, plan_options, names, ReadsOnScreen()).items():
        say("")
        say(f"Workspace {name}:", "bold")
        if isinstance(outcome, LfsyncError):
            error(f"workspace {name}: {outcome}")
            failed = True
            continue
        if isinstance(outcome, BaseException):
            raise outcome
        if not isinstance(outcome, tuple):  # Outcomes also holds apply's results
            raise TypeError(f"workspace {name}: planning gave {type(outcome).__name__}, not a plan")
        declared, result = outcome
        show_warnings(declared.declarations.warnings)
        show_plan(result, output_format, changed_state=changed)
        append_step_summary(lambda: render_markdown(result, changed_state=changed))
        failed = failed or bool(result.problems)
        changes = changes or result.has_changes
    if failed:
        return EXIT_ERROR
    return EXIT_CHANGES if detailed_exitcode and changes else EXIT_OK
