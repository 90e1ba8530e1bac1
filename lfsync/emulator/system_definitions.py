"""The system fields and relationships each object type has (lightfield-api.md "Accounts",
lightfield-api-objects.md "Contacts", "Opportunities", "Tasks", "Notes"); select options come from
the fixture. Types and cardinalities the sources do not state are decisions 26, 29 and 30."""

from __future__ import annotations

from typing import Any

from . import decisions
from .ids import stable_id
from .schema import FieldDefinition, Mirror, RelationshipDefinition, SelectOption, system_field

ACCOUNT_STATUS_OPTIONS = ["Prospect", "Active customer", "Former customer", "Partner"]


def system_fields(object_type: str, select_options: dict[str, list[Any]]) -> list[FieldDefinition]:
    """The system fields of `object_type` (pipelines' `$pipeline` and `$stage` are added apart)."""
    if object_type == "account":
        return _account_fields(select_options)
    if object_type == "contact":
        return [
            system_field("$name", "Name", "FULL_NAME", object_type="contact"),
            system_field("$email", "Email", "EMAIL", object_type="contact", multiple_values=True),
            system_field("$profilePhotoUrl", "Profile photo", "URL", object_type="contact", multiple_values=False),
            system_field("$title", "Title", "TEXT", object_type="contact"),
            system_field("$doNotContact", "Do not contact", "CHECKBOX", object_type="contact"),
            system_field("$instagram", "Instagram", "SOCIAL_HANDLE", object_type="contact", handle_service="INSTAGRAM"),
        ]
    if object_type == "opportunity":
        return [
            system_field("$name", "Name", "TEXT", object_type="opportunity"),
            system_field("$amount", "Amount", "CURRENCY", object_type="opportunity",
                         currency=decisions.OPPORTUNITY_AMOUNT_CURRENCY),
            system_field("$opportunityStatus", "Status", "SINGLE_SELECT", object_type="opportunity", read_only=True,
                         options=[decisions.OPEN_OPPORTUNITY_STATUS,
                                  *decisions.OPPORTUNITY_STATUS_BY_STAGE_LABEL.values()]),
        ]
    if object_type == "task":
        return [
            system_field("$title", "Title", "TEXT", object_type="task"),
            system_field("$status", "Status", "SINGLE_SELECT", object_type="task",
                         options=tuple(SelectOption(id=status, label=status) for status in decisions.TASK_STATUSES)),
            system_field("$description", "Description", "MARKDOWN", object_type="task", writes_markdown=True),
            system_field("$dueAt", "Due at", "DATETIME", object_type="task"),
        ]
    if object_type == "note":
        return [
            system_field("$title", "Title", "TEXT", object_type="note"),
            system_field("$content", "Content", "MARKDOWN", object_type="note", writes_markdown=True),
        ]
    raise KeyError(object_type)


def _account_fields(select_options: dict[str, list[Any]]) -> list[FieldDefinition]:
    return [
        system_field("$name", "Name", "TEXT"),
        system_field("$website", "Website", "URL", multiple_values=True),
        system_field("$industry", "Industry", "MULTI_SELECT", options=select_options.get("$industry", [])),
        system_field("$headcount", "Headcount", "SINGLE_SELECT", options=select_options.get("$headcount", [])),
        system_field(
            "$lastFundingType", "Last funding type", "SINGLE_SELECT",
            options=select_options.get("$lastFundingType", []),
        ),
        system_field("$linkedIn", "LinkedIn", "SOCIAL_HANDLE", handle_service="LINKEDIN"),
        system_field("$twitter", "X (Twitter)", "SOCIAL_HANDLE", handle_service="TWITTER"),
        system_field("$facebook", "Facebook", "SOCIAL_HANDLE", handle_service="FACEBOOK"),
        system_field("$instagram", "Instagram", "SOCIAL_HANDLE", handle_service="INSTAGRAM"),
        system_field("$primaryAddress", "Primary address", "ADDRESS"),
        system_field("$howTheyMakeMoney", "How they make money", "MARKDOWN", read_only=True),
        system_field(
            "$accountStatus", "Account status", "SINGLE_SELECT", read_only=True,
            options=select_options.get("$accountStatus", ACCOUNT_STATUS_OPTIONS),
        ),
    ]


