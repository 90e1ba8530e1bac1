"""Safe text across every output: a declaration file's name and a server's error text stay on one
line, and the action's failure comment (as the pull-request workflow runs it) keeps whatever lfsync prints inside its code block."""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from lfsync.api.errors import error_from

from gitops import PLAN_WORKFLOW, ActionRun, lfsync_steps, load, run_action

INJECTION = "\n````\n# Injected <img src=x>\n````\n"


def test_a_file_name_holding_a_fence_stays_on_one_line_in_errors_and_plans(make_project, cli):
    name = f"evil{INJECTION}.yaml"
    root = make_project({name: "accounts:\n  a:\n    fields:\n      $name: A\n      nosuch: 1\n"})
    refused = cli("plan", root)
    assert refused.exit_code == 1
    assert "evil\\n````\\n# Injected <img src=x>\\n````\\n.yaml:5:7: fields.nosuch" in refused.stderr
    assert not [line for line in refused.stderr.splitlines() if line.startswith(("`", "#"))]

    (root / name).write_text("accounts:\n  a:\n    fields:\n      $name: A\n")
    for output_format in ("text", "markdown", "json"):
        shown = cli("plan", root, "--format", output_format)
        assert shown.exit_code == 0, shown.output
        lines = shown.stdout.splitlines()
        assert "evil" in shown.stdout and "````" not in lines and "# Injected <img src=x>" not in lines


def test_a_server_error_text_stays_on_one_line():
    request = httpx.Request("POST", "https://api.lightfield.app/v1/accounts")
    answer = httpx.Response(
        400, request=request,
        json={"error": {"type": "invalid_request_error", "code": "bad\ncode", "param": "x\u202e", "message": f"bad{INJECTION}\x1b[2Jend"}},
    )
    error = error_from(answer)
    assert str(error) == "HTTP 400 bad\\ncode (x\\u202e): bad\\n````\\n# Injected <img src=x>\\n````\\nend"


def planned_by_action(tmp_path, stand_in: str) -> ActionRun:
    """The action's plan step (as the pull-request workflow runs it) with `stand_in` as lfsync."""
    env = {**os.environ, "LFSYNC_PROJECT": ".", "BASE_REF": "main"}
    [step] = [step for step in lfsync_steps(load(PLAN_WORKFLOW)["jobs"]["plan"]) if step.get("id") == "plan"]
    return run_action(step["with"], env, tmp_path, tmp_path / "runner", stand_in=stand_in)


def test_the_failure_comment_keeps_any_error_text_inside_its_code_block(tmp_path):
    """Whatever lfsync prints on stderr (here a stand-in printing backtick runs longer than the
    comment's old fence) stays inside one fenced block of the comment."""
    run = planned_by_action(tmp_path, "#!/bin/sh\nprintf 'Error: a\\n`````\\n# Injected\\n``````````\\n<img src=x>\\n' >&2\nexit 1\n")
    assert run.returncode == 1 and run.outputs["exit-code"] == "1"

    lines = Path(run.outputs["markdown-path"]).read_text().splitlines()
    assert lines[:2] == ["### lfsync plan failed", ""]
    fence = lines[2]
    assert set(fence) == {"`"} and len(fence) > 10 and lines[-1] == fence
    inside = lines[3:-1]
    assert "# Injected" in inside and not [line for line in inside if line.startswith(fence)]


def test_a_plan_that_shows_its_own_errors_is_kept_as_the_comment(tmp_path):
    """A plan that exits 1 with its errors in it (a refused journal entry) is the comment, not
    replaced by the failure block: the reviewer sees the refusal and the changed-state warning."""
    run = planned_by_action(
        tmp_path, "#!/bin/sh\nprintf '### lfsync plan\\n\\n- :x: refused the interrupted delete\\n'\nprintf 'a note\\n' >&2\nexit 1\n"
    )
    assert run.returncode == 1 and run.outputs["exit-code"] == "1"
    comment = Path(run.outputs["markdown-path"]).read_text()
    assert comment.startswith("### lfsync plan\n\n- :x: refused the interrupted delete\n")
    assert "#### lfsync also said" in comment and "a note" in comment and "plan failed" not in comment
