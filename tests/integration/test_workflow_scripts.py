"""The workflows' actions/github-script steps, run by node against a stand-in of the GitHub API
(the calls they make recorded): the pull request keeps one plan comment, the drift check keeps one
issue, opened on drift, updated on more, closed once drift is gone."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from gitops import DRIFT_WORKFLOW, PLAN_WORKFLOW, load

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node runs the github-script steps")

HARNESS = """
const fs = require('fs');
const world = JSON.parse(process.env.WORLD);
const calls = [];
const record = (name) => async (params) => { calls.push([name, params]); return { data: {} }; };
const github = {
  paginate: async (list, params) => list(params),
  rest: { issues: {
    listComments: async () => world.comments,
    listForRepo: async (p) => world.issues.filter((i) => i.state === p.state && i.labels.includes(p.labels)),
    createComment: record('createComment'),
    updateComment: record('updateComment'),
    create: record('create'),
    update: record('update'),
    createLabel: async (params) => {
      calls.push(['createLabel', params]);
      if (world.labelExists) { const error = new Error('already_exists'); error.status = 422; throw error; }
    },
  } },
};
const context = {
  repo: { owner: 'o', repo: 'r' }, serverUrl: 'https://github.example', runId: 42, ref: 'refs/heads/main',
  sha: 'abcdef0123456789', issue: { number: 7 },
};
(async () => {
SCRIPT
})().then(() => console.log(JSON.stringify(calls)), (error) => { console.error(error); process.exit(1); });
"""


def script_of(workflow: Path, job: str) -> tuple[str, dict]:
    [step] = [step for step in load(workflow)["jobs"][job]["steps"] if str(step.get("uses", "")).startswith("actions/github-script@")]
    return step["with"]["script"], step.get("env", {})


def run_script(tmp_path: Path, workflow: Path, job: str, world: dict, env: dict[str, str]) -> list:
    script, _ = script_of(workflow, job)
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS.replace("SCRIPT", script))
    result = subprocess.run(
        [NODE, str(harness)], env={"WORLD": json.dumps(world), **env, "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def markdown(tmp_path) -> Path:
    path = tmp_path / "plan.md"
    path.write_text("### lfsync plan for workspace <code>default</code>\n\n**Plan: 1 to create**\n")
    return path


def test_the_plan_comment_is_created_once_then_updated_in_place(tmp_path, markdown):
    assert set(script_of(PLAN_WORKFLOW, "plan")[1]) == {"MARKDOWN"}
    env = {"MARKDOWN": str(markdown)}
    [(call, params)] = run_script(tmp_path, PLAN_WORKFLOW, "plan", {"comments": [], "issues": []}, env)
    assert call == "createComment" and params["issue_number"] == 7
    assert params["body"].startswith("<!-- lfsync plan comment -->\n### lfsync plan") and "abcdef0" in params["body"]

    comments = [
        {"id": 1, "user": {"type": "User"}, "body": "<!-- lfsync plan comment --> quoted by a person"},
        {"id": 2, "user": {"type": "Bot"}, "body": "<!-- lfsync plan comment -->\nold plan"},
    ]
    [(call, params)] = run_script(tmp_path, PLAN_WORKFLOW, "plan", {"comments": comments, "issues": []}, env)
    assert call == "updateComment" and params["comment_id"] == 2 and "1 to create" in params["body"]


DRIFT_ISSUE = {"number": 5, "state": "open", "labels": "lfsync-drift", "body": "<!-- lfsync drift issue -->\nold drift"}


def test_drift_opens_one_labelled_issue_with_the_markdown_plan(tmp_path, markdown):
    env = {"MARKDOWN": str(markdown), "DRIFT": "true"}
    calls = run_script(tmp_path, DRIFT_WORKFLOW, "drift", {"issues": [], "labelExists": True}, env)
    assert [call for call, _ in calls] == ["createLabel", "create"]
    created = calls[1][1]
    assert created["labels"] == ["lfsync-drift"] and created["body"].startswith("<!-- lfsync drift issue -->")
    assert "1 to create" in created["body"]


def test_later_drift_updates_the_open_issue(tmp_path, markdown):
    env = {"MARKDOWN": str(markdown), "DRIFT": "true"}
    [(call, params)] = run_script(tmp_path, DRIFT_WORKFLOW, "drift", {"issues": [DRIFT_ISSUE]}, env)
    assert call == "update" and params["issue_number"] == 5 and "1 to create" in params["body"]
    assert "state" not in params


def test_no_drift_closes_the_open_issue_and_leaves_none_alone(tmp_path, markdown):
    env = {"MARKDOWN": str(markdown), "DRIFT": "false"}
    calls = run_script(tmp_path, DRIFT_WORKFLOW, "drift", {"issues": [DRIFT_ISSUE]}, env)
    assert [call for call, _ in calls] == ["createComment", "update"]
    assert calls[1][1]["state"] == "closed" and calls[1][1]["issue_number"] == 5
    assert run_script(tmp_path, DRIFT_WORKFLOW, "drift", {"issues": []}, env) == []
    closed = {**DRIFT_ISSUE, "state": "closed"}
    assert run_script(tmp_path, DRIFT_WORKFLOW, "drift", {"issues": [closed]}, env) == []
