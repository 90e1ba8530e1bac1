"""How large and how quick the pull-request markdown of a big plan is.

    python bench/bench_markdown.py [--changes 1000 10000 100000]

Plans N creates (each with three fields) through the real planner, renders the markdown comment and
prints one table: characters (goal: under 60,000 whatever N), changes shown in full, changes
summarised, and the time to render (fingerprint included). Exit status 1 if the size goal is missed.
"""

from __future__ import annotations

import argparse
import sys
import time

from lfsync.plan.model import Plan
from lfsync.plan.planner import PlanInputs, plan_changes
from lfsync.plan.resources import DesiredAccount
from lfsync.ui.markdown import MARKDOWN_BUDGET, render_markdown


def big_plan(count: int) -> Plan:
    desired = {
        f"account.a{i:06d}": DesiredAccount(
            address=f"account.a{i:06d}",
            fields={"$name": f"Account {i}", "$website": [f"https://a{i}.example"], "tier": "smb"},
            relationships={},
            skip_enrichment=True,
            location=f"accounts.yaml:{i * 6 + 2}:3",
        )
        for i in range(count)
    }
    planned = plan_changes(PlanInputs(desired=desired, resources={}, workspace="bench"))
    return Plan(project_dir=".", workspace="bench", target="local", lineage="", serial=0,
                declarations_digest="-", changes=planned.changes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    counts = parser.parse_args().changes
    rows = []
    for count in counts:
        plan = big_plan(count)
        started = time.perf_counter()
        markdown = render_markdown(plan, full_plan="plan.lfplan")
        seconds = time.perf_counter() - started
        shown = markdown.count("<details>")
        rows.append((count, len(markdown), shown, count - shown, seconds, len(markdown) < MARKDOWN_BUDGET))
    print(f"{'changes':>8} {'characters':>11} {'shown':>6} {'summarised':>11} {'render ms':>10}  goal")
    for count, size, shown, summarised, seconds, ok in rows:
        print(f"{count:>8} {size:>11,} {shown:>6} {summarised:>11} {seconds * 1000:>10.0f}  {'met' if ok else 'MISSED'}")
    return 0 if all(row[-1] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
