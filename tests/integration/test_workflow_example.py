"""The composite action and the three example workflows shipped in examples/github-workflow/:
valid by GitHub's schemas, and doing what the README promises (their lfsync steps run, as the
action runs them, against a committed snapshot without a key and against a served emulator)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lfsync.emulator import EmulatorConfig
from lfsync.emulator.testing import serve_in_thread

from gitops import (
    ACTION,
    ACTION_USES,
    APPLY_WORKFLOW,
    DRIFT_WORKFLOW,
    PLAN_WORKFLOW,
    REPO,
    WORKFLOWS,
    Runner,
    command_line,
    lfsync_steps,
    load,
    run_action,
)
from org_helpers import act_directly
from served import LOCAL_KEY

SHIPPED = sorted(path.name for path in WORKFLOWS.glob("*.yml"))
REFRESH_WHEN_KEYED = "${LIGHTFIELD_API_KEY:+--refresh}"

ACCOUNTS = """\
accounts:
  acme:
    fields:
      $name: Acme Corp
      tier: enterprise
  globex:
    fields:
      $name: Globex
"""


def schema_check(schema: str, path: Path) -> subprocess.CompletedProcess:
    """check-jsonschema with its bundled copy of GitHub's schemas (no network needed)."""
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_exactly_the_three_workflows_and_the_fan_out_are_shipped():
    assert SHIPPED == ["fan-out.yml", "lfsync-apply.yml", "lfsync-drift.yml", "lfsync-plan.yml"]


