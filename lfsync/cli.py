"""The `lfsync` command: dispatches to one module per command; one place turns errors into exit codes."""

from __future__ import annotations

import importlib
import os
import traceback
from typing import Any

import click

from lfsync import __version__, httpdebug
from lfsync.commands import apply, definitions, export, init, plan, schema, state, teardown, unlock, validate
from lfsync.commands import fmt as fmt_command
from lfsync.commands.output import error
from lfsync.errors import EXIT_OK, LfsyncError, describe_failure

# Commands whose module is imported only when they run: the emulator pulls in starlette and uvicorn.
LAZY_COMMANDS = {"emulator": ("lfsync.emulator.cli", "emulator", "The local Lightfield API emulator.")}


class LfsyncGroup(click.Group):
    """Runs a command and turns its result into the exit code: the int it returns, or the error it raises."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            code = super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except (LfsyncError, KeyboardInterrupt, OSError) as failure:
            ctx.exit(report_failure(failure))
        except Exception as unexpected:  # a bug: say so, with the traceback only on request
            ctx.exit(report_failure(unexpected))
        if isinstance(code, int) and code != EXIT_OK:
            ctx.exit(code)
        return code

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module_name, attribute, _ = LAZY_COMMANDS[name]
            module = importlib.import_module(module_name)
            command: click.Command = getattr(module, attribute)
            return command
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Help lists lazy commands by their summary, without importing them."""
        rows = []
        for name in self.list_commands(ctx):
            if name in LAZY_COMMANDS:
                rows.append((name, LAZY_COMMANDS[name][2]))
                continue
            command = super().get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - max(len(n) for n in self.list_commands(ctx)))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def report_failure(failure: BaseException) -> int:
    """Print the one message for `failure` and return its exit code."""
    message, code = describe_failure(failure)
    if (os.environ.get("LFSYNC_DEBUG") or httpdebug.enabled()) and not isinstance(failure, (LfsyncError, KeyboardInterrupt)):
        traceback.print_exception(type(failure), failure, failure.__traceback__)
    error(message)
    return code


@click.group(cls=LfsyncGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lfsync")
@click.option("--debug", is_flag=True, envvar="LFSYNC_DEBUG", help="Print every HTTP exchange (secrets redacted) and tracebacks.")
def main(debug: bool) -> None:
    """Declare Lightfield accounts in YAML; plan and apply the changes."""
    httpdebug.enable(debug)


for command in (
    init.init,
    definitions.definitions,
    validate.validate,
    plan.plan,
    apply.apply,
    teardown.destroy,
    teardown.reset,
    state.state,
    state.import_,
    fmt_command.fmt,
    schema.schema,
    unlock.force_unlock,
    export.export,
):
    main.add_command(command)
