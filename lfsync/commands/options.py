"""Options several commands share."""

from __future__ import annotations

import math
from pathlib import Path

import click

from lfsync.apply.applier import DEFAULT_CONCURRENCY

project_dir = click.argument(
    "directory", required=False, default=".", type=click.Path(exists=True, file_okay=False, path_type=Path)
)
class Seconds(click.ParamType):
    """A finite, non-negative number of seconds (float('nan') would make a wait endless)."""

    name = "seconds"

    def convert(self, value, param, ctx):
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not math.isfinite(seconds) or seconds < 0:
            self.fail(f"{value!r} is not a finite, non-negative number of seconds", param, ctx)
        return seconds


lock_timeout = click.option(
    "--lock-timeout", type=Seconds(), default=0.0, show_default=True, metavar="SECONDS",
    help="How long to wait for another lfsync holding the state lock.",
)
prune = click.option("--prune", is_flag=True, help="Move declared-no-more accounts in state to the trash.")
adopt = click.option("--adopt", is_flag=True, help="Adopt existing accounts with the same $name instead of creating duplicates.")
refresh = click.option(
    "--refresh/--no-refresh", default=None,
    help="Read the managed records back first and plan to correct drift: the default wherever the target can be "
    "asked (an API key, or target local). --refresh insists (no key: an error); --no-refresh skips it.",
)
workspaces = click.option(
    "--workspace", "workspaces", multiple=True, metavar="NAME",
    help="A workspace of `workspaces:` in lfsync.yaml (repeatable); several run at once.",
)
workspace = click.option(
    "--workspace", "workspace", default=None, metavar="NAME",
    help="A workspace of `workspaces:` in lfsync.yaml [default: LFSYNC_WORKSPACE, else the project's own].",
)
all_workspaces = click.option("--all-workspaces", is_flag=True, help="Every workspace of `workspaces:` in lfsync.yaml, at once.")

auto_approve = click.option("--auto-approve", is_flag=True, help="Skip the confirmation (needed when not on a terminal).")
concurrency = click.option(
    "--concurrency", type=click.IntRange(1, 64), default=DEFAULT_CONCURRENCY, show_default=True, help="Requests in flight at once."
)
reanchor = click.option(
    "--reanchor", is_flag=True,
    help="Move the anchor of relative dates (now+3d) to now: every relative date shifts by the same delta.",
)
allow_large_change = click.option(
    "--allow-large-change", is_flag=True,
    help="Apply (or plan without warning) a change to more than max_change_fraction of the managed records, for this run.",
)
target = click.option(
    "--target", "targets", multiple=True, metavar="ADDRESS",
    help="Plan only this address (repeatable; `*` globs, e.g. 'account.acme-*'), with the records it needs created first.",
)
exclude = click.option(
    "--exclude", "excludes", multiple=True, metavar="ADDRESS",
    help="Leave this address out of the plan (repeatable; `*` globs).",
)


def _command_line_vars(ctx: click.Context, param: click.Parameter, given: tuple[str, ...]) -> None:
    """--var NAME=VALUE: over lfsync.yaml's `vars:` for this command, restored when it ends."""
    from lfsync.config import vars as variables

    previous = variables.set_command_line(tuple(variables.parse_override(text) for text in given))
    ctx.call_on_close(lambda: variables.set_command_line(previous))


variables = click.option(
    "--var", "var_overrides", multiple=True, metavar="NAME=VALUE", expose_value=False, callback=_command_line_vars,
    help="Set a variable of lfsync.yaml's `vars:` for this run (repeatable; over a workspace's own).",
)
