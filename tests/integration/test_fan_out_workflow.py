"""examples/github-workflow/fan-out.yml: valid against the GitHub workflow schema, a matrix job per
workspace from `lfsync workspaces --format json`, each choosing its workspace and key alone, with
state in PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]
FAN_OUT = REPO / "examples" / "github-workflow" / "fan-out.yml"


def schema_check(path: Path) -> subprocess.CompletedProcess:
    """check-jsonschema with its bundled copy of the GitHub workflow schema (no network needed)."""
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(path)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def jobs() -> dict:
    return YAML(typ="safe").load(FAN_OUT.read_text())["jobs"]


def test_the_fan_out_workflow_passes_the_github_workflow_schema(tmp_path):
    result = schema_check(FAN_OUT)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(FAN_OUT.read_text().replace("runs-on: ubuntu-latest", "runs-onn: ubuntu-latest", 1))
    assert schema_check(broken).returncode == 1  # the check can fail


def test_each_workspace_applies_in_a_job_of_its_own_with_state_in_postgresql():
    listing, apply = jobs()["workspaces"], jobs()["apply"]
    assert any("lfsync workspaces --format json" in step.get("run", "") for step in listing["steps"])
    assert apply["needs"] == "workspaces"
    assert apply["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.workspaces.outputs.matrix) }}"
    assert apply["strategy"]["fail-fast"] is False
    assert apply["env"]["LFSYNC_WORKSPACE"] == "${{ matrix.name }}"
    assert apply["env"]["LFSYNC_BACKEND"] == "${{ secrets.LFSYNC_BACKEND }}"
    assert "matrix.name" in apply["concurrency"]["group"]
    actions = [step for step in apply["steps"] if str(step.get("uses", "")).startswith("OWNER/lfsync@")]
    assert [(step["with"]["command"], step["with"]["args"]) for step in actions] == [("apply", "--auto-approve --lock-timeout 300")]
    keyed = next(step for step in apply["steps"] if "GITHUB_ENV" in step.get("run", ""))
    assert keyed["env"]["KEY"] == "${{ secrets[matrix.api_key_env] }}"  # its own key, no other workspace's


def test_the_matrix_the_workflow_reads_is_what_lfsync_workspaces_prints(tmp_path):
    """The fields the workflow names (matrix.name, matrix.api_key_env) are in each entry, as the
    command prints them in a subprocess (as the job's step runs it)."""
    (tmp_path / "lfsync.yaml").write_text(
        "workspaces:\n"
        "  demo-eu: {target: https://eu.example, api_key_env: LF_KEY_DEMO_EU}\n"
        "  demo-us: {target: https://us.example, api_key_env: LF_KEY_DEMO_US}\n"
    )
    env = {**os.environ, "LFSYNC_BACKEND": "postgresql://ci:s3cretpw@db.example:5432/lfsync"}
    printed = subprocess.run(
        [sys.executable, "-m", "lfsync", "workspaces", "--format", "json", "--dir", str(tmp_path)],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert printed.returncode == 0, printed.stderr
    matrix = json.loads(printed.stdout)
    assert [entry["name"] for entry in matrix] == ["demo-eu", "demo-us"]
    assert [entry["api_key_env"] for entry in matrix] == ["LF_KEY_DEMO_EU", "LF_KEY_DEMO_US"]
    assert {entry["backend"] for entry in matrix} == {"postgresql://ci:***@db.example:5432/lfsync"}
    assert "s3cretpw" not in printed.stdout + printed.stderr
    text = FAN_OUT.read_text()
    for field in ("matrix.name", "matrix.api_key_env"):
        assert field in text
