"""Seeding the example demo (examples/demo-seeding: accounts, contacts, opportunities, tasks, notes,
lists) at the write limit: one organisation, then two at once with `--all-workspaces`.

    python bench/bench_demo.py [--runs 1] [--latency-ms 100]

Each run copies the example into a scratch folder and points its workspaces at emulators served in
threads of this process (`--write-rate 25 --latency-ms 100`, a fresh SQLite file each, reads
unthrottled), each behind a middleware that notes every write request it receives (bench_graph's
WriteTally). The real `lfsync apply` runs as a subprocess, timed from its start to its exit:
`--workspace demo-eu` for one organisation, `--all-workspaces` for two. Then every live record of
each kind is listed on each server and compared with the IDs and names state holds.

- rate after 1 s: the writes that landed after the first second of writing (the bucket starts full:
  25 go at once), over the time from then to the last write; target >= 0.95 of 25/s.
- one org vs two: the `--all-workspaces` wall time over the one-organisation wall time; target
  1.0 ± 0.15 (each organisation has its own limit).
- duplicates and missing per kind: 0.
Exit status 1 if a target is missed. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from bench_graph import THROTTLED, Write, WriteTally, list_records

from lfsync.api.pacing import DOCUMENTED_RATE_PER_SECOND as WRITE_LIMIT
from lfsync.emulator import EmulatorConfig
from lfsync.emulator.testing import serve_in_thread

from harness import API_KEY, compile_lfsync

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "demo-seeding"
UNTHROTTLED_RATE = 1000.0
RATE_TARGET = 0.95
PAIR_TOLERANCE = 0.15
KEY_VARIABLE = "LF_BENCH_KEY"
WORKSPACES = ("demo-eu", "demo-us")
KIND_PATHS = {"account": "accounts", "contact": "contacts", "opportunity": "opportunities", "task": "tasks",
              "note": "notes", "list": "lists"}


@dataclass(frozen=True)
class Stored:
    records: int  # what state holds of the kind
    duplicates: int  # live records sharing the name (or a contact's email) of a managed one, beyond it
    missing: int  # managed IDs not live on the server


@dataclass(frozen=True)
class Run:
    workspaces: tuple[str, ...]
    wall: float
    started: float
    writes: dict[str, list[Write]]  # per workspace
    stored: dict[str, dict[str, Stored]]  # per workspace, per kind

    def landed(self, workspace: str) -> list[Write]:
        return [write for write in self.writes[workspace] if write.status != THROTTLED]

    def rate_after_first_second(self, workspace: str) -> float:
        """Writes per second that landed after the first second of writing, until the last."""
        times = sorted(write.at for write in self.landed(workspace))
        if len(times) < 2:
            return 0.0
        after = [at for at in times if at >= times[0] + 1.0]
        span = times[-1] - (times[0] + 1.0)
        return len(after) / span if span > 0 else 0.0

    def first_write(self) -> float:
        return min(write.at for writes in self.writes.values() for write in writes) - self.started

    def after_last_write(self) -> float:
        return self.started + self.wall - max(write.at for writes in self.writes.values() for write in writes)


def copy_example(scratch: Path, urls: dict[str, str]) -> Path:
    """The example under scratch/examples/demo-seeding (its state in scratch/state), each workspace of
    `urls` targeting its emulator with the bench key's variable."""
    project = scratch / "examples" / "demo-seeding"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".lfsync"))
    settings = (project / "lfsync.yaml").read_text()
    eu = "  demo-eu: {target: local, owns_organisation: true}"
    us = "    target: local\n"
    assert eu in settings and us in settings, "examples/demo-seeding/lfsync.yaml's workspaces changed: update bench_demo"
    settings = settings.replace(eu, f"  demo-eu: {{target: '{urls.get('demo-eu', 'local')}', api_key_env: {KEY_VARIABLE}, "
                                    "owns_organisation: true}")
    settings = settings.replace(us, f"    target: '{urls.get('demo-us', 'local')}'\n    api_key_env: {KEY_VARIABLE}\n")
    (project / "lfsync.yaml").write_text(settings)
    return project


def run_once(workspaces: tuple[str, ...], rate: float, latency_ms: float) -> Run:
    tallies = {name: WriteTally() for name in workspaces}
    with tempfile.TemporaryDirectory(prefix="lfsync-bench-demo-") as scratch, ExitStack() as stack:
        urls = {}
        for name in workspaces:
            config = EmulatorConfig(db_path=str(Path(scratch) / f"{name}.db"), write_rate=rate, latency_ms=latency_ms,
                                    read_rate=UNTHROTTLED_RATE, search_rate=UNTHROTTLED_RATE, seed=7)
            urls[name] = stack.enter_context(serve_in_thread(config, middleware=tallies[name].middleware()))
        project = copy_example(Path(scratch), urls)
        chosen = ["--all-workspaces"] if len(workspaces) > 1 else ["--workspace", workspaces[0]]
        started, wall = timed_apply(project, chosen)
        stored = {name: count_stored(urls[name], Path(scratch) / "state" / f"{name}.lfstate.json") for name in workspaces}
    return Run(workspaces, wall, started, {name: list(tally.writes) for name, tally in tallies.items()}, stored)


