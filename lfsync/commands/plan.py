"""`lfsync plan`: show what apply would change."""

from __future__ import annotations

from pathlib import Path

import click

from lfsync.commands import options
from lfsync.commands.output import (
    append_step_summary,
    error,
    print_lines,
    say,
    show_plan,
    show_warnings,
    stderr,
    write_out_bytes,
)
from lfsync.errors import EXIT_BUG, EXIT_CHANGES, EXIT_ERROR, EXIT_OK, LfsyncError, display_path
from lfsync.operations.declared_project import DeclaredProject
from lfsync.operations.planning import plan_project
from lfsync.operations.review import changed_state_files
from lfsync.operations.workspaces import plan_workspaces, selected_workspaces
from lfsync.plan.blast_radius import large_change_warning, managed_noun
from lfsync.plan.model import Plan, PlanOptions
from lfsync.ui.markdown import render_markdown
from lfsync.ui.planjson import plan_json
from lfsync.ui.progress import ReadsOnScreen
from lfsync.ui.rollup import Ending, Status, error_json, failure_ending, rollup_lines, workspaces_json, worst_exit_code


@click.command()
@options.project_dir
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Save the plan for `lfsync apply FILE`.")
@click.option("--format", "output_format", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when there are none.")
@options.refresh
@options.prune
@options.adopt
@options.target
@options.exclude
@options.allow_large_change
@options.reanchor
@click.option(
    "--base", metavar="REF",
    help="A pull request's base (e.g. origin/main): warn when the commits since it modify state files, which apply trusts.",
)
@options.workspaces
@options.all_workspaces
@options.variables
def plan(
    directory: Path, out: Path | None, output_format: str, detailed_exitcode: bool, refresh: bool | None, prune: bool,
    adopt: bool, targets: tuple[str, ...], excludes: tuple[str, ...], allow_large_change: bool, reanchor: bool,
    base: str | None, workspaces: tuple[str, ...], all_workspaces: bool,
) -> int:
    """Show the changes apply would make (nothing is sent but reads)."""
    plan_options = PlanOptions(
        prune=prune, adopt=adopt, refresh=refresh is not False, target=list(targets), exclude=list(excludes), reanchor=reanchor,
    )
    warn_large = detailed_exitcode and not allow_large_change
    required = refresh is True
    if base is not None and output_format == "json":
        raise LfsyncError("--base warns in text and markdown plans; a JSON plan holds only the plan")
    changed = changed_state_files(directory, base) if base is not None else []
    if workspaces or all_workspaces:
        if out is not None:
            raise LfsyncError("--out saves the plan of one workspace; plan each workspace on its own to save it")
        return _plan_workspaces(
            directory, plan_options, selected_workspaces(directory, workspaces, all_workspaces), output_format, detailed_exitcode,
            changed, warn_large, required,
        )
    declared, result = plan_project(directory, plan_options, terminal=ReadsOnScreen(), refresh_required=required)
    _warn_if_large(declared, result, warn_large)
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


def _warn_if_large(declared: DeclaredProject, result: Plan, warn: bool) -> None:
    """`--detailed-exitcode` without `--allow-large-change`: the plan carries the warning that apply
    will refuse it as too large for the workspace's max_change_fraction."""
    if warn:
        result.large_change = large_change_warning(
            result, declared.project.max_change_fraction, managed_noun(declared.declarations.accounts)
        )


def _plan_workspaces(
    directory: Path, plan_options: PlanOptions, names: list[str], output_format: str, detailed_exitcode: bool, changed: list[str],
    warn_large: bool,
    refresh_required: bool,
) -> int:
    """Each workspace's plan under its name, then the roll-up; the exit code is the worst ending's
    (1 if any failed, else 2 with --detailed-exitcode if any has changes). With --format json,
    stdout holds one JSON object keyed by workspace and nothing else (the roll-up goes to stderr)."""
    as_json = output_format == "json"
    endings: list[Ending] = []
    documents: dict[str, bytes] = {}
    bug: BaseException | None = None
    for name, outcome in plan_workspaces(directory, plan_options, names, ReadsOnScreen(), refresh_required=refresh_required).items():
        if not as_json:
            say("")
            say(f"Workspace {name}:", "bold")
        if isinstance(outcome, tuple):
            declared, result = outcome
            _warn_if_large(declared, result, warn_large)
            show_warnings(declared.declarations.warnings)
            if as_json:
                documents[name] = plan_json(result)
            else:
                show_plan(result, output_format, changed_state=changed)
            append_step_summary(lambda: render_markdown(result, changed_state=changed))
            endings.append(_plan_ending(name, result, detailed_exitcode))
            continue
        failure = outcome if isinstance(outcome, BaseException) else TypeError(f"planning gave {type(outcome).__name__}")
        ending = failure_ending(name, failure)
        if ending.exit_code == EXIT_BUG:
            bug = bug or failure
        error(f"workspace {name}: {ending.detail}")
        documents[name] = error_json(ending.detail)
        endings.append(ending)
    if as_json:
        write_out_bytes(workspaces_json(documents), b"\n")
    print_lines(rollup_lines(endings), stderr() if as_json else None)
    if bug is not None:
        raise bug  # a bug in lfsync: exit 3 with its crash report, after every workspace was shown
    return worst_exit_code(endings)


def _plan_ending(name: str, result: Plan, detailed_exitcode: bool) -> Ending:
    if result.problems:
        return Ending(name, Status.FAILED, f"the plan has {len(result.problems)} error(s)", EXIT_ERROR)
    summary = "changes planned" if result.has_changes else "no changes"
    return Ending(name, Status.SUCCEEDED, summary, EXIT_CHANGES if detailed_exitcode and result.has_changes else EXIT_OK)
