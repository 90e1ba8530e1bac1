"""What refresh by default costs on the example project's plan (issue 19: at most 10%).

    python bench/bench_refresh_default.py [--runs 15]

Copies examples/ (28 accounts, `target: local`: the embedded emulator) into a scratch folder,
applies it, then times `lfsync plan --detailed-exitcode` (which now reads the managed records back)
against `lfsync plan --no-refresh --detailed-exitcode`, alternating, `--runs` times each: the whole
process (what a user waits for) and `plan_project` in-process (the plan without Python's start-up).
Medians are compared; exit status 1 when the refresh adds more than 10% to the whole process or
either plan does not exit 0 (no changes). See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lfsync.operations.planning import plan_project
from lfsync.plan.model import PlanOptions

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
GOAL = 0.10  # refresh adds at most 10% to the plan


def scratch_project(root: Path) -> Path:
    """examples/ with its state kept inside the copy (the original points at the repository's state/)."""
    project = root / "examples"
    shutil.copytree(EXAMPLES / "accounts", project / "accounts")
    settings = (EXAMPLES / "lfsync.yaml").read_text(encoding="utf-8").replace("state_dir: ../state", "state_dir: state")
    (project / "lfsync.yaml").write_text(settings, encoding="utf-8")
    return project


def lfsync(*args: str) -> tuple[float, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIGHTFIELD_", "LFSYNC_"))}
    started = time.perf_counter()
    finished = subprocess.run([sys.executable, "-m", "lfsync", *args], env={**env, "NO_COLOR": "1"},
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, finished.returncode


def in_process(project: Path, refresh: bool) -> float:
    started = time.perf_counter()
    _, plan = plan_project(project, PlanOptions(refresh=refresh))
    seconds = time.perf_counter() - started
    if plan.has_changes or plan.refreshed != refresh:
        raise SystemExit(f"the example project planned changes, or refresh={refresh} was not honoured")
    return seconds


def measure(runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in ("process refresh", "process no-refresh", "in-process refresh", "in-process no-refresh")}
    with tempfile.TemporaryDirectory(prefix="lfsync-bench-refresh-default-") as scratch:
        project = scratch_project(Path(scratch))
        if lfsync("apply", str(project), "--auto-approve")[1] != 0:
            raise SystemExit("applying the example project failed")
        for _ in range(runs):  # alternating, so a busy moment of the machine hits both alike
            for flags, name in (((), "process refresh"), (("--no-refresh",), "process no-refresh")):
                seconds, code = lfsync("plan", str(project), "--detailed-exitcode", *flags)
                if code != 0:
                    raise SystemExit(f"lfsync plan {' '.join(flags)} exited {code} (expected 0: no changes)")
                times[name].append(seconds)
            times["in-process refresh"].append(in_process(project, True))
            times["in-process no-refresh"].append(in_process(project, False))
    return times


def render(times: dict[str, list[float]], runs: int) -> tuple[str, float]:
    median = {name: statistics.median(values) for name, values in times.items()}
    lines = [f"lfsync plan of examples/ (28 accounts, target local), median of {runs} runs each, {os.cpu_count()} CPUs", "",
             f"{'what':<44} {'refresh':>9} {'no-refresh':>11} {'added':>8}"]
    added = 0.0
    for scope in ("process", "in-process"):
        with_refresh, without = median[f"{scope} refresh"], median[f"{scope} no-refresh"]
        share = with_refresh / without - 1
        added = share if scope == "process" else added
        label = "whole process (lfsync plan)" if scope == "process" else "plan_project in-process"
        lines.append(f"{label:<44} {with_refresh * 1000:>7.0f}ms {without * 1000:>9.0f}ms {share:>+8.1%}")
    lines.append(f"goal: refresh adds at most {GOAL:.0%} to the whole process")
    return "\n".join(lines), added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args()
    text, added = render(measure(options.runs), options.runs)
    print(text)
    sys.exit(0 if added <= GOAL else 1)


if __name__ == "__main__":
    main()