def system_relationship(
    owner_type: str, key: str, label: str, object_type: str, cardinality: str, *, read_only: bool = False,
    mirror: Mirror | None = None,
) -> RelationshipDefinition:
    return RelationshipDefinition(
        key=key,
        label=label,
        object_type=object_type,
        cardinality=cardinality,
        id=stable_id("rd", owner_type, key),
        slug=decisions.SYSTEM_RELATIONSHIP_SLUG.format(owner=owner_type, name=key.lstrip("$")),
        read_only=read_only,
        owner_type=owner_type,
        mirror=mirror,
    )


def system_relationships(object_type: str) -> list[RelationshipDefinition]:
    """The system relationships of `object_type`. The account-contact link is one link with two
    writable sides (stored as the account's `$contact`); an account's `$opportunity` mirrors the
    opportunities' `$account` and is read-only, and so do the `$task` and `$note` of accounts and
    opportunities (the tasks' and notes' `$account` / `$opportunity`)."""
    if object_type == "account":
        return [
            system_relationship("account", "$owner", "Owner", "member", "HAS_ONE"),
            system_relationship("account", "$contact", "Contacts", "contact", "HAS_MANY"),
            system_relationship("account", "$opportunity", "Opportunities", "opportunity", "HAS_MANY", read_only=True,
                                mirror=Mirror("opportunity", "$account")),
            *_activity_sides("account"),
        ]
    if object_type == "contact":
        return [
            system_relationship("contact", "$account", "Accounts", "account", "HAS_MANY",
                                mirror=Mirror("account", "$contact")),
            system_relationship("contact", "$owner", "Owner", "member", "HAS_ONE"),
        ]
    if object_type == "opportunity":
        return [
            system_relationship("opportunity", "$account", "Account", "account", "HAS_ONE"),
            system_relationship("opportunity", "$owner", "Owner", "member", "HAS_ONE"),
            system_relationship("opportunity", "$champion", "Champion", "contact", "HAS_ONE"),
            system_relationship("opportunity", "$evaluator", "Evaluators", "contact", "HAS_MANY"),
            system_relationship("opportunity", "$createdBy", "Created by", "member", "HAS_ONE"),
            *_activity_sides("opportunity"),
        ]
    if object_type == "task":
        return [
            system_relationship("task", "$assignedTo", "Assigned to", "member", "HAS_ONE"),
            system_relationship("task", "$account", "Account", "account", "HAS_ONE"),
            system_relationship("task", "$opportunity", "Opportunity", "opportunity", "HAS_ONE"),
            system_relationship("task", "$createdBy", "Created by", "member", "HAS_ONE"),
            system_relationship("task", "$note", "Notes", "note", "HAS_MANY", read_only=True),
        ]
    if object_type == "note":
        return [
            *(system_relationship("note", key, label, target, "HAS_MANY")
              for key, label, target in (("$account", "Accounts", "account"), ("$opportunity", "Opportunities",
                                                                                  "opportunity"),
                                         ("$contact", "Contacts", "contact"), ("$meeting", "Meetings", "meeting"))),
            system_relationship("note", decisions.NOTE_AUTHOR_KEY, "Author", "member", "HAS_ONE", read_only=True),
        ]
    raise KeyError(object_type)


def _activity_sides(owner_type: str) -> list[RelationshipDefinition]:
    """An account's or opportunity's `$task` and `$note` (the tasks and notes whose `$account` or
    `$opportunity` names it: read-only, decision 28) and `$meeting` (meetings are not served)."""
    return [
        system_relationship(owner_type, "$task", "Tasks", "task", "HAS_MANY", read_only=True,
                            mirror=Mirror("task", f"${owner_type}")),
        system_relationship(owner_type, "$note", "Notes", "note", "HAS_MANY", read_only=True,
                            mirror=Mirror("note", f"${owner_type}")),
        system_relationship(owner_type, "$meeting", "Meetings", "meeting", "HAS_MANY", read_only=True),
    ]
