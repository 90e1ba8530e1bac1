"""Field values as Lightfield holds them: each declared value checked against its field's
definition and put in the one canonical form the API stores and reads back.

The rules are those of Lightfield's docs (lightfield-api.md, "Field value types"): URLs get
`https://`, countries are upper-case, text is in Unicode NFC (lfsync.support.spellings), select
labels (matched without regard to case) become option IDs, datetimes are stored in UTC, phone
numbers are normalised (E.164, `;ext=`). lfsync hashes, records and compares this form, so a
value read back in another spelling is never drift, and a label and its option ID plan as the
same thing. `canonical_value` is idempotent: a value the API
reads back goes through it unchanged.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Callable
from urllib.parse import urlsplit

from lfsync.api.records import FieldDefinition, SelectOption  # noqa: F401 (SelectOption re-exported)
from lfsync.declare.csvfile import CsvCell, typed_cell
from lfsync.declare.jsonsafe import MAX_SAFE_INTEGER, short_number, unrepresentable  # noqa: F401 (re-exported for value checks)
from lfsync.declare.yamlscalars import yaml_type_name
from lfsync.support.spellings import composed
from lfsync.support.suggestions import did_you_mean
from lfsync.values.relative_dates import RelativeDateProblem, canonical_relative, looks_relative

ADDRESS_TEXT_PARTS = ("street", "street2", "city", "state", "postalCode", "country")
ADDRESS_NUMBER_PARTS = {"latitude": 90, "longitude": 180}
ADDRESS_PARTS = (*ADDRESS_TEXT_PARTS, *ADDRESS_NUMBER_PARTS)
FULL_NAME_PARTS = ("firstName", "lastName")
NOT_WRITABLE_TYPES = {"MARKDOWN", "HTML"}
SELECT_TYPES = {"SINGLE_SELECT", "MULTI_SELECT"}
DATETIME_EXAMPLE = "like 2026-03-01T09:00:00Z or 2026-03-01T10:00:00+01:00"

_COUNTRY_CODE = re.compile(r"[A-Za-z]{2}")
# The shape of an ISO 8601 calendar date and time with an offset, extended or basic (not mixed):
# fromisoformat also takes week dates, `+01:00:00` offsets and `09:30:00.Z`, which are not ISO 8601.
_ISO_DATE_TIME = re.compile(
    r"\s*(?:\d{4}-\d{2}-\d{2}[Tt]\d{2}(?::\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)"
    r"|\d{8}[Tt]\d{2}(?:\d{2}(?:\d{2}(?:[.,]\d+)?)?)?(?:[Zz]|[+-]\d{2}(?:\d{2})?))\s*"
)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
_PLAIN_WEB_ADDRESS = re.compile(r"(https?://)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:[/?#]\S*)?", re.I)
_WHITESPACE = re.compile(r"\s")  # in a str pattern, exactly the characters str.isspace() accepts
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+$")  # a dotted domain, no empty label
_PHONE_EXTENSION = re.compile(r"\s*(?:;\s*ext=|ext\.?\s*:?\s*|extension\s*:?\s*|x\s*|#\s*)(\d{1,10})\s*$", re.I)
_PHONE_PUNCTUATION = re.compile(r"[\s().\-/]")
_ASCII_DIGITS = re.compile(r"[0-9]+")
_US_NUMBER = re.compile(r"1?[2-9][0-9]{2}[2-9][0-9]{6}")
_PROFILE_HOST = r"^(?:(?:www|m|[a-z]{2,3}|[a-z]{2}-[a-z]{2})\.)?"  # www., m., or regional (uk., de-de.), per the docs
SOCIAL_PROFILES = {
    "TWITTER": ("x.com/<handle>", re.compile(_PROFILE_HOST + r"(?:x|twitter)\.com/[A-Za-z0-9_]{1,15}/?$", re.I)),
    "LINKEDIN": ("linkedin.com/in/<name> or linkedin.com/company/<name>",
                 re.compile(_PROFILE_HOST + r"linkedin\.com/(?:in|company)/[^/\s?#]+/?$", re.I)),
    "FACEBOOK": ("facebook.com/<name>", re.compile(_PROFILE_HOST + r"facebook\.com(?:/[^/\s?#]+)+/?$", re.I)),
    "INSTAGRAM": ("instagram.com/<handle>", re.compile(_PROFILE_HOST + r"instagram\.com/[A-Za-z0-9_.]{1,30}/?$", re.I)),
}


class ValueProblem(ValueError):
    """Why the API would refuse a value; the message is for the user, without the field's name."""


