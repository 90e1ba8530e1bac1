"""A bug in lfsync exits 3 and leaves a crash report under `.lfsync/`, with every secret redacted."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from lfsync.errors import EXIT_BUG, EXIT_ERROR

API_KEY = "sk_live_crash_report_key_7f3a"
KEY_IN_FILE = "sk_live_key_from_a_mounted_file_91c2"
DB_PASSWORD = "pg-pass/w0rd@x"  # written %-encoded in the URL
PGPASSWORD = "pgpassword-from-the-environment-55"
WORKSPACE_KEY = "sk_live_workspace_demo_eu_key_0b1d"
SECRETS = (API_KEY, KEY_IN_FILE, DB_PASSWORD, "pg-pass%2Fw0rd%40x", PGPASSWORD, WORKSPACE_KEY)


def render_with_a_bug(*args, **kwargs):
    """Stands for a bug in rendering: the plan was made (against the local emulator), showing it fails."""
    raise RuntimeError(f"cannot render with {API_KEY} and {PGPASSWORD}")


def crash_reports(folder: Path) -> list[Path]:
    return sorted((folder / ".lfsync").glob("crash-*.log"))


def named_report(stderr: str, base: Path) -> Path:
    found = re.search(r"crash report: (\S+\.log)\)", stderr)
    assert found, stderr
    return (base / found.group(1)).resolve()


def test_a_bug_exits_3_with_a_crash_report_in_the_project(project, cli, monkeypatch):
    import lfsync.commands.plan

    monkeypatch.setattr(lfsync.commands.plan, "show_plan", render_with_a_bug)
    monkeypatch.setenv("PGPASSWORD", PGPASSWORD)
    monkeypatch.chdir(project.parent)
    result = cli("plan", project.name, env={"LIGHTFIELD_API_KEY": API_KEY})
    assert result.exit_code == EXIT_BUG
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: unexpected RuntimeError: cannot render with *** and *** (a bug in lfsync; crash report: ")
    [report] = crash_reports(project)
    assert named_report(result.stderr, project.parent) == report.resolve()
    assert re.fullmatch(rf"crash-\d{{8}}T\d{{6}}Z-{os.getpid()}\.log", report.name)
    text = report.read_text()
    assert "lfsync crash report" in text and f"command: lfsync plan {project.name}" in text
    assert f"python: {sys.version.split()[0]}" in text and "platform: " in text and "lfsync: " in text
    assert "Traceback (most recent call last)" in text and "in render_with_a_bug" in text
    assert "RuntimeError: cannot render with *** and ***" in text
    assert not any(secret in text or secret in result.stderr for secret in SECRETS)


def test_a_user_error_is_no_bug_and_writes_no_report(project, cli):
    (project / "accounts.yaml").write_text("accounts:\n  Bad Key!: {}\n")
    result = cli("plan", project)
    assert result.exit_code == EXIT_ERROR and "unexpected" not in result.stderr
    assert crash_reports(project) == []


def test_without_a_project_the_report_goes_to_the_current_directory(tmp_path, cli, monkeypatch):
    import lfsync.commands.fmt

    def formatting_with_a_bug(*args, **kwargs):
        raise KeyError("a bug while formatting")

    monkeypatch.setattr(lfsync.commands.fmt, "format_project", formatting_with_a_bug)
    monkeypatch.chdir(tmp_path)
    result = cli("fmt")
    assert result.exit_code == EXIT_BUG
    [report] = crash_reports(tmp_path)
    assert named_report(result.stderr, tmp_path) == report.resolve()
    assert "KeyError: 'a bug while formatting'" in report.read_text()


def test_a_report_that_cannot_be_written_is_said_and_the_exit_is_still_3(project, cli, monkeypatch):
    import lfsync.commands.plan

    (project / ".lfsync").write_text("a file where the folder would be")
    monkeypatch.setattr(lfsync.commands.plan, "plan_project", render_with_a_bug)
    monkeypatch.chdir(project)
    result = cli("plan")
    assert result.exit_code == EXIT_BUG
    assert result.stderr.strip().endswith("(a bug in lfsync; no crash report (cannot write .lfsync: File exists))")


def test_with_lfsync_debug_the_traceback_is_printed_redacted(project, cli, monkeypatch):
    import lfsync.commands.plan

    monkeypatch.setattr(lfsync.commands.plan, "plan_project", render_with_a_bug)
    monkeypatch.setenv("PGPASSWORD", PGPASSWORD)
    result = cli("plan", project, env={"LFSYNC_DEBUG": "1", "LIGHTFIELD_API_KEY": API_KEY})
    assert result.exit_code == EXIT_BUG
    assert "Traceback (most recent call last)" in result.stderr and "in render_with_a_bug" in result.stderr
    assert API_KEY not in result.stderr and PGPASSWORD not in result.stderr
    assert len(crash_reports(project)) == 1


def test_the_console_script_redacts_every_secret_it_could_know(make_project, tmp_path):
    """`lfsync` itself (run()), in a fresh interpreter: keys from a file and from a workspace's
    variable, a database password from LFSYNC_BACKEND and from lfsync.yaml, and one on the command line."""
    settings = (
        "target: local\n"
        "backend: postgresql://lfsync:pg-pass%2Fw0rd%40x@db.example/lfsync\n"
        "workspaces:\n  demo-eu: {target: https://eu.example, api_key_env: LF_KEY_DEMO_EU}\n"
    )
    project = make_project({}, settings=settings)
    key_file = tmp_path / "api-key"
    key_file.write_text(KEY_IN_FILE + "\n")
    code = (
        "import sys\n"
        "import lfsync.commands.plan\n"
        "def plan_with_a_bug(*args, **kwargs):\n"
        f"    raise AssertionError('leaked: ' + {KEY_IN_FILE!r} + ' ' + {DB_PASSWORD!r} + ' ' + {WORKSPACE_KEY!r})\n"
        "lfsync.commands.plan.plan_project = plan_with_a_bug\n"
        f"sys.argv = ['lfsync', 'plan', {str(project)!r}, '--out', {DB_PASSWORD + '.lfplan'!r}]\n"
        "from lfsync.__main__ import run\n"
        "run()\n"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("LIGHTFIELD_", "LFSYNC_", "PG"))},
        "LIGHTFIELD_API_KEY_FILE": str(key_file),
        "LF_KEY_DEMO_EU": WORKSPACE_KEY,
        "LFSYNC_BACKEND": "postgresql://lfsync:other%20secret@db.example/lfsync",
    }
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == EXIT_BUG, result.stderr
    [report] = crash_reports(project)
    assert named_report(result.stderr, tmp_path) == report.resolve()
    text = report.read_text()
    assert "AssertionError: leaked: *** *** ***" in text and "plan_with_a_bug" in text
    assert f"command: lfsync plan {project} --out ***.lfplan" in text
    for secret in (*SECRETS, "other secret", "other%20secret"):
        assert secret not in text and secret not in result.stderr, secret
