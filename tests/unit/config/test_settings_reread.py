"""lfsync.yaml is parsed once a run while its bytes stay the same, and again as soon as they change."""

from __future__ import annotations

import pytest

from lfsync.config import yamlio
from lfsync.config.project import load_project
from lfsync.errors import LfsyncError


def test_the_same_settings_are_parsed_once_and_changed_ones_again(tmp_path, monkeypatch):
    (tmp_path / "lfsync.yaml").write_text("target: local\nprune: false\n", encoding="utf-8")
    parses: list[str] = []
    real_load = yamlio.load_yaml_text
    monkeypatch.setattr(yamlio, "load_yaml_text", lambda text, *a, **k: (parses.append(text), real_load(text, *a, **k))[1])
    first, second = load_project(tmp_path), load_project(tmp_path)
    assert len(parses) == 1 and not first.prune and not second.prune

    (tmp_path / "lfsync.yaml").write_text("target: local\nprune: true\n", encoding="utf-8")
    assert load_project(tmp_path).prune and len(parses) == 2

    (tmp_path / "lfsync.yaml").write_text("target: local\nprune: maybe\n", encoding="utf-8")
    for _ in range(2):  # a broken file is refused every time, never served from what was read before
        with pytest.raises(LfsyncError, match="lfsync.yaml:2:"):
            load_project(tmp_path)
