"""Read-only fields the emulator fills itself: what enrichment fills on an account's create
(decision 9) and an opportunity's status, which follows its stage (decision 26)."""

from __future__ import annotations

from typing import Any

from . import decisions
from .pipelines import fold_label
from .schema import ObjectSchema


def enrich_on_create(schema: ObjectSchema, fields: dict[str, Any]) -> None:
    """Decision 9: an account gets `$howTheyMakeMoney` and `$accountStatus`; nothing else is enriched."""
    if schema.object_type != "account":
        return
    if "$howTheyMakeMoney" in schema.fields:
        fields["$howTheyMakeMoney"] = decisions.HOW_THEY_MAKE_MONEY_TEMPLATE.format(name=fields["$name"])
    status = schema.fields.get("$accountStatus")
    option = status.option_by_label(decisions.ENRICHED_ACCOUNT_STATUS_LABEL) if status else None
    if option is not None:
        fields["$accountStatus"] = option.id


def derive_on_write(schema: ObjectSchema, fields: dict[str, Any]) -> None:
    """Decision 26: an opportunity's `$opportunityStatus` is Won, Lost or Open by its stage's label."""
    status = schema.fields.get("$opportunityStatus")
    stage = schema.fields.get("$stage")
    if schema.object_type != "opportunity" or status is None or stage is None:
        return
    option = stage.option_by_id(fields.get("$stage", ""))
    label = decisions.OPPORTUNITY_STATUS_BY_STAGE_LABEL.get(fold_label(option.label) if option else "",
                                                           decisions.OPEN_OPPORTUNITY_STATUS)
    chosen = status.option_by_label(label)
    if chosen is not None:
        fields["$opportunityStatus"] = chosen.id
