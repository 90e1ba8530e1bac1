"""Refresh by default: a plan reads the managed records back whenever the target can be asked (an
API key, or `target: local`), unless `--no-refresh`; a plan that did not says so in every format."""

from __future__ import annotations

from lfsync.plan.model import PlanOptions

NOT_REFRESHED = "not refreshed: drift in the organisation is not shown"
NO_KEY = "no API key to read the organisation with"
NO_REFRESH = "--no-refresh"
SAVED_UNREFRESHED = "the saved plan was made without a refresh"


def refresh_decided(options: PlanOptions, reachable: bool) -> PlanOptions:
    """The options a plan is made with: refresh only where the target can be asked, never for
    destroy (it trashes what state holds, whatever the organisation shows)."""
    refresh = options.refresh and reachable and not options.destroy
    return options if refresh == options.refresh else options.model_copy(update={"refresh": refresh})


def refresh_note(reason: str) -> str:
    """The line every plan format shows when the records were not read back, `reason` saying why."""
    return f"{NOT_REFRESHED} ({reason})"
