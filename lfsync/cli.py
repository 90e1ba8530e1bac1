"""The `lfsync` command: dispatches to one module per command; one place turns errors into exit codes."""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from typing import Any

import click

from lfsync import __version__
from lfsync.api import debug as httpdebug
from lfsync.errors import EXIT_BUG, EXIT_OK, LfsyncError, describe_failure

ARGUMENTS = "lfsync.arguments"  # ctx.meta: the command line after `lfsync`

# Every command's module is imported only when it runs (start-up stays fast: `--version` and
# `--help` load click alone): name -> (module, attribute, the summary `--help` lists).
# tests/integration/test_cli.py checks each summary against the command's own docstring.
LAZY_COMMANDS = {
    "apply": ("lfsync.commands.apply", "apply", "Make the changes a plan shows: from DIR (planned now) or a saved PLANFILE."),
    "destroy": ("lfsync.commands.teardown", "destroy",
                "Move every record in the workspace's state to the trash, dependents first (protect: true refuses)."),
    "definitions": ("lfsync.commands.definitions", "definitions",
                    "The organisation's field and relationship definitions, as plan checks values against them."),
    "emulator": ("lfsync.emulator.cli", "emulator", "The local Lightfield API emulator."),
    "export": ("lfsync.commands.export", "export",
               "Write declarations for the organisation's existing accounts, contacts, opportunities, tasks and notes and record them in state."),
    "fmt": ("lfsync.commands.fmt", "fmt", "Format the declaration files (lfsync.yaml included); comments and quoting are kept."),
    "force-unlock": ("lfsync.commands.unlock", "force_unlock", "Break the state lock LOCK_ID of the workspace (the ID a locked command names)."),
    "graph": ("lfsync.commands.graph", "graph",
              "Draw the declared records and their links as Mermaid or Graphviz DOT (declarations only)."),
    "import": ("lfsync.commands.state", "import_",
               "Start managing an existing account, contact or opportunity: record ID under ADDRESS (which must be declared; the ID must be of its kind: acc_, con_, opp_)."),
    "init": ("lfsync.commands.init", "init",
             "Create lfsync.yaml, an example declaration, the JSON Schema editors use and .gitignore lines."),
    "plan": ("lfsync.commands.plan", "plan", "Show the changes apply would make (nothing is sent but reads)."),
    "reset": ("lfsync.commands.teardown", "reset",
              "Bring the organisation back to the declarations: repair drift, restore trashed records, re-create deleted ones; with `owns_organisation: true`, trash records nobody declared."),
    "schema": ("lfsync.commands.schema", "schema", "Print the JSON Schema of declaration files (e.g. for yaml-language-server)."),
    "show": ("lfsync.commands.show", "show",
             "Show a saved plan (`lfsync plan --out FILE`) as plan showed it; needs no key and no network."),
    "state": ("lfsync.commands.state", "state", "Inspect and edit state, move it between backends (the records themselves are never touched)."),
    "validate": ("lfsync.commands.validate", "validate", "Check the declarations without changing anything."),
    "workspaces": ("lfsync.commands.workspaces", "workspaces",
                   "List the project's workspaces: name, target, backend (JSON for a CI matrix)."),
}


class LfsyncGroup(click.Group):
    """Runs a command and turns its result into the exit code: the int it returns, or the error it raises."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[ARGUMENTS] = list(args)  # the command line as given, for a crash report
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            code = super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:  # stdout's reader left (`| head`) past the guarded writes: stop, as git does
            from lfsync.ui.console import silence_stdout

            silence_stdout()
            ctx.exit(EXIT_OK)
        except (LfsyncError, KeyboardInterrupt, OSError) as failure:
            ctx.exit(report_failure(failure, ctx.meta.get(ARGUMENTS, [])))
        except Exception as unexpected:  # a bug: exit 3, a crash report, the traceback shown only on request
            ctx.exit(report_failure(unexpected, ctx.meta.get(ARGUMENTS, [])))
        if isinstance(code, int) and code != EXIT_OK:
            ctx.exit(code)
        return code

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(LAZY_COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in LAZY_COMMANDS:
            return None
        module_name, attribute, _ = LAZY_COMMANDS[name]
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Help lists the commands by their summaries, without importing them."""
        limit = formatter.width - 6 - max(len(name) for name in LAZY_COMMANDS)
        rows = [(name, click.Command(name, help=LAZY_COMMANDS[name][2]).get_short_help_str(limit)) for name in sorted(LAZY_COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def report_failure(failure: BaseException, arguments: list[str]) -> int:
    """Print the one message for `failure` and return its exit code; a bug (exit 3) also leaves a
    crash report, and nothing printed of it shows a secret. `arguments`: the command line after `lfsync`."""
    from lfsync.commands.output import error
    from lfsync.support import crashreport

    message, code = describe_failure(failure)
    if code == EXIT_BUG:
        written, redact = crashreport.write_report(failure, arguments)
        message = redact(describe_failure(failure, written.note())[0])
    else:
        redact = crashreport.Redactor(())
    if (os.environ.get("LFSYNC_DEBUG") or httpdebug.enabled()) and not isinstance(failure, (LfsyncError, KeyboardInterrupt)):
        if code != EXIT_BUG:
            redact = crashreport.redactor(arguments)
        sys.stderr.write(redact("".join(traceback.format_exception(type(failure), failure, failure.__traceback__))))
    error(message)
    return code


@click.group(cls=LfsyncGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lfsync")
@click.option("--debug", is_flag=True, envvar="LFSYNC_DEBUG", help="Print every HTTP exchange (secrets redacted) and tracebacks.")
def main(debug: bool) -> None:
    """Declare Lightfield accounts in YAML; plan and apply the changes."""
    httpdebug.enable(debug)
    from lfsync.support import secrets

    secrets.forget_all()  # a fresh run (the tests run many in one process)
    secrets.remember_environment(os.environ)

