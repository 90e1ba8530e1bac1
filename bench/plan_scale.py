"""How lfsync's plan scales with the size of a project (issue 8): a table of measured vs goal.

Generates a project of N accounts (8 lines each, spread over 100 files; every tenth account has an
$owner, the others a parentAccount reference), then times whole `lfsync` processes on it:
cold `plan --format json` (parse cache removed first), warm plan (files unchanged: cache hits),
`plan --format markdown`, `validate --offline`, `lfsync --version`, and the reference: a process
that reads the same files with libyaml's C loader (PyYAML's CSafeLoader). Peak RSS is each
process's own (wait4). It also times the loader alone in this process (lfsync's parse of every
file vs CSafeLoader's) and each stage of a plan, loading with and without the helper process that
parses files from the other end of the list (lfsync.support.offload).

    python bench/plan_scale.py                 # 10,000 accounts, 3 rounds (medians)
    python bench/plan_scale.py --large         # also 100,000 accounts (1 round)
    python bench/plan_scale.py --accounts 2000 --runs 1
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
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import account_fields  # noqa: E402

FILES = 100
REFERENCE_SCRIPT = """
import sys, yaml
for name in sys.argv[1:]:
    with open(name, "rb") as handle:
        yaml.load(handle, Loader=yaml.CSafeLoader)
"""


# -- the project ------------------------------------------------------------------------------
def account_lines(number: int) -> list[str]:
    fields = account_fields(number)
    relationship = (
        "      $owner: mem_cadalovelace000000000" if number % 10 == 0
        else f"      parentAccount: account.acct-{number - number % 10:06d}"
    )
    return [
        f"  acct-{number:06d}:",
        "    fields:",
        f"      $name: {fields['$name']}",
        f"      $website: [{fields['$website'][0]}]",
        f"      tier: {fields['tier']}",
        f"      icp-score: {fields['icp-score']}",
        "    relationships:",
        relationship,
    ]


def write_project(root: Path, accounts: int, files: int = FILES) -> list[Path]:
    (root / "accounts").mkdir(parents=True)
    (root / "lfsync.yaml").write_text("target: local\nworkspace: bench\nskip_enrichment: true\n", encoding="utf-8")
    per_file = -(-accounts // files)
    written = []
    for index in range(files):
        numbers = range(index * per_file, min(accounts, (index + 1) * per_file))
        lines = ["accounts:"] + [line for number in numbers for line in account_lines(number)]
        path = root / "accounts" / f"part-{index:03d}.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
    return written


# -- timing whole processes -------------------------------------------------------------------
@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    exit_code: int


def run_process(command: list[str], cwd: Path, env: dict[str, str]) -> Run:
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode not in (0, 2):
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}): {stderr[:2000]}")
    return Run(seconds, usage.ru_maxrss / 1024, process.returncode)


def median_run(runs: list[Run]) -> Run:
    return Run(statistics.median(r.seconds for r in runs), max(r.peak_rss_mb for r in runs), runs[0].exit_code)


# -- the loader alone, in this process ---------------------------------------------------------
def loader_seconds(files: list[Path], project: Path) -> tuple[float, float]:
    """(lfsync's parse of every file, CSafeLoader's) in this process, best of 3."""
    import yaml

    from lfsync.declare.parsecache import parse_bytes

    contents = [path.read_bytes() for path in files]
    ours, reference = [], []
    for _ in range(3):
        started = time.perf_counter()
        for data in contents:
            parse_bytes(data, "f")
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        for data in contents:
            yaml.load(data, Loader=yaml.CSafeLoader)
        reference.append(time.perf_counter() - started)
    return min(ours), min(reference)


def stage_seconds(project: Path) -> dict[str, float]:
    """Where a plan's time goes, stage by stage, in this process (best of 2), after the processes
    above left the parse cache and the organisation's definitions under .lfsync/."""
    from lfsync.declare.declarations import load_declarations
    from lfsync.declare.parsecache import Uncached
    from lfsync.operations.declared_project import load_declared, with_checked_values
    from lfsync.operations.planning import build_plan
    from lfsync.state.workspace import load_state
    from lfsync.support import collector, offload
    from lfsync.ui.markdown import render_markdown
    from lfsync.ui.planjson import plan_json
    from lfsync.values.organisation import offline_organisation

    best: dict[str, float] = {}

    def clock(name: str, action):
        started = time.perf_counter()
        result = action()
        best[name] = min(best.get(name, float("inf")), time.perf_counter() - started)
        return result

    collector.for_one_command()  # the garbage collector as the `lfsync` command sets it up
    cwd = os.getcwd()
    os.chdir(project)
    try:
        for _ in range(2):
            offload._enabled = False
            clock("load_declarations, every file parsed here", lambda: load_declarations(project, cache=Uncached()))
            offload.enable_for_command()  # as the `lfsync` command: a helper process takes files from the other end
            clock("load_declarations, every file parsed, with a helper", lambda: load_declarations(project, cache=Uncached()))
            declared = clock("load_declared, parse cache hits", lambda: load_declared(project))
            known = offline_organisation(declared.project)
            checked = clock("with_checked_values, cache hits", lambda: with_checked_values(declared, known))
            state = load_state(declared.project)
            plan = clock("build_plan", lambda: build_plan(checked, state))
            clock("plan_json (what plan --format json writes)", lambda: plan_json(plan))
            clock("render_markdown", lambda: render_markdown(plan))
    finally:
        os.chdir(cwd)
    return best


