"""Validation and normalisation of written field values, per value type.

`normalise(definition, raw, param)` turns a written value into its stored (= read)
form, or None when the write clears the field; bad values raise ApiError with the
documented status, code and param. `display_value` renders a stored value for
field history.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Callable
from urllib.parse import urlsplit

from lfsync.values.types import SOCIAL_PROFILES, normalise_phone, with_scheme

from .errors import ApiError, invalid_configuration, invalid_type
from .schema import FieldDefinition, SelectOption

MAX_SAFE_INTEGER = 2**53 - 1
ADDRESS_TEXT_KEYS = ("street", "street2", "city", "state", "postalCode", "country")
ADDRESS_KEYS = (*ADDRESS_TEXT_KEYS, "latitude", "longitude")
FULL_NAME_KEYS = ("firstName", "lastName")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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


def _number(definition: FieldDefinition, raw: Any, param: str) -> int | float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise invalid_type(param, f"`{definition.key}` expects a number.")
    try:
        exact = Decimal(str(raw))
    except InvalidOperation:
        raise invalid_type(param, f"`{definition.key}` expects a finite number.") from None
    if not exact.is_finite():
        raise invalid_type(param, f"`{definition.key}` expects a finite number.")
    if abs(exact) > MAX_SAFE_INTEGER:
        raise invalid_type(param, f"`{definition.key}` must be within +/-{MAX_SAFE_INTEGER}.")
    exponent = exact.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and exact != exact.quantize(Decimal("0.01")):
        raise invalid_type(param, f"`{definition.key}` allows at most 2 decimal places.")
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    return raw


def _checkbox(definition: FieldDefinition, raw: Any, param: str) -> bool:
    if not isinstance(raw, bool):
        raise invalid_type(param, f"`{definition.key}` expects true or false.")
    return raw


def format_utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_datetime(text: str, *, require_offset: bool) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        if require_offset:
            return None
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def _datetime(definition: FieldDefinition, raw: Any, param: str) -> str:
    moment = parse_datetime(raw, require_offset=True) if isinstance(raw, str) else None
    if moment is None or "T" not in raw.upper():
        raise invalid_type(param, f"`{definition.key}` expects an ISO 8601 date-time with an offset.")
    return format_utc(moment)


def _string_list(definition: FieldDefinition, raw: Any, param: str, *, allow_single: bool) -> list[str]:
    if isinstance(raw, str) and allow_single:
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        expected = "a string or a list of strings" if allow_single else "a list of strings"
        raise invalid_type(param, f"`{definition.key}` expects {expected}.")
    return raw


def _email(definition: FieldDefinition, raw: Any, param: str) -> list[str] | None:
    addresses = [a.strip() for a in _string_list(definition, raw, param, allow_single=True)]
    for address in addresses:
        if not EMAIL_PATTERN.match(address):
            raise invalid_type(param, f"`{address}` is not an email address.")
    return _dedupe(addresses) or None


def _telephone(definition: FieldDefinition, raw: Any, param: str) -> list[str] | None:
    numbers = []
    for text in _string_list(definition, raw, param, allow_single=False):
        number = normalise_phone(text)
        if number is None:
            raise invalid_type(param, f"`{text}` is not a valid telephone number.")
        numbers.append(number)
    return _dedupe(numbers) or None


def _url_item(definition: FieldDefinition, text: str, param: str) -> str:
    url = with_scheme(text)
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or "." not in (parts.hostname or "") or " " in url:
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


def _address(definition: FieldDefinition, raw: Any, param: str) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        raise invalid_type(param, f"`{definition.key}` expects an address object.")
    address: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in ADDRESS_KEYS:
            raise invalid_type(f"{param}.{key}", f"Unknown address part `{key}`.")
        if value is None:
            continue
        if key in ("latitude", "longitude"):
            limit = 90 if key == "latitude" else 180
            if isinstance(value, bool) or not isinstance(value, (int, float)) or abs(value) > limit:
                raise invalid_type(f"{param}.{key}", f"`{key}` expects a number within +/-{limit}.")
        elif not isinstance(value, str):
            raise invalid_type(f"{param}.{key}", f"`{key}` expects a string.")
        elif key == "country":
            if not re.fullmatch(r"[A-Za-z]{2}", value):
                raise invalid_type(f"{param}.country", "`country` must be a 2-letter ISO 3166-1 code.")
            value = value.upper()
        address[key] = value
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
    if not isinstance(raw, str):
        raise invalid_type(param, f"`{definition.key}` expects a profile URL.")
    url = with_scheme(raw)
    parts = urlsplit(url)
    _, pattern = SOCIAL_PROFILES[definition.handle_service or "LINKEDIN"]
    if parts.scheme.lower() not in ("http", "https") or not pattern.match(f"{parts.netloc}{parts.path}"):
        raise invalid_type(param, f"`{raw}` is not a {definition.handle_service} profile URL.")
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

