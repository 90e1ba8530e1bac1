"""Validation and normalisation of written field values, per value type.

`normalise(definition, raw, param)` turns a written value into its stored (= read)
form, or None when the write clears the field; bad values raise ApiError with the
documented status, code and param. `display_value` renders a stored value for
field history. The rules are the emulator's own reading of Lightfield's docs
(lightfield-api.md, "Field value types"), written apart from lfsync's so that the
tests checking one against the other can catch a wrong rule; where the docs are
silent the choice is decision 18. Phones, web addresses and date-times have
modules of their own.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from . import decisions
from .datetimes import format_utc, parse_filter_datetime, parse_written_datetime
from .errors import ApiError, invalid_configuration, invalid_type
from .phones import stored_number
from .schema import FieldDefinition, SelectOption
from .weblinks import PROFILE_RULES, stored_profile_url, stored_url

__all__ = [
    "ADDRESS_KEYS", "ADDRESS_TEXT_KEYS", "FULL_NAME_KEYS", "display_value", "format_utc", "normalise",
    "parse_filter_datetime", "resolve_option",
]

ADDRESS_TEXT_KEYS = ("street", "street2", "city", "state", "postalCode", "country")
COORDINATE_LIMITS = {"latitude": 90, "longitude": 180}
ADDRESS_KEYS = (*ADDRESS_TEXT_KEYS, *COORDINATE_LIMITS)
FULL_NAME_KEYS = ("firstName", "lastName")


def normalise(definition: FieldDefinition, raw: Any, param: str) -> Any:
    if not definition.writable:
        raise invalid_configuration(param, f"Field `{definition.key}` is read-only.")
    if raw is None:
        return None
    return _NORMALISERS[definition.value_type](definition, raw, param)


def _text(definition: FieldDefinition, raw: Any, param: str) -> str:
    if not isinstance(raw, str):
        raise invalid_type(param, f"`{definition.key}` expects a string.")
    return raw


def _is_number(raw: Any) -> bool:
    return isinstance(raw, (int, float)) and not isinstance(raw, bool)


def _number(definition: FieldDefinition, raw: Any, param: str) -> int | float:
    """Documented: at most 2 decimals, within the safe-integer range."""
    if not _is_number(raw):
        raise invalid_type(param, f"`{definition.key}` expects a number.")
    if isinstance(raw, float) and (raw != raw or raw in (float("inf"), float("-inf"))):
        raise invalid_type(param, f"`{definition.key}` expects a finite number.")
    if abs(raw) > decisions.MAX_SAFE_INTEGER:
        raise invalid_type(param, f"`{definition.key}` must be within +/-{decisions.MAX_SAFE_INTEGER}.")
    exponent = Decimal(repr(raw)).normalize().as_tuple().exponent  # 1.25 -> -2, 1.234 -> -3
    if isinstance(exponent, int) and exponent < -2:
        raise invalid_type(param, f"`{definition.key}` allows at most 2 decimal places.")
    return int(raw) if isinstance(raw, float) and raw.is_integer() else raw


def _checkbox(definition: FieldDefinition, raw: Any, param: str) -> bool:
    if not isinstance(raw, bool):
        raise invalid_type(param, f"`{definition.key}` expects true or false.")
    return raw


def _datetime(definition: FieldDefinition, raw: Any, param: str) -> str:
    moment = parse_written_datetime(raw) if isinstance(raw, str) else None
    if moment is None:
        raise invalid_type(param, f"`{definition.key}` expects an ISO 8601 date-time with an offset.")
    return format_utc(moment)


def _string_list(definition: FieldDefinition, raw: Any, param: str, *, allow_single: bool) -> list[str]:
    if isinstance(raw, str) and allow_single:
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        expected = "a string or a list of strings" if allow_single else "a list of strings"
        raise invalid_type(param, f"`{definition.key}` expects {expected}.")
    return raw


def is_email_address(text: str) -> bool:
    """Decision 18: one `@` between a local part and a dotted domain, no spaces."""
    local, at, domain = text.rpartition("@")
    if not at or not local or "@" in local or any(ch.isspace() for ch in text):
        return False
    return len(domain.split(".")) >= 2 and all(domain.split("."))


def _email(definition: FieldDefinition, raw: Any, param: str) -> list[str] | None:
    addresses = [a.strip() for a in _string_list(definition, raw, param, allow_single=True)]
    for address in addresses:
        if not is_email_address(address):
            raise invalid_type(param, f"`{address}` is not an email address.")
    return _dedupe(addresses) or None


def _telephone(definition: FieldDefinition, raw: Any, param: str) -> list[str] | None:
    numbers = []
    for text in _string_list(definition, raw, param, allow_single=False):
        number = stored_number(text)
        if number is None:
            raise invalid_type(param, f"`{text}` is not a valid telephone number.")
        numbers.append(number)
    return _dedupe(numbers) or None


def _url_item(definition: FieldDefinition, text: str, param: str) -> str:
    url = stored_url(text)
    if url is None:
        raise invalid_type(param, f"`{text}` is not a valid URL.")
    return url


def _url(definition: FieldDefinition, raw: Any, param: str) -> str | list[str] | None:
    urls = [_url_item(definition, t, param) for t in _string_list(definition, raw, param, allow_single=True)]
    urls = _dedupe(urls)
    if definition.multiple_values:
        return urls or None
    if len(urls) > 1:
        raise invalid_type(param, f"`{definition.key}` holds a single URL.")
    return urls[0] if urls else None


def _address_part(key: str, value: Any, param: str) -> Any:
    """One part of an ADDRESS; documented: `country` is exactly 2 letters (ISO 3166-1)."""
    if key in COORDINATE_LIMITS:
        limit = COORDINATE_LIMITS[key]
        if not _is_number(value) or not -limit <= value <= limit:  # NaN fails both comparisons
            raise invalid_type(param, f"`{key}` expects a number within +/-{limit}.")
        return value
    if not isinstance(value, str):
        raise invalid_type(param, f"`{key}` expects a string.")
    if key == "country":
        if len(value) != 2 or not (value.isascii() and value.isalpha()):
            raise invalid_type(param, "`country` must be a 2-letter ISO 3166-1 code.")
        return value.upper()  # decision 18
    return value


def _address(definition: FieldDefinition, raw: Any, param: str) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        raise invalid_type(param, f"`{definition.key}` expects an address object.")
    unknown = next((key for key in raw if key not in ADDRESS_KEYS), None)
    if unknown is not None:
        raise invalid_type(f"{param}.{unknown}", f"Unknown address part `{unknown}`.")
    address = {
        key: _address_part(key, value, f"{param}.{key}") for key, value in raw.items() if value is not None
    }
    return address or None


def _full_name(definition: FieldDefinition, raw: Any, param: str) -> dict[str, str] | None:
    if not isinstance(raw, dict):
        raise invalid_type(param, f"`{definition.key}` expects {{firstName, lastName}}.")
    name: dict[str, str] = {}
    for key, value in raw.items():
        if key not in FULL_NAME_KEYS:
            raise invalid_type(f"{param}.{key}", f"Unknown name part `{key}`.")
        if value is not None and not isinstance(value, str):
            raise invalid_type(f"{param}.{key}", f"`{key}` expects a string.")
        if value:
            name[key] = value
    return name or None


def _social_handle(definition: FieldDefinition, raw: Any, param: str) -> str:
    service = definition.handle_service or "LINKEDIN"
    url = stored_profile_url(service, raw) if isinstance(raw, str) else None
    if url is None:
        raise invalid_type(param, f"`{raw}` is not a {service} profile URL ({PROFILE_RULES[service].example}).")
    return url


def resolve_option(definition: FieldDefinition, raw: Any, param: str) -> str:
    """An option ID for an option ID or label; raises for anything else."""
    if not isinstance(raw, str):
        raise invalid_type(param, f"`{definition.key}` expects an option ID or label.")
    if definition.option_by_id(raw):
        return raw
    option = definition.option_by_label(raw)
    if option:
        return option.id
    if raw.startswith("opt_"):
        raise ApiError(422, f"Option `{raw}` does not exist on `{definition.key}`.",
                       code="referenced_resource_missing", param=param)
    raise invalid_type(param, f"`{raw}` is not an option of `{definition.key}`.")


def _single_select(definition: FieldDefinition, raw: Any, param: str) -> str:
    return resolve_option(definition, raw, param)


def _multi_select(definition: FieldDefinition, raw: Any, param: str) -> list[str] | None:
    if not isinstance(raw, list):
        raise invalid_type(param, f"`{definition.key}` expects a list of option IDs or labels.")
    return _dedupe([resolve_option(definition, item, param) for item in raw]) or None


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


_NORMALISERS: dict[str, Callable[[FieldDefinition, Any, str], Any]] = {
    "TEXT": _text,
    "MARKDOWN": _text,  # only the fields that write it (FieldDefinition.writes_markdown) get here
    "NUMBER": _number,
    "CURRENCY": _number,
    "CHECKBOX": _checkbox,
    "DATETIME": _datetime,
    "EMAIL": _email,
    "TELEPHONE": _telephone,
    "URL": _url,
    "ADDRESS": _address,
    "FULL_NAME": _full_name,
    "SOCIAL_HANDLE": _social_handle,
    "SINGLE_SELECT": _single_select,
    "MULTI_SELECT": _multi_select,
}


def display_value(definition: FieldDefinition, value: Any) -> str:
    """A human rendering of a stored value (field history `displayValue`)."""
    if value is None:
        return ""
    if definition.value_type in ("SINGLE_SELECT", "MULTI_SELECT"):
        ids = value if isinstance(value, list) else [value]
        return ", ".join((definition.option_by_id(i) or SelectOption(i, i)).label for i in ids)
    if definition.value_type == "CURRENCY":
        return f"{value:,.2f} {definition.currency or ''}".strip()
    if definition.value_type == "CHECKBOX":
        return "true" if value else "false"
    if definition.value_type == "FULL_NAME":
        return " ".join(value.get(k, "") for k in FULL_NAME_KEYS if value.get(k))
    if definition.value_type == "ADDRESS":
        return ", ".join(str(value[k]) for k in ADDRESS_KEYS if k in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)