@dataclass(frozen=True)
class FieldSpec(FieldDefinition):
    """A field definition as values are checked against it: the definition, with its option lookups."""

    @classmethod
    def from_definition(cls, definition: FieldDefinition) -> "FieldSpec":
        return cls(**{field.name: getattr(definition, field.name) for field in fields(definition)})

    def option_for(self, text: str) -> SelectOption | None:
        """The option with this ID, or with this label in any case (as the API matches labels)."""
        folded = text.casefold()
        for option in self.options:
            if text == option.id:
                return option
        return next((option for option in self.options if option.label.casefold() == folded), None)

    def label_of(self, option_id: str) -> str | None:
        return next((option.label for option in self.options if option.id == option_id), None)


def canonical_value(spec: FieldSpec, value: Any) -> Any:
    """`value` as the API will hold it; None clears the field. Raises ValueProblem."""
    if spec.read_only:
        raise ValueProblem("this field is read-only in Lightfield; remove it from the declaration")
    if spec.value_type in NOT_WRITABLE_TYPES:
        raise ValueProblem("fields of this type cannot be written through the API; remove it from the declaration")
    if value is None:
        return None
    if isinstance(value, CsvCell):
        try:
            value = typed_cell(value, spec.value_type, spec.multiple)
        except ValueError as error:
            raise ValueProblem(str(error)) from None
    canonicalise = _CANONICAL.get(spec.value_type)
    return value if canonicalise is None else canonicalise(spec, value)


# --- one function per value type ---------------------------------------------------------------


