"""Which files a change modifies, asked of git: one bounded subprocess per question (a timeout, no
prompt, a capped answer), for notes shown to a reviewer (`lfsync plan --base REF`)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from lfsync.errors import LfsyncError

GIT_TIMEOUT_SECONDS = 30
MAX_LISTED = 10_000  # paths read from one answer; a review note never needs more


class GitDiffFailed(LfsyncError):
    pass


def changed_since(base: str, directory: Path, under: Path) -> list[Path]:
    """The files under `under` that the commits since `base` modify: `git diff --name-only
    base...HEAD` (what a pull request changes against its base branch), as absolute paths.
    GitDiffFailed when `directory` is not in a git repository or `base` names no commit."""
    if not base or base.startswith("-"):
        raise GitDiffFailed(f"--base {base!r} is not a git revision")
    top = Path(_git(directory, "rev-parse", "--show-toplevel", failure=f"{directory} is not in a git repository").strip())
    _git(directory, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}",
         failure=f"--base {base!r} names no commit in the git repository at {top} (fetch it first: a shallow "
                 "checkout, e.g. actions/checkout without fetch-depth: 0, holds no base branch)")
    try:
        scope = under.resolve().relative_to(top.resolve())
    except ValueError:
        return []  # state kept outside the repository: no change to it can be in a pull request
    answer = _git(top, "diff", "--name-only", "-z", "--no-renames", f"{base}...HEAD", "--", str(scope) or ".",
                  failure=f"git could not compare {base!r} with HEAD")
    names = [name for name in answer.split("\0") if name][:MAX_LISTED]
    return [top / name for name in names]


def _git(directory: Path, *arguments: str, failure: str) -> str:
    environment = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        result = subprocess.run(
            ["git", "-c", "core.quotepath=off", *arguments], cwd=directory, env=environment,
            capture_output=True, timeout=GIT_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise GitDiffFailed(f"{failure}: git is not installed") from None
    except subprocess.TimeoutExpired:
        raise GitDiffFailed(f"{failure}: git did not answer within {GIT_TIMEOUT_SECONDS}s") from None
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitDiffFailed(failure + (f" ({detail[-1][:300]})" if detail else ""))
    return result.stdout.decode("utf-8", "replace")
