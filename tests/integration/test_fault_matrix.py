"""The fault matrix: `lfsync apply` (the CLI, in a process of its own) against a served emulator
injecting each fault alone and in combinations, in both API modes. After every case, on the server:
nothing lost, nothing duplicated (exactly one account per declared address, each in state with its
server ID, no journal left); and the summaries told the truth (their numbers are what the server and
state show). When an apply gives up under heavy faults, the next one finishes and the totals hold.

Faults are seeded; which request draws which fault still depends on the order requests arrive in,
so the checks are invariants that hold for every draw, not expected counts of one run.
CI runs short cases; `pytest --run-slow -m slow` runs long ones.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lfsync.emulator.testing import DOCS_LITERAL, served_emulator

from served import all_accounts, numbered_accounts, start_apply

FAST_WRITES = ("--write-rate", "400")

FAULTS: dict[str, tuple[str, ...]] = {
    "failures": ("--fail-rate", "0.3", *FAST_WRITES),
    "dropped-after-commit": ("--drop-after-commit-rate", "0.3", *FAST_WRITES),
    "gateway-timeouts": ("--gateway-timeout-rate", "0.3", "--latency-ms", "20", *FAST_WRITES),
    "latency": ("--latency-ms", "20", "--latency-jitter-ms", "80", *FAST_WRITES),
    "index-lag": ("--index-lag-ms", "400", *FAST_WRITES),
    "rate-limited": ("--write-rate", "15"),
}
EVERYTHING = ("--fail-rate", "0.1", "--drop-after-commit-rate", "0.1", "--gateway-timeout-rate", "0.1",
              "--latency-ms", "5", "--latency-jitter-ms", "30", "--index-lag-ms", "300", "--write-rate", "40")
COMBINATIONS: dict[str, tuple[str, ...]] = {
    "lost-answers": ("--fail-rate", "0.15", "--drop-after-commit-rate", "0.15", "--gateway-timeout-rate", "0.15",
                     *FAST_WRITES),
    "slow-and-lagging": ("--latency-ms", "10", "--latency-jitter-ms", "40", "--index-lag-ms", "400", "--write-rate", "30"),
    "everything": EVERYTHING,
}
HEAVY = ("--fail-rate", "0.7", "--drop-after-commit-rate", "0.2", "--gateway-timeout-rate", "0.1",
         "--index-lag-ms", "300", *FAST_WRITES)

APPLIES_AT_MOST = 6
SUMMARY = re.compile(r"^Apply (complete! Resources|finished with errors): (?P<counts>.*?)(, (?P<failed>\d+) failed)?\.$",
                     re.MULTILINE)
PLAN = re.compile(r"^Plan: (?P<counts>.*)\.$", re.MULTILINE)
SETTLED = re.compile(r"^  account\.acct-\d+: (interrupted (?P<operation>create|update) settled|adopted \S+, created by an "
                     r"interrupted apply)$", re.MULTILINE)


@dataclass
class Totals:
    """What the summaries of the applies so far claimed, added up."""

    outcomes: dict[str, int] = field(default_factory=dict)
    settled: dict[str, int] = field(default_factory=dict)  # by operation: changes an earlier apply left unanswered
    runs: int = 0


def counted(text: str) -> dict[str, int]:
    """'40 created, 0 updated' -> {'created': 40, 'updated': 0}"""
    return {word: int(number) for number, word in (part.split(" ", 1) for part in text.split(", "))}


def state_ids(project: Path) -> dict[str, str]:
    """Address -> account ID, as state records them (none before the first apply wrote state)."""
    path = project / "state" / "default.lfstate.json"
    if not path.exists():
        return {}
    state = json.loads(path.read_text())
    return {address: resource["id"] for address, resource in state["resources"].items()}


def apply_until_done(project: Path, url: str, planned: str, applied: str, *flags: str) -> Totals:
    """Apply until one finishes cleanly; check each run's summary against the server and state.
    `planned` is the plan's action ('create', 'update'), `applied` its outcome ('created', 'updated')."""
    totals = Totals()
    while totals.runs < APPLIES_AT_MOST:
        totals.runs += 1
        before = set(state_ids(project).items())
        process = start_apply(project, url, "--concurrency", "8", *flags)
        output, _ = process.communicate(timeout=600)
        assert "Traceback" not in output and "unexpected" not in output, output
        settled = [match["operation"] or "create" for match in SETTLED.finditer(output)]
        for operation in settled:
            totals.settled[operation] = totals.settled.get(operation, 0) + 1
        summary = SUMMARY.search(output)
        if summary is None:  # nothing new was sent: settling was all there was, or the access check or settling gave up
            assert len(set(state_ids(project).items()) - before) == settled.count("create"), output
            if "Apply complete! Nothing to change." in output:
                assert process.returncode == 0, output
                return totals
            assert process.returncode == 1, output
            continue
        outcomes = counted(summary["counts"])
        failed = int(summary["failed"] or 0)
        plan = counted(PLAN.search(output)["counts"])
        # every planned change is counted once: done or failed
        assert outcomes.get(applied, 0) + failed == plan[f"to {planned}"], output
        assert (process.returncode == 0) == (failed == 0), output
        for outcome, number in outcomes.items():
            totals.outcomes[outcome] = totals.outcomes.get(outcome, 0) + number
        after = set(state_ids(project).items())
        if planned == "create":  # each account created or settled is a new entry in state, nothing else is
            assert len(after - before) == outcomes.get("created", 0) + settled.count("create"), output
        if failed == 0:
            return totals
    raise AssertionError(f"{APPLIES_AT_MOST} applies did not finish")


