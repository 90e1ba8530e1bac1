"""link_atomically: the destination names the source's file (the backup of a state snapshot)
and keeps it when the source is written anew; a file system without hard links gets a copy."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from lfsync.support import atomicfile
from lfsync.support.atomicfile import link_atomically, write_atomically


def test_the_destination_keeps_the_file_the_source_was(tmp_path: Path):
    source, destination = tmp_path / "w.lfstate.json", tmp_path / "w.lfstate.backup.json"
    write_atomically(source, "first\n")
    destination.write_text("older\n")
    link_atomically(source, destination)
    assert destination.read_text() == "first\n"
    write_atomically(source, "second\n")  # a new file renamed over the source: the backup's is untouched
    assert (source.read_text(), destination.read_text()) == ("second\n", "first\n")
    assert sorted(path.name for path in tmp_path.iterdir()) == [destination.name, source.name]  # no temp file left


def test_without_hard_links_a_copy(tmp_path: Path, monkeypatch):
    def refused(*_args, **_kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(atomicfile.os, "link", refused)
    source, destination = tmp_path / "a.json", tmp_path / "b.json"
    write_atomically(source, "text\n")
    link_atomically(source, destination)
    assert destination.read_text() == "text\n"
    assert os.stat(source).st_ino != os.stat(destination).st_ino
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.json", "b.json"]
