"""`lfsync init` and `lfsync schema`: the files a new project starts with (lfsync.yaml, an example
declaration, the JSON Schema editors use, .gitignore lines), none overwritten; the schema made
specific to a project's organisation where its definitions are known offline."""

from __future__ import annotations

import json
from pathlib import Path

from lfsync.config.project import SCHEMA_FILE, SETTINGS_FILE, load_project
from lfsync.declare.schema import declaration_json_schema
from lfsync.values.organisation import SNAPSHOT_FILE, offline_organisation
from lfsync.values.organisation_schema import with_organisation

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


def scaffold_project(directory: Path) -> list[str]:
    """Write the files of a new project that are missing and extend .gitignore; the names written."""
    directory.mkdir(parents=True, exist_ok=True)
    files = ((SETTINGS_FILE, SETTINGS), ("accounts.yaml", EXAMPLE), (SCHEMA_FILE, schema_text()))
    written = [name for name, text in files if _write_new(directory / name, text)]
    if _extend_gitignore(directory / ".gitignore"):
        written.append(".gitignore")
    return written


def schema_text(directory: Path | None = None) -> str:
    """The JSON Schema of declaration files, as `lfsync schema` prints it and `lfsync init` writes it.
    In a project `directory` whose organisation's definitions are known without asking it (the
    committed lfsync.definitions.json, else those an earlier run kept in .lfsync/), its fields,
    options and relationships are in it; elsewhere it is the schema of what can be known offline."""
    schema = declaration_json_schema()
    if directory is not None and ((directory / SETTINGS_FILE).is_file() or (directory / SNAPSHOT_FILE).is_file()):
        known = offline_organisation(load_project(directory, settings_required=False))
        if known is not None:
            schema = with_organisation(schema, known)
    return json.dumps(schema, indent=2) + "\n"


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