def index_lag_seconds(flags: tuple[str, ...]) -> float:
    return float(flags[flags.index("--index-lag-ms") + 1]) / 1000 if "--index-lag-ms" in flags else 0.0


def assert_exactly_once(project: Path, url: str, count: int, index_lag: float, score_offset: int = 0) -> None:
    # Lists show the writes older than the index lag, on the emulator's clock (this machine's); the
    # applies have ended, so once the lag has passed every write they made is listed.
    time.sleep(index_lag)
    records = all_accounts(url)
    by_name: dict[str, list[dict]] = {}
    for record in records:
        by_name.setdefault(record["fields"]["$name"]["value"], []).append(record)
    assert sorted(by_name) == [f"Crash Test {i:04d}" for i in range(count)], "lost or stray accounts"
    duplicated = {name: len(found) for name, found in by_name.items() if len(found) > 1}
    assert not duplicated, f"duplicates: {duplicated}"
    ids = state_ids(project)
    assert len(ids) == count
    for address, account_id in ids.items():
        number = int(address.split("-")[1])
        (record,) = by_name[f"Crash Test {number:04d}"]
        assert record["id"] == account_id, address
        assert record["fields"]["icp-score"]["value"] == (number + score_offset) % 100, address
    assert not (project / "state" / "default.journal.jsonl").exists()


def run_case(make_project, tmp_path: Path, api_mode: str, flags: tuple[str, ...], seed: int, count: int,
             update: bool = False) -> list[Totals]:
    project = make_project({"accounts.yaml": numbered_accounts(count)}, settings="skip_enrichment: true\n")
    mode = ("--docs-literal",) if api_mode == DOCS_LITERAL else ()
    runs = []
    with served_emulator(tmp_path / "emulator.db", *flags, *mode, "--seed", str(seed)) as url:
        created = apply_until_done(project, url, "create", "created")
        assert created.outcomes.get("created", 0) + created.settled.get("create", 0) == count
        runs.append(created)
        assert_exactly_once(project, url, count, index_lag_seconds(flags))
        if update:
            (project / "accounts.yaml").write_text(numbered_accounts(count, score_offset=1), encoding="utf-8")
            updated = apply_until_done(project, url, "update", "updated", "--allow-large-change")  # every account, on purpose
            assert updated.outcomes.get("updated", 0) + updated.settled.get("update", 0) == count
            assert updated.outcomes.get("created", 0) == 0
            runs.append(updated)
            assert_exactly_once(project, url, count, index_lag_seconds(flags), score_offset=1)
    return runs


@pytest.mark.parametrize("fault", FAULTS)
def test_each_fault_alone(make_project, tmp_path, api_mode, fault):
    run_case(make_project, tmp_path, api_mode, FAULTS[fault], seed=31, count=40)


def test_all_faults_at_once_create_then_update(make_project, tmp_path, api_mode):
    run_case(make_project, tmp_path, api_mode, EVERYTHING, seed=37, count=40, update=True)


def test_heavy_faults_settle_over_several_applies(make_project, tmp_path, api_mode):
    """70% of requests fail (so the access check or some creates usually give up, and a later
    apply settles what was left): however many applies it takes, every account lands once and
    the summaries add up."""
    run_case(make_project, tmp_path, api_mode, HEAVY, seed=41, count=40)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("case", [*FAULTS, *COMBINATIONS, "heavy"])
def test_fault_matrix_long(make_project, tmp_path, api_mode, case, seed):
    flags = HEAVY if case == "heavy" else {**FAULTS, **COMBINATIONS}[case]
    run_case(make_project, tmp_path, api_mode, flags, seed=500 + seed, count=300, update=True)