# -- one size ----------------------------------------------------------------------------------
@dataclass
class Row:
    what: str
    measured: str
    goal: str
    met: bool | None


def compile_lfsync() -> None:
    """Byte-compile lfsync as `pip install` does for an installed package: with PYTHONDONTWRITEBYTECODE
    set (as on some CI machines) an editable checkout would otherwise compile its source on every run."""
    import compileall

    import lfsync

    compileall.compile_dir(Path(lfsync.__file__).parent, quiet=1)


def measure(accounts: int, runs: int, warm_goal: float, rss_goal_mb: float) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="lfsync-plan-scale-") as temporary:
        root = Path(temporary) / "project"
        files = write_project(root, accounts)
        env = {**os.environ, "XDG_CACHE_HOME": str(Path(temporary) / "user-cache")}
        for variable in ("LIGHTFIELD_BASE_URL", "LIGHTFIELD_API_KEY", "LFSYNC_WORKSPACE"):
            env.pop(variable, None)
        lfsync = [sys.executable, "-m", "lfsync"]
        cache = root / ".lfsync" / "parse-cache"

        def cold(*args: str) -> Run:
            shutil.rmtree(cache, ignore_errors=True)
            return run_process(lfsync + list(args), root, env)

        print(f"[{accounts:,} accounts] reference, cold and warm plans ...", file=sys.stderr)
        rounds: dict[str, list[Run]] = {}
        for _ in range(runs):  # round by round, so that each ratio compares runs made at the same time
            for name, run in (
                ("reference", lambda: run_process([sys.executable, "-c", REFERENCE_SCRIPT, *map(str, files)], root, env)),
                ("cold json", lambda: cold("plan", "--format", "json")),  # it fills the cache, without problems
                ("warm json", lambda: run_process(lfsync + ["plan", "--format", "json"], root, env)),
                ("cold markdown", lambda: cold("plan", "--format", "markdown")),
                ("cold validate", lambda: cold("validate", "--offline")),
                ("version", lambda: run_process(lfsync + ["--version"], root, env)),
            ):
                rounds.setdefault(name, []).append(run())
        reference, cold_json, warm_json, cold_markdown, cold_validate, version = (
            median_run(rounds[name]) for name in ("reference", "cold json", "warm json", "cold markdown", "cold validate", "version")
        )
        ratio = {
            name: statistics.median(run.seconds / ref.seconds for run, ref in zip(rounds[name], rounds["reference"]))
            for name in ("cold json", "cold markdown", "cold validate")
        }
        print(f"[{accounts:,} accounts] loader alone ...", file=sys.stderr)
        ours, libyaml = loader_seconds(files, root)
        print(f"[{accounts:,} accounts] stages in process ...", file=sys.stderr)
        os.environ["XDG_CACHE_HOME"] = env["XDG_CACHE_HOME"]  # the same signing key as the processes above
        stages = stage_seconds(root)

    def against_reference(what: str, name: str, run: Run) -> Row:
        return Row(what, f"{run.seconds:.2f} s = {ratio[name]:.2f}x ref", "<= 2x ref (median of each round's ratio)",
                   ratio[name] <= 2)

    rows = [
        Row("reference: CSafeLoader reads the files (process)", f"{reference.seconds:.2f} s", "", None),
        against_reference("cold plan --format json", "cold json", cold_json),
        Row("warm plan --format json (cache hits)", f"{warm_json.seconds:.2f} s", f"<= {warm_goal:.1f} s",
            warm_json.seconds <= warm_goal),
        against_reference("cold plan --format markdown", "cold markdown", cold_markdown),
        against_reference("cold validate --offline", "cold validate", cold_validate),
        Row("peak RSS of validate --offline (no plan output)", f"{cold_validate.peak_rss_mb:.0f} MB", f"<= {rss_goal_mb:.0f} MB",
            cold_validate.peak_rss_mb <= rss_goal_mb),
        Row("peak RSS (largest of the plans)", f"{max(cold_json.peak_rss_mb, warm_json.peak_rss_mb, cold_markdown.peak_rss_mb):.0f} MB",
            f"<= {rss_goal_mb:.0f} MB", max(cold_json.peak_rss_mb, warm_json.peak_rss_mb, cold_markdown.peak_rss_mb) <= rss_goal_mb),
        Row("lfsync --version", f"{version.seconds:.2f} s", "<= 0.3 s", version.seconds <= 0.3),
        Row("loader alone: lfsync parse / CSafeLoader (in process)", f"{ours:.2f} s / {libyaml:.2f} s = {ours / libyaml:.2f}x",
            "<= 2x", ours <= 2 * libyaml),
    ]
    rows += [Row(f"  stage: {name}", f"{seconds:.2f} s", "", None) for name, seconds in stages.items()]
    return rows


