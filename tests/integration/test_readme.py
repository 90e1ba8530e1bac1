"""The README stays true: its emulator decisions are the code's, its commands exist."""

from __future__ import annotations

import re

import pytest

from lfsync.emulator.decisions import DECISIONS


@pytest.fixture
def readme(repo_root) -> str:
    return (repo_root / "README.md").read_text(encoding="utf-8")


def test_every_emulator_decision_is_listed_in_the_readme(readme):
    listed = dict(
        (int(number), " ".join(text.split()))
        for number, text in re.findall(r"^(\d+)\. (.+?)(?=^\d+\. |^#|\Z)", readme, re.M | re.S)
    )
    for number, text in DECISIONS:
        assert listed.get(number) == " ".join(text.split()), f"decision {number} differs from the README"


def test_readme_has_exactly_the_two_setup_commands_and_ci_runs_the_test_one(readme, repo_root):
    commands = re.findall(r"^python3 -m venv .+$", readme, re.M)
    assert len(commands) == 2
    main_job, tests = commands
    assert "lfsync apply examples --auto-approve" in main_job
    assert tests.endswith("pip install -e '.[test]' && pytest -q")
    assert "pip install -e '.[test]' && pytest -q" in (repo_root / ".ci" / "run").read_text()


def test_the_architecture_picture_names_every_package_and_module(readme, repo_root):
    """The README's architecture section is the map of what exists: a module added, moved or removed
    without it fails here."""
    picture = readme[readme.index("## Architecture"):]
    package = repo_root / "lfsync"
    for folder in sorted(path for path in package.iterdir() if (path / "__init__.py").exists()):
        assert f"`{folder.name}/`" in picture or f"  {folder.name}/" in picture, f"package {folder.name} is not in the picture"
        if folder.name in ("commands", "emulator"):  # one module per command; the emulator has its own README
            continue
        for module in sorted(folder.glob("*.py")):
            if module.name != "__init__.py":
                assert re.search(rf"\b{re.escape(module.name)}\b", picture), f"{folder.name}/{module.name} is not in the picture"
    for module in sorted(package.glob("*.py")):
        if module.name != "__init__.py":
            assert module.name in picture, f"{module.name} is not in the picture"


def test_the_layers_in_the_picture_are_the_ones_ci_checks(readme, repo_root):
    tomllib = pytest.importorskip("tomllib")
    contracts = tomllib.loads((repo_root / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    layers = next(contract["layers"] for contract in contracts if contract["type"] == "layers")
    picture = readme[readme.index("## Architecture"):]
    drawn = re.search(r"cli\.py (.+)\n(.+)$", picture, re.M)
    assert drawn, "the layer picture is missing"
    first_line, second_line = (re.findall(r"[a-z]+", line) for line in drawn.groups())
    assert first_line == [layer.replace("lfsync.", "").split(" | ")[0] for layer in layers[1:]]
    siblings = [layer.replace("lfsync.", "").split(" | ")[1:] for layer in layers[1:]]
    assert second_line == [name for names in siblings for name in names]
