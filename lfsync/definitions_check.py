"""Online validation: declarations against the organisation's `GET /v1/accounts/definitions`.

`definitions` is the response body as sent on the wire (camelCase keys:
fieldDefinitions, relationshipDefinitions, valueType, typeConfiguration, ...).
The checks catch what is clearly wrong before any write; the server stays the
judge of everything subtler.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from lfsync.addresses import is_lightfield_id, is_reference
from lfsync.declarations import Declarations, did_you_mean
from lfsync.errors import SourceLocation
from lfsync.yamlio import yaml_type_name

Problem = tuple[SourceLocation, str]

ADDRESS_PARTS = {"street", "street2", "city", "state", "postalCode", "country", "latitude", "longitude"}
ADDRESS_NUMBER_PARTS = {"latitude", "longitude"}
FULL_NAME_PARTS = {"firstName", "lastName"}
MAX_SAFE_INTEGER = 2**53 - 1
MAX_LISTED_OPTIONS = 25
ACCOUNT_OBJECT_TYPE = "account"
ACCOUNT_ID_PREFIX = "acc_"
_COUNTRY_CODE = re.compile(r"[A-Za-z]{2}")


def check_against_definitions(declarations: Declarations, definitions: dict) -> list[Problem]:
    """Every problem found, sorted by location; an empty list means the declarations fit."""
    field_definitions = definitions.get("fieldDefinitions") or {}
    relationship_definitions = definitions.get("relationshipDefinitions") or {}
    problems: list[Problem] = []
    for account in declarations.accounts.values():
        for key, value in account.fields.items():
            problem = field_problem(key, value, field_definitions)
            if problem:
                problems.append((account.field_locations[key], f"fields.{key} of {account.address}: {problem}"))
        for key, value in account.relationships.items():
            problem = relationship_problem(key, value, relationship_definitions)
            if problem:
                problems.append(
                    (account.relationship_locations[key], f"relationships.{key} of {account.address}: {problem}")
                )
    return sorted(problems, key=lambda p: p[0])


# --- fields ----------------------------------------------------------------------------


def field_problem(key: str, value: Any, field_definitions: dict) -> str | None:
    definition = field_definitions.get(key)
    if definition is None:
        return "no such field in this organisation" + did_you_mean(key, field_definitions)
    if definition.get("readOnly"):
        return "this field is read-only in Lightfield; remove it from the declaration"
    value_type = definition.get("valueType")
    checker = VALUE_CHECKERS.get(value_type)
    if checker is None:
        return None
    problem = checker(value, definition.get("typeConfiguration") or {})
    return f"{problem} ({value_type} field)" if problem else None


def check_text(value: Any, _config: dict) -> str | None:
    if value is None or isinstance(value, str):
        return None
    return f"expected text, found {yaml_type_name(value)} (quote it to keep it as text)"


def check_number(value: Any, _config: dict) -> str | None:
    if value is None:
        return None
    if not is_number(value):
        return f"expected a number, found {yaml_type_name(value)}"
    if not math.isfinite(value):
        return f"expected a finite number, found {value}"
    if abs(value) > MAX_SAFE_INTEGER:
        return f"{value} is out of range (at most {MAX_SAFE_INTEGER})"
    exponent = Decimal(str(value)).as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return f"{value} has more than 2 decimals"
    return None


def check_checkbox(value: Any, _config: dict) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    return f"expected true or false, found {yaml_type_name(value)}"


def check_datetime(value: Any, _config: dict) -> str | None:
    if value is None:
        return None
    example = "like 2026-03-01T09:00:00Z or 2026-03-01T10:00:00+01:00"
    if not isinstance(value, str):
        return f"expected an ISO 8601 date-time with a UTC offset ({example}), found {yaml_type_name(value)}"
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        return f"{value!r} is not an ISO 8601 date-time; write it {example}"
    if parsed.tzinfo is None:
        return f"{value!r} has no UTC offset; add one, {example}"
    return None


def check_text_or_text_list(value: Any, _config: dict) -> str | None:
    if value is None or isinstance(value, str):
        return None
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return None
    return f"expected text or a list of text, found {yaml_type_name(value)}"


def check_address(value: Any, _config: dict) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        return f"expected a mapping like {{city: Oslo, country: 'NO'}}, found {yaml_type_name(value)}"
    unknown = [key for key in value if key not in ADDRESS_PARTS]
    if unknown:
        key = str(unknown[0])
        allowed = ", ".join(sorted(ADDRESS_PARTS))
        return f"unknown address part {key!r}; allowed: {allowed}" + did_you_mean(key, ADDRESS_PARTS)
    for key, part in value.items():
        if part is None:
            continue
        if key in ADDRESS_NUMBER_PARTS and not is_number(part):
            return f"{key} must be a number, found {yaml_type_name(part)}"
        if key not in ADDRESS_NUMBER_PARTS and not isinstance(part, str):
            return f"{key} must be text, found {yaml_type_name(part)} (quote it)"
    country = value.get("country")
    if country is not None and not _COUNTRY_CODE.fullmatch(country):
        return f"country must be a 2-letter ISO 3166-1 code like NO or US, found {country!r}"
    return None


def check_full_name(value: Any, _config: dict) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        return f"expected a mapping like {{firstName: Ada, lastName: Lovelace}}, found {yaml_type_name(value)}"
    for key, part in value.items():
        if key not in FULL_NAME_PARTS:
            return f"unknown name part {key!r}; allowed: firstName, lastName" + did_you_mean(str(key), FULL_NAME_PARTS)
        if part is not None and not isinstance(part, str):
            return f"{key} must be text, found {yaml_type_name(part)}"
    return None


def check_single_select(value: Any, config: dict) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        return f"expected one option label or ID, found {yaml_type_name(value)}"
    return option_problem(value, config)


def check_multi_select(value: Any, config: dict) -> str | None:
    if value is None:
        return None
    if not isinstance(value, list):
        example = f"; write it as a list: [{value}]" if isinstance(value, str) else ""
        return f"expected a list of option labels or IDs, found {yaml_type_name(value)}{example}"
    for item in value:
        problem = option_problem(item, config) if isinstance(item, str) else f"found {yaml_type_name(item)} in the list"
        if problem:
            return problem
    return None


def check_not_writable(_value: Any, _config: dict) -> str | None:
    return "fields of this type cannot be written through the API; remove it from the declaration"


def option_problem(value: str, config: dict) -> str | None:
    options = config.get("options") or []
    if any(value in (option.get("id"), option.get("label")) for option in options):
        return None
    labels = [str(option.get("label")) for option in options]
    if not labels:
        return f"{value!r} is not an option: this field has no options"
    case_match = next((label for label in labels if label.casefold() == value.casefold()), None)
    hint = f" (did you mean {case_match!r}?)" if case_match else did_you_mean(value, labels)
    return f"{value!r} is not an option{hint}; valid labels: {list_labels(labels)}"


def list_labels(labels: list[str]) -> str:
    shown = ", ".join(labels[:MAX_LISTED_OPTIONS])
    more = len(labels) - MAX_LISTED_OPTIONS
    return shown + (f" and {more} more" if more > 0 else "")


VALUE_CHECKERS: dict[str, Callable[[Any, dict], str | None]] = {
    "TEXT": check_text,
    "NUMBER": check_number,
    "CURRENCY": check_number,
    "CHECKBOX": check_checkbox,
    "DATETIME": check_datetime,
    "EMAIL": check_text_or_text_list,
    "URL": check_text_or_text_list,
    "TELEPHONE": check_text_or_text_list,
    "SOCIAL_HANDLE": check_text,
    "ADDRESS": check_address,
    "FULL_NAME": check_full_name,
    "SINGLE_SELECT": check_single_select,
    "MULTI_SELECT": check_multi_select,
    "MARKDOWN": check_not_writable,
    "HTML": check_not_writable,
}


# --- relationships ---------------------------------------------------------------------


def relationship_problem(key: str, value: str | list[str], relationship_definitions: dict) -> str | None:
    definition = relationship_definitions.get(key)
    if definition is None:
        return "no such relationship in this organisation" + did_you_mean(key, relationship_definitions)
    targets = value if isinstance(value, list) else [value]
    if definition.get("cardinality") == "HAS_ONE" and len(targets) > 1:
        return f"this relationship holds one record, but {len(targets)} are given"
    object_type = str(definition.get("objectType", "")).lower()
    for target in targets:
        problem = target_type_problem(target, object_type)
        if problem:
            return problem
    return None


def target_type_problem(target: str, object_type: str) -> str | None:
    """A target that is clearly of another object type than the relationship links to."""
    if not object_type:
        return None
    points_to_account = is_reference(target) or (is_lightfield_id(target) and target.startswith(ACCOUNT_ID_PREFIX))
    if points_to_account and object_type != ACCOUNT_OBJECT_TYPE:
        return f"{target} is an account, but this relationship links to {object_type} records"
    if not points_to_account and object_type == ACCOUNT_OBJECT_TYPE:
        return (
            f"{target} is not an account ID (acc_...) or an account.<key> reference, "
            "but this relationship links to accounts"
        )
    return None


# --- helpers ---------------------------------------------------------------------------


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
