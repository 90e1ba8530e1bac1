"""The shipped GitHub Actions files (action.yml, the example workflows), read as GitHub reads
them, and their lfsync steps run as the runner runs them: the action's own `lfsync` step script,
under `bash --noprofile --norc -eo pipefail`, with the inputs and environment the workflow gives."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[1]
ACTION = REPO / "action.yml"
WORKFLOWS = REPO / "examples" / "github-workflow"
PLAN_WORKFLOW = WORKFLOWS / "lfsync-plan.yml"
APPLY_WORKFLOW = WORKFLOWS / "lfsync-apply.yml"
DRIFT_WORKFLOW = WORKFLOWS / "lfsync-drift.yml"
ACTION_USES = "OWNER/lfsync@v1"
GITHUB_BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]  # how `shell: bash` runs a script

EXPRESSION = re.compile(r"\$\{\{\s*([a-z_]+)\.([A-Za-z0-9_.-]+)\s*\}\}")


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def evaluate(text: str, contexts: dict[str, dict[str, str]]) -> str:
    """`${{ context.name }}` replaced by its value; an expression the contexts lack raises KeyError
    (the test then learns of an expression it does not model)."""
    return EXPRESSION.sub(lambda match: contexts[match[1]][match[2]], text)


def lfsync_steps(job: dict) -> list[dict]:
    """The job's steps that run the action."""
    return [step for step in job["steps"] if step.get("uses") == ACTION_USES]


def action_step() -> dict:
    [step] = [step for step in load(ACTION)["runs"]["steps"] if step.get("id") == "lfsync"]
    return step


def command_line(step: dict) -> str:
    """The lfsync command a workflow step runs, as written in its inputs (before the action adds
    --out and --format to a plan)."""
    inputs = step["with"]
    return " ".join(part for part in ("lfsync", inputs["command"], inputs.get("args", "")) if part)


@dataclass
class ActionRun:
    returncode: int  # the step's own: 0 unless lfsync failed (exit 2 passes with --detailed-exitcode)
    outputs: dict[str, str]
    stdout: str
    stderr: str


def run_action(inputs: dict[str, str], env: dict[str, str], cwd: Path, scratch: Path, stand_in: str | None = None) -> ActionRun:
    """The action's lfsync step with these inputs (the others at their defaults), in `cwd`; lfsync
    is this checkout's, run by this interpreter, or the shell script `stand_in`."""
    step = action_step()
    spec = load(ACTION)["inputs"]
    unknown = set(inputs) - set(spec)
    assert not unknown, f"inputs the action does not declare: {unknown}"
    values = {name: str(entry.get("default", "")) for name, entry in spec.items()} | inputs
    step_env = {name: evaluate(str(value), {"inputs": values}) for name, value in step["env"].items()}
    bin_dir = scratch / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    shim = bin_dir / "lfsync"
    shim.write_text(stand_in or f'#!/bin/sh\nexec "{sys.executable}" -m lfsync "$@"\n')
    shim.chmod(0o755)
    output = scratch / "github_output"
    output.write_text("")
    script = scratch / "step.sh"
    script.write_text(step["run"])
    full_env = {
        **env, **step_env, "GITHUB_OUTPUT": str(output), "RUNNER_TEMP": str(scratch), "NO_COLOR": "1",
        "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', os.environ['PATH'])}",
    }
    workdir = cwd / evaluate(step["working-directory"], {"inputs": values})
    result = subprocess.run(
        [*GITHUB_BASH, str(script)], cwd=workdir, env=full_env, capture_output=True, text=True, timeout=300,
        stdin=subprocess.DEVNULL,
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return ActionRun(result.returncode, outputs, result.stdout, result.stderr)


@dataclass
class Runner:
    """Runs a workflow job's lfsync steps in order, as a runner would: the workflow's and job's
    env, each step's env and inputs evaluated against `secrets`, `github` and earlier steps' outputs."""

    checkout: Path
    scratch: Path
    secrets: dict[str, str] = field(default_factory=dict)
    github: dict[str, str] = field(default_factory=dict)

    def run_job(self, workflow: Path, job_name: str) -> dict[str, ActionRun]:
        document = load(workflow)
        job = document["jobs"][job_name]
        steps: dict[str, str] = {}
        contexts = {"secrets": self.secrets, "github": self.github, "steps": steps}
        base = {k: v for k, v in os.environ.items() if not k.startswith(("LIGHTFIELD_", "LFSYNC_", "GITHUB_"))}
        env = dict(base)
        for scope in (document.get("env", {}), job.get("env", {})):
            env.update({name: evaluate(str(value), {**contexts, "env": env}) for name, value in scope.items()})
        runs: dict[str, ActionRun] = {}
        for number, step in enumerate(lfsync_steps(job)):
            step_id = step.get("id", f"step{number}")
            step_env = {**env, **{name: evaluate(str(value), {**contexts, "env": env}) for name, value in step.get("env", {}).items()}}
            inputs = {name: evaluate(str(value), {**contexts, "env": env}) for name, value in step["with"].items()}
            run = run_action(inputs, step_env, self.checkout, self.scratch / step_id)
            runs[step_id] = run
            steps.update({f"{step_id}.outputs.{name}": value for name, value in run.outputs.items()})
        return runs
