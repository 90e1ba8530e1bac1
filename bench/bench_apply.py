"""How fast lfsync creates accounts against the local emulator, next to what users would write instead.

    python bench/bench_apply.py [--accounts 1000] [--quick]

Every scenario gets a fresh emulator process (fresh database) and a fresh project, then counts what
landed on the server. Prints one aligned table and whether lfsync met its goals (exit status 1 if
it missed one). See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lfsync.api.pacing import DOCUMENTED_RATE_PER_SECOND as WRITE_LIMIT
from lfsync.apply.applier import DEFAULT_CONCURRENCY as CLI_DEFAULT_CONCURRENCY
from lfsync.emulator.testing import served_emulator

from contenders import Run, bare_httpx, lfsync_cli, lfsync_in_process, sdk_sequential, sdk_thread_pool
from harness import ServerCount, count_on_server, many_accounts, write_project

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # pgtesting: a throwaway PostgreSQL
from pgtesting import ThrowawayPostgres  # noqa: E402

AT_THE_LIMIT = ("--write-rate", f"{WRITE_LIMIT:g}", "--latency-ms", "150", "--latency-jitter-ms", "30")
# Issue 8's goal: the whole `lfsync apply` process at 25 writes/s and 100 ms latency.
ISSUE_8_LIMIT = ("--write-rate", f"{WRITE_LIMIT:g}", "--latency-ms", "100")
DROPPING_ANSWERS = (*AT_THE_LIMIT, "--drop-after-commit-rate", "0.05")
UNTHROTTLED = ("--write-rate", "1000", "--latency-ms", "0")
# Every emulator: a fast search bucket so counting afterwards is quick (it does not touch the
# write bucket), and a seed so jitter and injected faults repeat from run to run.
COUNTING_AND_SEED = ("--search-rate", "1000", "--seed", "7")
SDK_THREADS = 16
QUICK_ACCOUNTS, FULL_ACCOUNTS = 100, 1000
QUICK_SEQUENTIAL, FULL_SEQUENTIAL = 20, 200
BARE_HTTPX = "bare httpx.AsyncClient loop"
LFSYNC_APPLIER = "lfsync Applier.execute"
LFSYNC_APPLIER_PG = "lfsync Applier.execute, PostgreSQL state"


# -- what a scenario is and what it measured -----------------------------------------------------
@dataclass(frozen=True)
class Goal:
    label: str
    measure: Callable[[Result], float]
    met: Callable[[float], bool]


@dataclass(frozen=True)
class Scenario:
    section: str
    client: str
    emulator_flags: tuple[str, ...]
    accounts: list[dict]
    concurrency: int
    run: Callable[[str, Path, list[dict]], Run]  # (base URL, scratch directory, accounts)
    ratio_to: float | str  # a rate in accounts/s, or the client label of an earlier scenario
    goals: tuple[Goal, ...] = ()


@dataclass(frozen=True)
class Result:
    scenario: Scenario
    run: Run
    count: ServerCount
    reference_rate: float | None  # what `ratio` divides by; None for the baseline itself

    @property
    def created(self) -> int:
        """Distinct accounts that landed (duplicates not counted)."""
        return len(self.scenario.accounts) - self.count.missing

    @property
    def rate(self) -> float:
        return self.created / self.run.seconds

    @property
    def ratio(self) -> float | None:
        return self.rate / self.reference_rate if self.reference_rate else None

    @property
    def requests(self) -> int | None:
        return sum(self.run.statuses.values()) if self.run.statuses is not None else None

    @property
    def throttled(self) -> int | None:
        return self.run.statuses[429] if self.run.statuses is not None else None

    @property
    def throttled_share(self) -> float | None:
        return self.throttled / self.requests if self.requests else None


RATE_AT_LIMIT = Goal("accounts/s ÷ 25/s >= 0.95", lambda result: result.ratio, lambda value: value >= 0.95)
FEW_THROTTLED = Goal("429s < 1% of requests", lambda result: result.throttled_share, lambda value: value < 0.01)
NO_DUPLICATES = Goal("no duplicates", lambda result: result.count.duplicates, lambda value: value == 0)
NONE_MISSING = Goal("none missing", lambda result: result.count.missing, lambda value: value == 0)
LOW_OVERHEAD = Goal("accounts/s ÷ bare httpx >= 0.8", lambda result: result.ratio, lambda value: value >= 0.8)


# -- the contenders, as scenario runners ---------------------------------------------------------
class PostgresState:
    """State for the PostgreSQL rows: one throwaway server (pgserver, on a unix socket) started when
    first needed, a fresh database per run."""

    def __init__(self) -> None:
        self.server: ThrowawayPostgres | None = None

    def new_database(self) -> str:
        if self.server is None:
            self.server = ThrowawayPostgres()
        return self.server.new_database()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


POSTGRES = PostgresState()


def lfsync_applier(concurrency: int, postgres: PostgresState | None = None):
    """In-process apply; with `postgres`, state kept in a fresh database (LFSYNC_BACKEND)."""

    def run(base_url: str, scratch: Path, accounts: list[dict]) -> Run:
        project = write_project(scratch / "project", accounts, base_url)
        if postgres is None:
            return lfsync_in_process(project, concurrency)
        os.environ["LFSYNC_BACKEND"] = postgres.new_database()
        try:
            return lfsync_in_process(project, concurrency)
        finally:
            del os.environ["LFSYNC_BACKEND"]

    return run


def lfsync_command(concurrency: int, count_statuses: bool = False):
    def run(base_url: str, scratch: Path, accounts: list[dict]) -> Run:
        return lfsync_cli(write_project(scratch / "project", accounts, base_url), base_url, concurrency, count_statuses)

    return run


def sdk_loop(base_url: str, scratch: Path, accounts: list[dict]) -> Run:
    return sdk_sequential(base_url, accounts)


def sdk_pool(base_url: str, scratch: Path, accounts: list[dict]) -> Run:
    return sdk_thread_pool(base_url, accounts, SDK_THREADS)


def bare_loop(concurrency: int):
    def run(base_url: str, scratch: Path, accounts: list[dict]) -> Run:
        return bare_httpx(base_url, accounts, concurrency)

    return run


def scenarios(accounts: list[dict], sequential: list[dict]) -> list[Scenario]:
    at_limit = f"1. lfsync at the limit (emulator {' '.join(AT_THE_LIMIT)}; ratio = accounts/s ÷ 25/s)"
    sdk = "2. the official SDK instead (same emulator; ratio = accounts/s ÷ 25/s)"
    drops = f"2b. 5% of answers lost after the write committed (emulator {' '.join(DROPPING_ANSWERS)})"
    whole = f"1b. the whole lfsync apply process (emulator {' '.join(ISSUE_8_LIMIT)}; --debug counts statuses; ratio = accounts/s ÷ 25/s)"
    overhead = (f"3. lfsync's own overhead (emulator {' '.join(UNTHROTTLED)}; ratio = accounts/s ÷ {BARE_HTTPX}; "
                f"the PostgreSQL row: ÷ {LFSYNC_APPLIER} with local state)")
    default = CLI_DEFAULT_CONCURRENCY
    lfsync_goals = (RATE_AT_LIMIT, FEW_THROTTLED, NO_DUPLICATES, NONE_MISSING)
    return [
        Scenario(at_limit, "lfsync Applier.execute", AT_THE_LIMIT, accounts, default, lfsync_applier(default),
                 WRITE_LIMIT, lfsync_goals),
        Scenario(at_limit, "lfsync Applier.execute", AT_THE_LIMIT, accounts, 16, lfsync_applier(16),
                 WRITE_LIMIT, lfsync_goals),
        Scenario(at_limit, LFSYNC_APPLIER_PG, AT_THE_LIMIT, accounts, default, lfsync_applier(default, POSTGRES),
                 WRITE_LIMIT, lfsync_goals),
        Scenario(at_limit, "lfsync apply CLI (whole process)", AT_THE_LIMIT, accounts, default, lfsync_command(default),
                 WRITE_LIMIT),
        Scenario(whole, "lfsync apply CLI (whole process)", ISSUE_8_LIMIT, accounts, default,
                 lfsync_command(default, count_statuses=True), WRITE_LIMIT, lfsync_goals),
        Scenario(sdk, "SDK sequential loop", AT_THE_LIMIT, sequential, 1, sdk_loop, WRITE_LIMIT),
        Scenario(sdk, f"SDK {SDK_THREADS}-thread pool", AT_THE_LIMIT, accounts, SDK_THREADS, sdk_pool, WRITE_LIMIT),
        Scenario(drops, f"SDK {SDK_THREADS}-thread pool", DROPPING_ANSWERS, accounts, SDK_THREADS, sdk_pool, WRITE_LIMIT),
        Scenario(drops, "lfsync Applier.execute", DROPPING_ANSWERS, accounts, default, lfsync_applier(default),
                 WRITE_LIMIT, (NO_DUPLICATES, NONE_MISSING)),
        Scenario(overhead, BARE_HTTPX, UNTHROTTLED, accounts, default, bare_loop(default), BARE_HTTPX),
        Scenario(overhead, LFSYNC_APPLIER, UNTHROTTLED, accounts, default, lfsync_applier(default),
                 BARE_HTTPX, (LOW_OVERHEAD, NO_DUPLICATES, NONE_MISSING)),
        Scenario(overhead, LFSYNC_APPLIER_PG, UNTHROTTLED, accounts, default, lfsync_applier(default, POSTGRES),
                 LFSYNC_APPLIER, (NO_DUPLICATES, NONE_MISSING)),
    ]


# -- running ----------------------------------------------------------------------------------------
def measure(scenario: Scenario) -> tuple[Run, ServerCount]:
    flags = (*scenario.emulator_flags, *COUNTING_AND_SEED)
    with tempfile.TemporaryDirectory(prefix="lfsync-bench-") as scratch, served_emulator(Path(scratch) / "emulator.db", *flags) as base_url:
        run = scenario.run(base_url, Path(scratch), scenario.accounts)
        count = count_on_server(base_url, [fields["$name"] for fields in scenario.accounts])
    return run, count


def run_all(plan: list[Scenario]) -> list[Result]:
    results: list[Result] = []
    for number, scenario in enumerate(plan, start=1):
        print(f"[{number}/{len(plan)}] {scenario.client}, {len(scenario.accounts)} accounts, "
              f"concurrency {scenario.concurrency}, emulator {' '.join(scenario.emulator_flags)}", file=sys.stderr)
        run, count = measure(scenario)
        results.append(Result(scenario, run, count, reference_rate(scenario, results)))
        print(f"      {run.seconds:.1f} s", file=sys.stderr)
    return results


def reference_rate(scenario: Scenario, earlier: list[Result]) -> float | None:
    if isinstance(scenario.ratio_to, float):
        return scenario.ratio_to
    if scenario.ratio_to == scenario.client:  # the baseline itself
        return None
    return next(r.rate for r in earlier if r.scenario.client == scenario.ratio_to and r.scenario.section == scenario.section)


# -- the table ---------------------------------------------------------------------------------------
COLUMNS = ("client", "accounts", "conc", "seconds", "acc/s", "ratio", "cpu ms/acct", "requests", "429s", "429 %",
           "no answer", "failed", "dupes", "missing", "failures surfaced")
LEFT_ALIGNED = {"client", "failures surfaced"}


def table_row(result: Result) -> dict[str, str]:
    run, count = result.run, result.count
    unknown = "n/a"
    return {
        "client": result.scenario.client,
        "accounts": str(len(result.scenario.accounts)),
        "conc": str(result.scenario.concurrency),
        "seconds": f"{run.seconds:.1f}",
        "acc/s": f"{result.rate:.1f}",
        "ratio": "" if result.ratio is None else f"{result.ratio:.3f}",
        "cpu ms/acct": f"{1000 * run.cpu_seconds / len(result.scenario.accounts):.2f}",
        "requests": unknown if result.requests is None else str(result.requests),
        "429s": unknown if result.throttled is None else str(result.throttled),
        "429 %": unknown if result.throttled_share is None else f"{100 * result.throttled_share:.1f}%",
        "no answer": unknown if run.statuses is None else str(run.statuses[0]),
        "failed": str(sum(run.failures.values())),
        "dupes": str(count.duplicates),
        "missing": str(count.missing),
        "failures surfaced": ", ".join(f"{kind} ×{n}" for kind, n in run.failures.most_common()) or "-",
    }


def render_table(results: list[Result]) -> str:
    rows = [table_row(result) for result in results]
    widths = {column: max(len(column), *(len(row[column]) for row in rows)) for column in COLUMNS}
    lines: list[str] = [_line(dict(zip(COLUMNS, COLUMNS)), widths)]
    section = None
    for result, row in zip(results, rows):
        if result.scenario.section != section:
            section = result.scenario.section
            lines.append(section)
        lines.append(_line(row, widths))
    return "\n".join(lines)


def _line(row: dict[str, str], widths: dict[str, int]) -> str:
    cells = [row[c].ljust(widths[c]) if c in LEFT_ALIGNED else row[c].rjust(widths[c]) for c in COLUMNS]
    return "  ".join(cells).rstrip()


def goal_verdicts(results: list[Result]) -> list[tuple[bool, str]]:
    """(met, line) for every goal of every result."""
    verdicts = []
    for result in results:
        scenario = result.scenario
        where = f"{scenario.client} (concurrency {scenario.concurrency}, section {scenario.section.split()[0]})"
        for goal in scenario.goals:
            value = goal.measure(result)
            met = goal.met(value)
            verdicts.append((met, f"{'met   ' if met else 'MISSED'} {goal.label:<32} measured {_number(value):>7}   {where}"))
    return verdicts


def _number(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:.3f}"


# -- entry point -------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, help=f"accounts per run (default {FULL_ACCOUNTS}; {QUICK_ACCOUNTS} with --quick)")
    parser.add_argument("--quick", action="store_true", help="small numbers, to smoke-test the script in about a minute")
    parser.add_argument("--sections", help="run only these sections, e.g. 1,1b (default: all)")
    options = parser.parse_args()
    count = options.accounts or (QUICK_ACCOUNTS if options.quick else FULL_ACCOUNTS)
    sequential = min(count, QUICK_SEQUENTIAL if options.quick else FULL_SEQUENTIAL)
    forget_outside_api_settings()
    accounts = many_accounts(count)
    chosen = scenarios(accounts, accounts[:sequential])
    if options.sections:
        wanted = {f"{name.strip()}." for name in options.sections.split(",")}
        chosen = [scenario for scenario in chosen if scenario.section.split()[0] in wanted]
    try:
        results = run_all(chosen)
    finally:
        POSTGRES.stop()
    print(f"lfsync apply benchmark: {count} accounts per run (SDK sequential loop: {sequential}), "
          f"{os.cpu_count()} CPUs, every run against a fresh emulator process.")
    print("seconds: first request to last answer (the CLI row: the whole process). acc/s: distinct accounts stored / seconds.")
    print("cpu ms/acct: CPU the client process used meanwhile, per account attempted (the emulator's own CPU not included).")
    print()
    print(render_table(results))
    print()
    verdicts = goal_verdicts(results)
    print("\n".join(line for _, line in verdicts))
    sys.exit(0 if all(met for met, _ in verdicts) else 1)


def forget_outside_api_settings() -> None:
    """The benchmark talks only to its own emulators: ignore any LIGHTFIELD_*/LFSYNC_* of the caller."""
    for name in [name for name in os.environ if name.startswith(("LIGHTFIELD_", "LFSYNC_"))]:
        del os.environ[name]


if __name__ == "__main__":
    main()
