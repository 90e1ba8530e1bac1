"""plan_fingerprint covers a plan's changes and its options (issue 23: saved plans signed by content)."""

from __future__ import annotations

import re

from lfsync.plan.actions import Action
from lfsync.plan.model import Change, Plan, PlanOptions, plan_fingerprint


def _plan(**options: object) -> Plan:
    return Plan(
        project_dir=".", workspace="default", target="local", lineage="", serial=0, declarations_digest="d",
        options=PlanOptions(**options), changes=[Change(address="account.a", action=Action.DELETE, resource_id="acc_1")],
    )


def test_the_same_plan_has_the_same_fingerprint():
    assert plan_fingerprint(_plan()) == plan_fingerprint(_plan())
    assert re.fullmatch(r"[0-9a-f]{12}", plan_fingerprint(_plan()))


def test_each_option_changes_the_fingerprint():
    plain = plan_fingerprint(_plan())
    # each option turned from its default (refresh is on by default); list options given a list
    others = {
        name: plan_fingerprint(_plan(**{name: not spec.default if spec.annotation is bool else ["account.a"]}))
        for name, spec in PlanOptions.model_fields.items()
    }
    assert plain not in others.values()
    assert len(set(others.values())) == len(others)