def timed_apply(project: Path, chosen: list[str]) -> tuple[float, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIGHTFIELD_", "LFSYNC_"))}
    env |= {KEY_VARIABLE: API_KEY, "NO_COLOR": "1"}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "lfsync", "apply", str(project), "--auto-approve", *chosen],
                          env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    if done.returncode:
        raise SystemExit(f"lfsync apply exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return started, wall


def count_stored(base_url: str, state_file: Path) -> dict[str, Stored]:
    """Per kind: what state holds, and the duplicates and missing among it on the server."""
    resources = json.loads(state_file.read_text())["resources"]
    stored = {}
    for kind, path in KIND_PATHS.items():
        managed = {resource["id"]: _identity(resource["applied"]) for address, resource in resources.items()
                   if address.startswith(f"{kind}.")}
        live = list_records(base_url, path)
        found = Counter(_identity(record["fields"], served=True) for record in live)
        live_ids = {record["id"] for record in live}
        stored[kind] = Stored(
            records=len(managed),
            duplicates=sum(found[name] - 1 for name in set(managed.values()) if found[name] > 1),
            missing=sum(1 for record_id in managed if record_id not in live_ids),
        )
    return stored


def _identity(fields: dict, served: bool = False) -> str:
    """A record's name ($name, a task's or note's $title, a contact's first email)."""
    fields = fields.get("fields", fields) if not served else fields
    for key in ("$email", "$name", "$title"):
        value = fields.get(key)
        if served and isinstance(value, dict):
            value = value.get("value")
        if value:
            return json.dumps(value[0] if isinstance(value, list) else value, sort_keys=True)
    return ""


# -- the table -----------------------------------------------------------------------------------------
def render(one: Run, two: Run, rate: float, latency_ms: float) -> tuple[str, list[str]]:
    lines = [f"lfsync apply of examples/demo-seeding, the whole process; emulators --write-rate {rate:g} "
             f"--latency-ms {latency_ms:g}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end"]
    kinds = list(KIND_PATHS)
    lines.append("records per kind (demo-eu): " + ", ".join(f"{one.stored['demo-eu'][k].records} {k}" for k in kinds))
    header = ("run", "org", "writes", "429s", "wall s", "to 1st write s", "after last s", "rate after 1 s", "vs 25/s",
              "best/wall", "dupes", "missing")
    rows = [header]
    missed = []
    for label, run in (("one org", one), ("two orgs", two)):
        for name in run.workspaces:
            landed = run.landed(name)
            pace = run.rate_after_first_second(name)
            stored = run.stored[name]
            dupes, missing = sum(s.duplicates for s in stored.values()), sum(s.missing for s in stored.values())
            rows.append((label, name, str(len(landed)), str(len(run.writes[name]) - len(landed)), f"{run.wall:.2f}",
                         f"{run.first_write():.2f}", f"{run.after_last_write():.2f}", f"{pace:.2f}", f"{pace / rate:.3f}",
                         f"{max(len(landed) - rate, 0) / rate / run.wall:.3f}", "/".join(str(stored[k].duplicates) for k in kinds), "/".join(str(stored[k].missing) for k in kinds)))
            if dupes or missing:
                missed.append(f"{label} {name}: {dupes} duplicated, {missing} missing")
            if pace / rate < RATE_TARGET:
                missed.append(f"{label} {name}: rate after the first second {pace / rate:.3f} of {rate:g}/s < {RATE_TARGET}")
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines += ["  ".join(cell.rjust(width) for cell, width in zip(row, widths)) for row in rows]
    lines.append(f"(best/wall: (writes - {rate:g}) / {rate:g} s over the whole process, start-up included, as bench_graph; "
                 f"dupes and missing per kind: {'/'.join(kinds)})")
    pair = two.wall / one.wall
    lines.append(f"two orgs / one org wall time: {pair:.3f} (target 1.0 ± {PAIR_TOLERANCE})")
    if abs(pair - 1.0) > PAIR_TOLERANCE:
        missed.append(f"two orgs took {pair:.3f} x one org's time")
    return "\n".join(lines), missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="pairs of runs (one org, two orgs); the best of each is shown")
    parser.add_argument("--latency-ms", type=float, default=100.0)
    options = parser.parse_args(argv)
    rate = WRITE_LIMIT
    compile_lfsync()  # the lfsync a user runs is byte-compiled (harness.compile_lfsync)
    ones, twos = [], []
    for number in range(1, options.runs + 1):
        print(f"run {number}/{options.runs}: one organisation...", file=sys.stderr)
        ones.append(run_once(("demo-eu",), rate, options.latency_ms))
        print(f"run {number}/{options.runs}: two organisations (--all-workspaces)...", file=sys.stderr)
        twos.append(run_once(WORKSPACES, rate, options.latency_ms))
    one, two = min(ones, key=lambda run: run.wall), min(twos, key=lambda run: run.wall)
    text, missed = render(one, two, rate, options.latency_ms)
    print(text)
    print("\n".join(f"MISSED {line}" for line in missed) if missed else "every goal met")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