@pytest.mark.parametrize("name", SHIPPED)
def test_each_workflow_passes_the_github_workflow_schema(name):
    result = schema_check("vendor.github-workflows", WORKFLOWS / name)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_action_passes_the_github_action_schema():
    result = schema_check("vendor.github-actions", ACTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_checks_can_fail(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(PLAN_WORKFLOW.read_text().replace("runs-on: ubuntu-latest", "runs-onn: ubuntu-latest", 1))
    assert schema_check("vendor.github-workflows", broken).returncode == 1
    broken.write_text(ACTION.read_text().replace("using: composite", "using: compositee", 1))
    assert schema_check("vendor.github-actions", broken).returncode == 1


def test_the_action_installs_lfsync_from_its_own_checkout_with_a_pip_cache():
    steps = load(ACTION)["runs"]["steps"]
    install = next(step for step in steps if "pip install" in step.get("run", ""))
    assert '"${GITHUB_ACTION_PATH}"' in install["run"] and '"${GITHUB_ACTION_PATH}[${EXTRAS}]"' in install["run"]
    key = next(step for step in steps if step.get("id") == "cache-key")
    assert '"${GITHUB_ACTION_PATH}/pyproject.toml"' in key["run"]
    cache = next(step for step in steps if str(step.get("uses", "")).startswith("actions/cache@"))
    assert cache["with"]["key"] == "${{ steps.cache-key.outputs.key }}"
    assert set(load(ACTION)["outputs"]) == {"exit-code", "has-changes", "plan-path", "markdown-path"}
    assert not [name for name in load(ACTION)["inputs"] if "key" in name.lower()]  # the key comes through env only


def test_nothing_installs_lfsync_from_the_package_index():
    for path in [ACTION, *(WORKFLOWS / name for name in SHIPPED)]:
        text = path.read_text()
        assert "pip install lfsync" not in text and "lfsync==" not in text, path
    for name in SHIPPED:
        workflow = load(WORKFLOWS / name)
        uses = [step.get("uses") for job in workflow["jobs"].values() for step in job["steps"]]
        assert ACTION_USES in uses and not [use for use in uses if use and "lfsync" in use and use != ACTION_USES]
        assert "Pin it to a commit SHA" in (WORKFLOWS / name).read_text()


def test_every_shell_step_is_valid_bash():
    bash = shutil.which("bash")
    scripts = [step["run"] for step in load(ACTION)["runs"]["steps"] if "run" in step]
    scripts += [step["run"] for name in SHIPPED for job in load(WORKFLOWS / name)["jobs"].values() for step in job["steps"] if "run" in step]
    for script in scripts:
        result = subprocess.run([bash, "-n", "-c", script], capture_output=True, text=True)
        assert result.returncode == 0, (script, result.stderr)


def test_the_pull_request_workflow_checks_format_saves_the_plan_and_keeps_one_comment():
    job = load(PLAN_WORKFLOW)["jobs"]["plan"]
    assert job["permissions"]["pull-requests"] == "write" and job["steps"][0]["with"]["fetch-depth"] == 0
    fmt, plan = lfsync_steps(job)
    assert command_line(fmt) == 'lfsync fmt --check "$LFSYNC_PROJECT"'
    assert '--base "origin/$BASE_REF"' in plan["with"]["args"] and plan["env"]["BASE_REF"] == "${{ github.base_ref }}"
    assert "--detailed-exitcode" in plan["with"]["args"] and REFRESH_WHEN_KEYED in plan["with"]["args"]
    assert job["env"]["LIGHTFIELD_API_KEY"] == "${{ secrets.LIGHTFIELD_API_KEY }}"
    upload = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == "${{ steps.plan.outputs.plan-path }}"
    comment = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/github-script@"))
    script = comment["with"]["script"]
    assert "updateComment" in script and "createComment" in script and "startsWith(marker)" in script
    assert comment["env"]["MARKDOWN"] == "${{ steps.plan.outputs.markdown-path }}"


def test_merges_apply_the_reviewed_kind_of_plan_one_at_a_time_and_always_commit_the_state_back():
    job = load(APPLY_WORKFLOW)["jobs"]["apply"]
    assert job["concurrency"]["cancel-in-progress"] is False and "group" in job["concurrency"]
    plan, apply = lfsync_steps(job)
    pr_plan = lfsync_steps(load(PLAN_WORKFLOW)["jobs"]["plan"])[1]
    assert REFRESH_WHEN_KEYED in plan["with"]["args"] and REFRESH_WHEN_KEYED in pr_plan["with"]["args"]
    assert "--prune" not in plan["with"]["args"] + pr_plan["with"]["args"]  # both prune as lfsync.yaml says
    assert apply["with"]["command"] == "apply" and apply["env"]["PLAN"] == "${{ steps.plan.outputs.plan-path }}"
    assert apply["with"]["args"].startswith('"$PLAN" --auto-approve')
    commit = next(step for step in job["steps"] if "git push" in step.get("run", ""))
    assert commit["if"] == "always()" and "Someone applied first" in commit["run"]
    assert job["steps"].index(apply) < job["steps"].index(commit)
    assert "PostgreSQL backend" in APPLY_WORKFLOW.read_text() and "extras: postgres" in APPLY_WORKFLOW.read_text()


def test_the_drift_check_runs_on_a_schedule_and_keeps_one_issue():
    workflow = load(DRIFT_WORKFLOW)
    assert workflow["on"]["schedule"][0]["cron"] and "workflow_dispatch" in workflow["on"]
    job = workflow["jobs"]["drift"]
    [plan] = lfsync_steps(job)
    assert plan["with"]["args"] == '"$LFSYNC_PROJECT" --refresh --detailed-exitcode'
    issue = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/github-script@"))
    script = issue["with"]["script"]
    assert "lfsync-drift" in script and "issues.create(" in script and "state: 'closed'" in script
    assert "issues.update({ owner, repo, issue_number: issue.number, body })" in script
    assert issue["env"]["DRIFT"] == "${{ steps.plan.outputs.has-changes }}"
    assert job["permissions"]["issues"] == "write"


# --- the lfsync steps, run as the action runs them -----------------------------------------


def git(checkout: Path, *args: str) -> None:
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", *identity, *args], cwd=checkout, check=True, capture_output=True, timeout=60)


def repository(tmp_path: Path, url: str, settings: str = "") -> Path:
    """A repository holding a project whose target is `url`, committed, with `origin/main` at that
    commit (what `actions/checkout` with fetch-depth 0 leaves for --base)."""
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "lfsync.yaml").write_text(f"target: {url}\n{settings}")
    (checkout / "accounts.yaml").write_text(ACCOUNTS)
    git(checkout, "init", "-q", "-b", "main")
    git(checkout, "add", "-A")
    git(checkout, "commit", "-q", "-m", "project")
    git(checkout, "update-ref", "refs/remotes/origin/main", "HEAD")
    return checkout


def runner(checkout: Path, tmp_path: Path, key: str = "") -> Runner:
    return Runner(checkout, tmp_path / "runner", secrets={"LIGHTFIELD_API_KEY": key}, github={"base_ref": "main"})


def test_the_pull_request_plan_runs_without_a_key_against_the_committed_snapshot(tmp_path, cli):
    with serve_in_thread(EmulatorConfig(db_path=str(tmp_path / "api.db"))) as url:
        checkout = repository(tmp_path, url)
        pulled = cli("definitions", "pull", checkout, env={"LIGHTFIELD_API_KEY": LOCAL_KEY})
        assert pulled.exit_code == 0, pulled.output
        git(checkout, "add", "-A")
        git(checkout, "commit", "-q", "-m", "snapshot")
    # the organisation is out of reach now: a key-less plan never asks it
    runs = runner(checkout, tmp_path).run_job(PLAN_WORKFLOW, "plan")
    fmt, plan = runs.values()
    assert fmt.returncode == 0, fmt.stderr
    assert plan.returncode == 0 and plan.outputs["exit-code"] in ("0", "2"), plan.stderr
    assert plan.outputs["exit-code"] == "2" and plan.outputs["has-changes"] == "true"
    markdown = Path(plan.outputs["markdown-path"]).read_text()
    assert "Values checked against the committed definitions in lfsync.definitions.json" in markdown and "not checked" not in markdown and "2 to create" in markdown
    assert Path(plan.outputs["plan-path"]) == checkout / "plan.lfplan" and (checkout / "plan.lfplan").is_file()


def test_the_pull_request_plan_refuses_a_bad_value_in_its_comment_without_a_key(tmp_path, cli):
    with serve_in_thread(EmulatorConfig(db_path=str(tmp_path / "api.db"))) as url:
        checkout = repository(tmp_path, url)
        assert cli("definitions", "pull", checkout, env={"LIGHTFIELD_API_KEY": LOCAL_KEY}).exit_code == 0
    (checkout / "accounts.yaml").write_text(ACCOUNTS.replace("enterprise", "nosuchtier"))
    plan = runner(checkout, tmp_path).run_job(PLAN_WORKFLOW, "plan")["plan"]
    assert plan.returncode == 1 and plan.outputs["exit-code"] == "1" and plan.outputs["plan-path"] == ""
    markdown = Path(plan.outputs["markdown-path"]).read_text()
    assert markdown.startswith("### lfsync plan failed") and "nosuchtier" in markdown


def test_a_reviewed_removal_goes_through_plan_and_apply_workflows_with_prune_set(tmp_path, server_accounts, monkeypatch):
    monkeypatch.setenv("LIGHTFIELD_API_KEY", LOCAL_KEY)  # for server_accounts; the workflows get it from secrets
    with serve_in_thread(EmulatorConfig(db_path=str(tmp_path / "api.db"))) as url:
        checkout = repository(tmp_path, url, settings="prune: true\n")
        keyed = runner(checkout, tmp_path, key=LOCAL_KEY)
        plan = keyed.run_job(PLAN_WORKFLOW, "plan")["plan"]
        assert plan.outputs["exit-code"] == "2", plan.stderr
        assert "2 to create" in Path(plan.outputs["markdown-path"]).read_text()

        applied = runner(checkout, tmp_path / "merge1", key=LOCAL_KEY).run_job(APPLY_WORKFLOW, "apply")
        assert [run.outputs["exit-code"] for run in applied.values()] == ["0", "0"], applied["apply"].stderr
        assert len(server_accounts(checkout)) == 2
        clean = runner(checkout, tmp_path / "pr2", key=LOCAL_KEY).run_job(PLAN_WORKFLOW, "plan")["plan"]
        assert clean.outputs["exit-code"] == "0" and clean.outputs["has-changes"] == "false", clean.stderr

        (checkout / "accounts.yaml").write_text(ACCOUNTS.split("  globex:")[0])
        removal = runner(checkout, tmp_path / "pr3", key=LOCAL_KEY).run_job(PLAN_WORKFLOW, "plan")["plan"]
        markdown = Path(removal.outputs["markdown-path"]).read_text()
        assert removal.outputs["exit-code"] == "2" and "| delete | 1 |" in markdown and "Pruning" in markdown
        merged = runner(checkout, tmp_path / "merge2", key=LOCAL_KEY).run_job(APPLY_WORKFLOW, "apply")
        assert merged["apply"].returncode == 0, merged["apply"].stderr
        assert [account["fields"]["$name"]["value"] for account in server_accounts(checkout)] == ["Acme Corp"]


def test_the_drift_check_reports_drift_with_exit_2_and_none_with_0(tmp_path, monkeypatch):
    monkeypatch.setenv("LIGHTFIELD_API_KEY", LOCAL_KEY)  # for act_directly; the workflows get it from secrets
    with serve_in_thread(EmulatorConfig(db_path=str(tmp_path / "api.db"))) as url:
        checkout = repository(tmp_path, url)
        applied = runner(checkout, tmp_path / "merge", key=LOCAL_KEY).run_job(APPLY_WORKFLOW, "apply")
        assert applied["apply"].returncode == 0, applied["apply"].stderr
        calm = runner(checkout, tmp_path / "calm", key=LOCAL_KEY).run_job(DRIFT_WORKFLOW, "drift")["plan"]
        assert calm.returncode == 0 and calm.outputs["exit-code"] == "0" and calm.outputs["has-changes"] == "false"

        async def trash_globex(api):
            [globex] = [a for a in await api.list_all_accounts() if a["fields"]["$name"]["value"] == "Globex"]
            await api.delete_account(globex["id"])

        act_directly(checkout, trash_globex)
        drift = runner(checkout, tmp_path / "drift", key=LOCAL_KEY).run_job(DRIFT_WORKFLOW, "drift")["plan"]
        assert drift.returncode == 0 and drift.outputs["exit-code"] == "2" and drift.outputs["has-changes"] == "true"
        assert "account.globex" in Path(drift.outputs["markdown-path"]).read_text()


def test_the_action_fails_the_step_on_changes_unless_detailed_exit_codes_were_asked(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "lfsync.yaml").write_text("target: local\n")
    (project / "accounts.yaml").write_text(ACCOUNTS)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIGHTFIELD_", "LFSYNC_"))}
    misused = run_action({"command": "validate", "args": "nosuchdir"}, env, project, tmp_path / "a")
    assert misused.returncode == 2 and misused.outputs["has-changes"] == "false"  # a usage error is no change
    failing = run_action({"command": "plan", "args": "--detailed-exitcode"}, env, tmp_path, tmp_path / "d")
    assert failing.returncode == 1 and failing.outputs["exit-code"] == "1" and failing.outputs["plan-path"] == ""
    assert Path(failing.outputs["markdown-path"]).read_text().startswith("### lfsync plan failed")
    planned = run_action({"command": "plan", "args": "--detailed-exitcode"}, env, project, tmp_path / "b")
    assert planned.returncode == 0 and planned.outputs["exit-code"] == "2" and planned.outputs["has-changes"] == "true"
    plain = run_action({"command": "plan", "args": "", "plan-file": ""}, env, project, tmp_path / "c")
    assert plain.returncode == 0 and plain.outputs["has-changes"] == "false" and plain.outputs["plan-path"] == ""
    assert "### lfsync plan for workspace <code>default</code>" in plain.stdout  # the markdown is in the log too


def test_the_api_key_never_reaches_the_action_outputs_or_the_markdown(tmp_path):
    with serve_in_thread(EmulatorConfig(db_path=str(tmp_path / "api.db"))) as url:
        checkout = repository(tmp_path, url)
        plan = runner(checkout, tmp_path, key=LOCAL_KEY).run_job(PLAN_WORKFLOW, "plan")["plan"]
    assert plan.outputs["exit-code"] == "2"
    shown = "\n".join([plan.stdout, plan.stderr, *plan.outputs.values(), Path(plan.outputs["markdown-path"]).read_text()])
    assert LOCAL_KEY not in shown and LOCAL_KEY not in (checkout / "plan.lfplan").read_text()


def test_readme_gitops_section_names_the_shipped_files_and_their_commands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### GitOps"):readme.index("\n### ", readme.index("### GitOps") + 1)]
    named = set(re.findall(r"examples/github-workflow/([\w.-]+\.yml)", readme))
    assert named == set(SHIPPED)
    for name in SHIPPED:
        assert f"examples/github-workflow/{name}" in section, name
        for job in load(WORKFLOWS / name)["jobs"].values():
            for step in lfsync_steps(job):
                assert f"`{command_line(step)}`" in section, (name, command_line(step))
    assert "action.yml" in section and "prune: true" in section