def print_table(accounts: int, rows: list[Row]) -> None:
    width = max(len(row.what) for row in rows)
    measured_width = max(len(row.measured) for row in rows)
    print(f"\n{accounts:,} accounts, 8 lines each, {FILES} files; {os.cpu_count()} CPUs; medians of whole processes")
    print(f"{'':6}  {'what':{width}}  {'measured':{measured_width}}  goal")
    for row in rows:
        verdict = "" if row.met is None else ("met" if row.met else "MISSED")
        print(f"{verdict:6}  {row.what:{width}}  {row.measured:{measured_width}}  {row.goal}")


def goals_for(accounts: int) -> tuple[float, float]:
    """(warm plan seconds, peak RSS MB) from issue 8's table: its 100,000 row from that size up."""
    return (6.0, 1024.0) if accounts >= 100_000 else (1.0, 250.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--large", action="store_true", help="also measure 100,000 accounts (one run each)")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    sizes = [(options.accounts, options.runs, *goals_for(options.accounts))]
    if options.large:
        sizes.append((100_000, 1, *goals_for(100_000)))
    compile_lfsync()
    missed = False
    for accounts, runs, warm_goal, rss_goal in sizes:
        rows = measure(accounts, runs, warm_goal, rss_goal)
        print_table(accounts, rows)
        missed |= any(row.met is False for row in rows)
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