def _text(_spec: FieldSpec, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueProblem(f"expected text, found {yaml_type_name(value)} (quote it to keep it as text)")
    return composed(value)  # NFC: an NFD and an NFC spelling of one name are one value, one key, one create


def _number(_spec: FieldSpec, value: Any) -> int | float:
    if type(value) is int and -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return value  # most numbers: the checks below would pass it unchanged
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueProblem(f"expected a number, found {yaml_type_name(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueProblem(f"expected a finite number, found {yaml_type_name(value)}")
    if abs(value) > MAX_SAFE_INTEGER:
        raise ValueProblem(f"{short_number(value)} is out of range (at most {MAX_SAFE_INTEGER} either way)")
    try:
        exact = Decimal(str(value))
    except InvalidOperation:  # pragma: no cover - finite floats always convert
        raise ValueProblem(f"expected a number, found {yaml_type_name(value)}") from None
    if exact != exact.quantize(Decimal("0.01")):
        raise ValueProblem(f"{value} has more than 2 decimals")
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _checkbox(_spec: FieldSpec, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueProblem(f"expected true or false, found {yaml_type_name(value)}")
    return value


def _datetime(_spec: FieldSpec, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueProblem(f"expected an ISO 8601 date-time with a UTC offset ({DATETIME_EXAMPLE}), found {yaml_type_name(value)}")
    if looks_relative(value):  # `now+3d`: kept as written (canonical), resolved against the anchor when planned
        try:
            return canonical_relative(value)
        except RelativeDateProblem as problem:
            raise ValueProblem(str(problem)) from None
    moment = parse_instant(value)
    if moment is None:
        raise ValueProblem(f"{value!r} is not an ISO 8601 date-time; write it {DATETIME_EXAMPLE}")
    if moment.tzinfo is None or "T" not in value.upper():
        raise ValueProblem(f"{value!r} has no UTC offset; add one, {DATETIME_EXAMPLE}")
    if not _ISO_DATE_TIME.fullmatch(value):
        raise ValueProblem(f"{value!r} is not an ISO 8601 calendar date and time; write it {DATETIME_EXAMPLE}")
    try:
        return format_utc(moment)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        raise ValueProblem(f"{value!r} is out of range in UTC") from None


def _email(_spec: FieldSpec, value: Any) -> list[str] | None:
    addresses = [text.strip() for text in _texts(value, single_allowed=True)]
    for address in addresses:
        if not _EMAIL.match(address):
            raise ValueProblem(f"{address!r} is not an email address")
    return _unique(addresses) or None


def _telephone(_spec: FieldSpec, value: Any) -> list[str] | None:
    numbers = []
    for text in _texts(value, single_allowed=False):
        number = normalise_phone(text)
        if number is None:
            raise ValueProblem(
                f"{text!r} is not a telephone number the API accepts (+ and 8-15 digits, a US number, "
                "or 7-15 local digits; an extension as x100)"
            )
        numbers.append(number)
    return _unique(numbers) or None


def _url(spec: FieldSpec, value: Any) -> str | list[str] | None:
    urls = _unique([_one_url(text) for text in _texts(value, single_allowed=True)])
    if spec.multiple:
        return urls or None
    if len(urls) > 1:
        raise ValueProblem(f"this field holds one URL, but {len(urls)} are given")
    return urls[0] if urls else None


def _address(_spec: FieldSpec, value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        raise ValueProblem(f"expected a mapping like {{city: Oslo, country: 'NO'}}, found {yaml_type_name(value)}")
    address: dict[str, Any] = {}
    for key, part in value.items():
        if key not in ADDRESS_PARTS:
            raise ValueProblem(f"unknown address part {str(key)!r}; allowed: {', '.join(sorted(ADDRESS_PARTS))}")
        if part is None:
            continue
        if key in ADDRESS_NUMBER_PARTS:
            limit = ADDRESS_NUMBER_PARTS[key]
            if isinstance(part, bool) or not isinstance(part, (int, float)) or not math.isfinite(part) or abs(part) > limit:
                raise ValueProblem(f"{key} must be a number within +/-{limit}, found {yaml_type_name(part)}")
        elif not isinstance(part, str):
            raise ValueProblem(f"{key} must be text, found {yaml_type_name(part)} (quote it)")
        elif key == "country":
            if not _COUNTRY_CODE.fullmatch(part):
                raise ValueProblem(f"country must be a 2-letter ISO 3166-1 code like NO or US, found {part!r}")
            part = part.upper()
        address[key] = part
    return address or None


def _full_name(_spec: FieldSpec, value: Any) -> dict[str, str] | None:
    if not isinstance(value, dict):
        raise ValueProblem(f"expected a mapping like {{firstName: Ada, lastName: Lovelace}}, found {yaml_type_name(value)}")
    name: dict[str, str] = {}
    for key, part in value.items():
        if key not in FULL_NAME_PARTS:
            raise ValueProblem(f"unknown name part {str(key)!r}; allowed: firstName, lastName")
        if part is not None and not isinstance(part, str):
            raise ValueProblem(f"{key} must be text, found {yaml_type_name(part)}")
        if part:
            name[key] = part
    return name or None


def _social_handle(spec: FieldSpec, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueProblem(f"expected text, found {yaml_type_name(value)} (a profile URL)")
    url = with_scheme(value)
    parts = urlsplit(url)
    example, pattern = SOCIAL_PROFILES.get(spec.handle_service or "LINKEDIN", SOCIAL_PROFILES["LINKEDIN"])
    if parts.scheme.lower() not in ("http", "https") or not pattern.match(f"{parts.netloc}{parts.path}"):
        raise ValueProblem(f"{value!r} is not a {spec.handle_service or 'LINKEDIN'} profile URL ({example})")
    return url


def _single_select(spec: FieldSpec, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueProblem(f"expected one option label or ID, found {yaml_type_name(value)}")
    return _option(spec, value)


def _multi_select(spec: FieldSpec, value: Any) -> list[str] | None:
    if not isinstance(value, list):
        example = f"; write it as a list: [{value}]" if isinstance(value, str) else ""
        raise ValueProblem(f"expected a list of option labels or IDs, found {yaml_type_name(value)}{example}")
    ids = []
    for item in value:
        if not isinstance(item, str):
            raise ValueProblem(f"expected option labels or IDs, found {yaml_type_name(item)} in the list")
        ids.append(_option(spec, item))
    return sorted(set(ids)) or None  # the order of a multi-select carries no meaning


_CANONICAL: dict[str, Callable[[FieldSpec, Any], Any]] = {
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


# --- shared pieces -----------------------------------------------------------------------------


def _option(spec: FieldSpec, text: str) -> str:
    option = spec.option_for(text)
    if option is not None:
        return option.id
    labels = [option.label for option in spec.options]
    if not labels:
        raise ValueProblem(f"{text!r} is not an option: this field has no options")
    raise ValueProblem(f"{text!r} is not an option{did_you_mean(text, labels)}; valid labels: {list_labels(labels)}")


def _texts(value: Any, *, single_allowed: bool) -> list[str]:
    if isinstance(value, str) and single_allowed:
        return [value]
    expected = "text or a list of text" if single_allowed else "a list of text (even for one value: [...])"
    if not isinstance(value, list):
        raise ValueProblem(f"expected {expected}, found {yaml_type_name(value)}")
    for item in value:
        if not isinstance(item, str):
            raise ValueProblem(f"expected {expected}, found {yaml_type_name(item)} in the list (quote it)")
    return value


def _one_url(text: str) -> str:
    plain = _PLAIN_WEB_ADDRESS.fullmatch(text)
    if plain:  # most addresses: what the checks below would accept, in the same form
        return text if plain.group(1) else f"https://{text}"
    return _checked_url(text)


def _checked_url(text: str) -> str:
    url = with_scheme(text)
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        host = ""
    labels = host.split(".")
    web = url[: url.index(":")].lower() in ("http", "https")
    if not web or len(labels) < 2 or not all(labels) or _WHITESPACE.search(url):
        raise ValueProblem(f"{text!r} is not a web address (like https://example.com)")
    return url


def with_scheme(text: str) -> str:
    text = text.strip()
    return text if _SCHEME.match(text) else f"https://{text}"


def normalise_phone(text: str) -> str | None:
    """E.164 (+ `;ext=N`) for `+` and US numbers, bare digits for 7-15 digit local ones; None if neither."""
    extension = ""
    match = _PHONE_EXTENSION.search(text)
    if match:
        extension = f";ext={match.group(1)}"
        text = text[: match.start()]
    text = _PHONE_PUNCTUATION.sub("", text.strip())
    if text.startswith("+"):
        digits = text[1:]
        if _ASCII_DIGITS.fullmatch(digits) and 8 <= len(digits) <= 15 and digits[0] != "0":
            return f"+{digits}{extension}"
        return None
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    if _US_NUMBER.fullmatch(text):  # NANP: area code and exchange each start with 2-9
        return f"+1{text[-10:]}{extension}"
    if 7 <= len(text) <= 15:
        return f"{text}{extension}"
    return None


def parse_instant(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


def format_utc(moment: datetime) -> str:
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))




MAX_LISTED_OPTIONS = 25


def list_labels(labels: list[str]) -> str:
    shown = ", ".join(labels[:MAX_LISTED_OPTIONS])
    more = len(labels) - MAX_LISTED_OPTIONS
    return shown + (f" and {more} more" if more > 0 else "")
