"""The GitHub Actions workflow shipped in examples/ is valid and does what the README promises."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / "examples" / "github-workflow" / "lfsync.yml"


def schema_check(path: Path) -> subprocess.CompletedProcess:
    """check-jsonschema with its bundled copy of the GitHub workflow schema (no network needed)."""
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(path)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_the_workflow_passes_the_github_workflow_schema():
    result = schema_check(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_can_fail(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on: ubuntu-latest", "runs-onn: ubuntu-latest", 1))
    assert schema_check(broken).returncode == 1


def workflow() -> dict:
    return YAML(typ="safe").load(WORKFLOW.read_text())


def steps(job: str) -> list[dict]:
    return workflow()["jobs"][job]["steps"]


def test_pull_requests_plan_save_the_plan_and_keep_one_comment():
    plan = workflow()["jobs"]["plan"]
    assert plan["if"] == "github.event_name == 'pull_request'" and plan["permissions"]["pull-requests"] == "write"
    runs = "\n".join(step.get("run", "") for step in plan["steps"])
    assert "--out plan.lfplan --format markdown > plan.md" in runs and "--detailed-exitcode" in runs
    # state files changed by the pull request are flagged: --base needs the base branch's history
    assert '--base "origin/$BASE_REF"' in runs and plan["steps"][0]["with"]["fetch-depth"] == 0
    assert next(step for step in plan["steps"] if step.get("id") == "plan")["env"]["BASE_REF"] == "${{ github.base_ref }}"
    assert any(step.get("uses", "").startswith("actions/upload-artifact@") and step["with"]["path"] == "plan.lfplan" for step in plan["steps"])
    comment = next(step for step in plan["steps"] if step.get("uses", "").startswith("actions/github-script@"))
    script = comment["with"]["script"]
    assert "updateComment" in script and "createComment" in script and "startsWith(marker)" in script


def test_merges_apply_one_at_a_time_and_always_commit_the_state_back():
    apply = workflow()["jobs"]["apply"]
    assert apply["if"] == "github.event_name == 'push'"
    assert apply["concurrency"]["cancel-in-progress"] is False and "group" in apply["concurrency"]
    commit = next(step for step in apply["steps"] if "git push" in step.get("run", ""))
    assert commit["if"] == "always()"
    assert "Someone applied first" in commit["run"]
    runs = [step.get("run", "") for step in apply["steps"]]
    assert runs.index(next(r for r in runs if r.startswith("lfsync apply apply.lfplan"))) < runs.index(commit["run"])


def test_every_shell_step_is_valid_bash():
    bash = shutil.which("bash")
    for job in workflow()["jobs"].values():
        for step in job["steps"]:
            if "run" in step:
                result = subprocess.run([bash, "-n", "-c", step["run"]], capture_output=True, text=True)
                assert result.returncode == 0, (step["run"], result.stderr)
