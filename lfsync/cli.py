"""The `lfsync` command: dispatches to one module per command; one place turns errors into exit codes."""

from __future__ import annotations

import os
import sys
import traceback

import click

from lfsync import __version__, httpdebug
from lfsync.commands import apply, export, init, plan, schema, state, unlock, validate
from lfsync.commands import fmt as fmt_command
from lfsync.commands.output import error
from lfsync.emulator.cli import emulator
from lfsync.errors import LfsyncError

EXIT_ERROR = 1


class ErrorHandlingGroup(click.Group):
    """Every expected error becomes one message and exit 1; unexpected ones say how to see more."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LfsyncError as problem:
            error(str(problem))
            sys.exit(EXIT_ERROR)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as unexpected:  # a bug: say so, with the traceback only on request
            if os.environ.get("LFSYNC_DEBUG") or httpdebug.enabled():
                traceback.print_exc()
            error(f"unexpected {type(unexpected).__name__}: {unexpected} (set LFSYNC_DEBUG=1 for the traceback)")
            sys.exit(EXIT_ERROR)


@click.group(cls=ErrorHandlingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lfsync")
@click.option("--debug", is_flag=True, envvar="LFSYNC_DEBUG", help="Print every HTTP exchange (secrets redacted) and tracebacks.")
def main(debug: bool) -> None:
    """Declare Lightfield accounts in YAML; plan and apply the changes."""
    httpdebug.enable(debug)


for command in (
    init.init,
    validate.validate,
    plan.plan,
    apply.apply,
    state.state,
    state.import_,
    fmt_command.fmt,
    schema.schema,
    unlock.force_unlock,
    export.export,
    emulator,
):
    main.add_command(command)
