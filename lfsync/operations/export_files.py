"""The files `lfsync export` writes: where each kind goes and the text of each file.

YAML: one file (`--file`) holding a map per kind (`accounts:`, `contacts:`, `opportunities:`).
CSV declares one kind a file: accounts go to `--file`, every other kind beside it with the kind's
declaration key added to the name (`accounts/exported.csv`, `accounts/exported-contacts.csv`,
`accounts/exported-opportunities.csv`), each with its kind's key column (`key`, `contact`,
`opportunity`). Every file is checked before anything is read or written: inside the project,
among its declaration files, not there yet.
"""

from __future__ import annotations

from pathlib import Path

from lfsync.config.globs import selected
from lfsync.config.project import SCHEMA_FILE, Project
from lfsync.declare.csvfile import KEY_COLUMNS
from lfsync.declare.csvwrite import csv_text
from lfsync.errors import LfsyncError, display_path
from lfsync.kinds.catalogue import ACCOUNT, DECLARABLE_KINDS
from lfsync.kinds.record_kind import RecordKind
from lfsync.remote.declaring import ExportedRecord, export_file_text


def export_paths(project: Project, file_name: str, as_csv: bool, kinds: tuple[RecordKind, ...]) -> dict[RecordKind, Path]:
    """kind -> the file its declarations go to; LfsyncError when any of them may not be written."""
    target = _checked_path(project, file_name)
    paths = {kind: _csv_path_of(target, kind) if as_csv else target for kind in kinds}
    for path in dict.fromkeys(paths.values()):
        if path is not target:
            _checked_path(project, path.relative_to(project.root).as_posix())
    return paths


def _csv_path_of(target: Path, kind: RecordKind) -> Path:
    return target if kind is ACCOUNT else target.with_name(f"{target.stem}-{kind.declaration_key}{target.suffix}")


def _checked_path(project: Project, file_name: str) -> Path:
    target = (project.root / file_name).resolve()
    try:
        relative = target.relative_to(project.root).as_posix()
    except ValueError:
        raise LfsyncError(f"--file {file_name!r} must be inside the project directory") from None
    if target.exists():
        raise LfsyncError(f"{display_path(target)} already exists; choose another --file")
    if not selected(relative, project.declaration_globs):
        raise LfsyncError(
            f"{relative} is not among the declaration files (`declarations:` in lfsync.yaml); choose a --file they select"
        )
    return target


def file_texts(
    records: list[ExportedRecord], paths: dict[RecordKind, Path], project: Project, options: str, as_csv: bool
) -> dict[Path, str]:
    """path -> text, for the files that get records (in the order of the kinds). `options`: the
    command's options, as a YAML file's header comment names them (" --kind contact")."""
    kinds = [kind for kind in DECLARABLE_KINDS if kind in paths and any(record.kind is kind for record in records)]
    if as_csv:
        column = {kind: name for name, kind in KEY_COLUMNS.items()}
        return {
            paths[kind]: csv_text([(r.key, r.body) for r in records if r.kind is kind], column[kind]) for kind in kinds
        }
    texts: dict[Path, str] = {}
    for path in dict.fromkeys(paths[kind] for kind in kinds):
        held = [kind for kind in kinds if paths[kind] == path]
        texts[path] = export_file_text(records, _yaml_header(project, path, options), held)
    return texts


def _yaml_header(project: Project, target: Path, options: str) -> list[str]:
    lines = []
    schema = project.root / SCHEMA_FILE
    if schema.exists():
        relative = Path(*([".."] * len(target.parent.relative_to(project.root).parts)), SCHEMA_FILE).as_posix()
        lines.append(f"yaml-language-server: $schema={relative if relative.startswith('.') else './' + relative}")
    lines.append(f"Written by `lfsync export`{options}.")
    return lines
