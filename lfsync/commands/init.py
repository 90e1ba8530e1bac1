"""`lfsync init`: scaffold a project."""

from __future__ import annotations

from pathlib import Path

import click

from lfsync.commands.output import say
from lfsync.commands.schema import schema_text
from lfsync.config.project import SCHEMA_FILE, SETTINGS_FILE

SETTINGS = """\
# lfsync project settings (all optional)
target: local            # "local" = the embedded Lightfield emulator, or an API base URL
workspace: default       # one state file per workspace
state_dir: state         # where state is kept, relative to this file
skip_enrichment: false   # default for every account
# declarations: ["accounts/**/*.yaml"]   # which files declare accounts (default: every *.yaml, *.yml and *.csv)
# identity: $name        # the field `--adopt` and `export` match existing accounts on
# backend: postgresql://db.example/lfsync   # state shared by every runner (password: PGPASSWORD or ~/.pgpass)
"""

EXAMPLE = """\
# yaml-language-server: $schema=./SCHEMA_FILE
# Each key under `accounts` is an address (account.<key>) that names the account in state and plans.
accounts:
  example-co:
    fields:
      $name: Example Co
      $website: [https://example.com]
      $primaryAddress: {city: Oslo, country: "NO"}
""".replace("SCHEMA_FILE", SCHEMA_FILE)

GITIGNORE_LINES = [".lfsync/", "state/*.lock", "*.lfplan"]


@click.command()
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Create lfsync.yaml, an example declaration, the JSON Schema editors use and .gitignore lines."""
    directory.mkdir(parents=True, exist_ok=True)
    files = ((SETTINGS_FILE, SETTINGS), ("accounts.yaml", EXAMPLE), (SCHEMA_FILE, schema_text()))
    written = [name for name, text in files if _write_new(directory / name, text)]
    if _extend_gitignore(directory / ".gitignore"):
        written.append(".gitignore")
    for name in written:
        say(f"  created {directory / name}")
    say("lfsync is ready. Next: `lfsync plan` to see what would be created." if written else "Nothing to do: the project already exists.")


def _write_new(path: Path, text: str) -> bool:
    if path.exists():
        return False
    path.write_text(text, encoding="utf-8")
    return True


def _extend_gitignore(path: Path) -> bool:
    present = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    missing = [line for line in GITIGNORE_LINES if line not in present]
    if not missing:
        return False
    with path.open("a", encoding="utf-8") as handle:
        if present and present[-1].strip():
            handle.write("\n")
        handle.write("# lfsync\n" + "\n".join(missing) + "\n")
    return True
