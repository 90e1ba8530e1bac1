"""Which files of a project declare accounts (symbolic links followed within the project, refused
beyond it), and one digest over their bytes."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from lfsync.config.globs import DEFAULT_DECLARATION_GLOBS, may_select_under, selected
from lfsync.config.project import SETTINGS_FILE
from lfsync.errors import LfsyncError
from lfsync.support.textsafe import plain


def find_declaration_files(
    project_dir: Path, state_dir: Path, patterns: tuple[str, ...] = DEFAULT_DECLARATION_GLOBS
) -> list[Path]:
    """The files `patterns` (`declarations:` in lfsync.yaml) select under the project, by default every
    *.yaml / *.yml / *.csv, sorted; never lfsync.yaml, files in hidden folders or the state folder.

    Symbolic links are followed where they lead inside the project (a file reached by two paths is
    read once, by the path the walk finds first); a link to a folder is refused (LfsyncError) where the
    globs could select something through it but it leads outside the project, nowhere (broken) or
    back into a folder that contains it (a loop): a declaration is never skipped without a word.
    Links the globs cannot select through are not looked at."""
    root = project_dir.resolve()
    walk = _Walk(root, (root / state_dir).resolve(), patterns)
    walk.run()
    return sorted(project_dir / relative for relative in walk.found.values())


class _Walk:
    """One walk of the project (a stack, not recursion: nesting depth is the file system's): the
    selected files by where they really are -> the first path found."""

    def __init__(self, root: Path, state_dir: Path, patterns: tuple[str, ...]):
        self.root, self.state_dir, self.patterns = root, state_dir, patterns
        self.found: dict[Path, str] = {}
        self.pending: list[tuple[Path, str, frozenset[Path]]] = [(root, "", frozenset({root}))]

    def run(self) -> None:
        while self.pending:
            self.folder(*self.pending.pop())

    def folder(self, real: Path, relative: str, ancestors: frozenset[Path]) -> None:
        """`real`: the folder's real path; `relative`: the path it is reached by; `ancestors`: the
        real paths of the folders the walk came through (a link to one of them is a loop). Its
        files are listed, its folders left pending."""
        with os.scandir(real) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
        first_child = len(self.pending)
        for entry in entries:
            name = entry.name
            path = f"{relative}/{name}" if relative else name
            if name.startswith(".") or (not relative and name == SETTINGS_FILE):
                continue
            if entry.is_symlink():
                self.link(real / name, path, ancestors)
            elif entry.is_dir(follow_symlinks=False):
                child = real / name
                if child != self.state_dir and may_select_under(path, self.patterns):
                    self.pending.append((child, path, ancestors | {child}))
            elif selected(path, self.patterns):
                self.found.setdefault(real / name, path)
        self.pending[first_child:] = reversed(self.pending[first_child:])  # a stack: popped in name order

    def link(self, link: Path, path: str, ancestors: frozenset[Path]) -> None:
        """A link to a file is listed as a file: the reader refuses one that leads outside the project
        or nowhere, naming only the link (yamlload.read_declaration_bytes). A link to a folder is
        walked when it stays inside the project, else refused here."""
        as_file, as_folder = selected(path, self.patterns), may_select_under(path, self.patterns)
        if not (as_file or as_folder):
            return
        try:
            target = link.resolve(strict=True)
        except (OSError, RuntimeError):  # missing, or a loop of links: resolving never ends
            if as_file:
                self.found.setdefault(link, path)
                return
            raise _refused(path, link, "which leads nowhere (a broken link, or a loop of links)") from None
        inside = target == self.root or self.root in target.parents
        if not target.is_dir():
            if as_file:
                self.found.setdefault(target if inside else link, path)
            return
        if not as_folder or target == self.state_dir:
            return
        if not inside:
            raise _refused(path, link, "a folder outside the project; declarations are read only inside the project")
        if target in ancestors or target in link.parents:  # `link` is in its real folder
            raise _refused(path, link, "a folder that contains the link (a loop)")
        self.pending.append((target, path, ancestors | {target}))


def _refused(path: str, link: Path, why: str) -> LfsyncError:
    return LfsyncError(
        f"{plain(path)}: a symbolic link to {plain(os.readlink(link))}, {why}. Every folder the `declarations:` "
        "globs can reach is read, so it is refused rather than skipped: replace the link by the files, or exclude "
        f"it with a glob like '!{plain(path)}/**'"
    )


def declarations_digest(project_dir: Path, contents: dict[Path, bytes]) -> str:
    """SHA-256 over (relative path, bytes) of every file: changes when any declaration changes."""
    digest = hashlib.sha256()
    for relative, data in sorted((_relative_posix(path, project_dir), data) for path, data in contents.items()):
        encoded = relative.encode()
        # Length prefixes keep (path, bytes) boundaries unambiguous.
        digest.update(len(encoded).to_bytes(8, "big") + encoded + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def _relative_posix(path: Path, project_dir: Path) -> str:
    try:
        return path.resolve().relative_to(project_dir.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()
