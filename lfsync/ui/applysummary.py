"""An apply's outcome as users read it: the summary lines and failures on the terminal, one
markdown line for the job summary, and the account links (none where nothing serves them)."""

from __future__ import annotations

from typing import Mapping

from lfsync.api.halting import GRACE_SECONDS
from lfsync.plan.actions import ApplyReport
from lfsync.ui.render import ALWAYS_COUNTED, Line

LINKS_SHOWN = 5


def apply_summary(
    report: ApplyReport, locations: Mapping[str, str], no_pages: str | None = None
) -> tuple[list[str], list[Line]]:
    """(error messages, summary lines) of a finished apply; `locations` maps addresses to file:line:col.
    `no_pages`: the target serves no account pages (the embedded local API): this note instead of links."""
    counts = _outcome_counts(report)
    errors = []
    for address, message in sorted({**report.failed, **report.unsettled}.items()):
        where = locations.get(address)
        errors.append(f"{address}{f' ({where})' if where else ''}: {message}")
    lines: list[Line] = []
    if report.forbidden is not None:
        errors.insert(0, f"the API key may not make these changes ({report.forbidden}); nothing more was sent: "
                         "give the key the scope (or use one that has it) and apply again")
        failed = f", {len(report.failed)} failed" if report.failed else ""
        lines.append((
            f"Apply stopped at the first refusal for a missing scope: {counts}{failed}, {len(report.not_started)} not made. "
            "What was sent is recorded in state.",
            "bold red",
        ))
    elif report.interrupted:
        failed = f", {len(errors)} failed" if errors else ""
        cut_off = f", {len(report.in_flight)} in flight" if report.in_flight else ""
        lines.append((
            f"Apply interrupted{' (SIGTERM)' if report.terminated else ''}: {counts}{failed}{cut_off}, "
            f"{len(report.not_started)} not started. What was sent is recorded in state; run apply again to finish.",
            "bold yellow",
        ))
        if report.in_flight:
            shown = ", ".join(sorted(report.in_flight)[:LINKS_SHOWN])
            more = f" and {len(report.in_flight) - LINKS_SHOWN} more" if len(report.in_flight) > LINKS_SHOWN else ""
            lines.append((
                f"In flight when the run stopped (cut off after {GRACE_SECONDS:g} s, or not yet sent): {shown}{more}. "
                "Each is in the journal: the next apply settles it first, with the same idempotency key (never twice).",
                "yellow",
            ))
    elif errors:
        lines.append((f"Apply finished with errors: {counts}, {len(errors)} failed.", "bold red"))
    else:
        lines.append((f"Apply complete! Resources: {counts}.", "bold green"))
    if report.retried:
        lines.append((f"({report.retried} request(s) retried with the same idempotency key.)", None))
    if no_pages is not None:
        lines.append((f"  ({no_pages})", None))
        return errors, lines
    links = [(address, link) for address, link in report.links.items() if link][:LINKS_SHOWN]
    lines += [(f"  {address}: {link}", None) for address, link in links]
    if len(report.links) > len(links):
        lines.append((f"  ... and {len(report.links) - len(links)} more (see `lfsync state show ADDRESS`)", None))
    return errors, lines


def apply_summary_markdown(report: ApplyReport) -> str:
    """An apply's result in one markdown line (for GITHUB_STEP_SUMMARY)."""
    failures = len({**report.failed, **report.unsettled})
    result = (
        "stopped (the API key lacks a scope)" if report.forbidden else "interrupted" if report.interrupted
        else "finished with errors" if failures else "complete"
    )
    return f"**lfsync apply: {result}** ({_outcome_counts(report)}, {failures} failed)\n"


def _outcome_counts(report: ApplyReport) -> str:
    counted = [
        outcome for outcome in report.done
        if report.done[outcome] or outcome in {action.outcome for action in ALWAYS_COUNTED}
    ]
    return ", ".join(f"{report.count(outcome)} {outcome}" for outcome in counted)
