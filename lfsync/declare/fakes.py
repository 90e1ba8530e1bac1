"""Realistic fake values for generated records (`generate:` blocks), on Faker, deterministic per value.

Every value is drawn from its own seed: a SHA-256 over the block's seed and the value's identity (the
set, the record, the name asked for), never from one random stream shared by a whole run. So the same
file gives the same values in any process and any order, and a field added to a block leaves every
other value as it was. Only the names of VOCABULARY can be asked for: each is a Faker method that
depends on nothing but its seed (no clock, no dictionary order), or is made from other names (a
domain from the company's name). Faker's output changes between its versions: FAKER_VERSION is what
a block pins (`faker:`) and what the parse cache keys generated records on.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # Faker costs ~0.1 s to import: only a project with a `generate:` block pays it
    from faker import Faker

FAKER_DISTRIBUTION = "faker"
DEFAULT_LOCALE = "en_US"


@lru_cache(maxsize=1)
def faker_version() -> str:
    """The installed Faker's version (pyproject.toml pins it exactly); "none" without Faker."""
    try:
        return version(FAKER_DISTRIBUTION)
    except PackageNotFoundError:
        return "none"


def derived_int(*parts: str | int) -> int:
    """A 64-bit integer made from `parts` alone: the seed of one value."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


@lru_cache(maxsize=8)
def _faker(locale: str) -> Faker:
    from faker import Faker

    return Faker(locale)


def locale_problem(locale: str) -> str | None:
    """Why `locale` is no Faker locale (None when it is one)."""
    from faker.config import AVAILABLE_LOCALES

    if locale in AVAILABLE_LOCALES:
        return None
    return f"unknown Faker locale {locale!r}; for example en_US, en_GB, de_DE, fr_FR, nb_NO"


def slug(text: str) -> str:
    """Lower-case letters and digits joined by '-': `Smith, Jones and Lee` -> `smith-jones-and-lee`."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


class RecordFakes:
    """The fake values of one generated record, each drawn once (a record's `{first_name}` is the same
    wherever it is used: in its name and in its email) from its own seed."""

    __slots__ = ("identity", "locale", "values")

    def __init__(self, identity: tuple[str | int, ...], locale: str):
        self.identity = identity  # (block seed, set, parent address, index): what the record's values come from
        self.locale = locale
        self.values: dict[str, str] = {}

    def get(self, name: str) -> str:
        if name not in self.values:
            self.values[name] = VOCABULARY[name](self, name)
        return self.values[name]

    def faker_for(self, name: str) -> Faker:
        faker = _faker(self.locale)
        faker.seed_instance(derived_int(*self.identity, name))
        return faker


def _from_faker(method: str) -> Callable[[RecordFakes, str], str]:
    def draw(fakes: RecordFakes, name: str) -> str:
        return str(getattr(fakes.faker_for(name), method)())

    return draw


def _domain(fakes: RecordFakes, name: str) -> str:
    return f"{slug(fakes.get('company'))}.{fakes.faker_for(name).tld()}"


def _email(fakes: RecordFakes, name: str) -> str:
    return f"{slug(fakes.get('first_name'))}.{slug(fakes.get('last_name'))}@{fakes.get('domain')}"


def _name(fakes: RecordFakes, name: str) -> str:
    return f"{fakes.get('first_name')} {fakes.get('last_name')}"


# The names a template may use: `{company}`, `{first_name}`... Faker methods whose output depends on
# the seed alone (not `year` or `date_*`: they depend on today), and names made from them.
VOCABULARY: dict[str, Callable[[RecordFakes, str], str]] = {
    **{
        name: _from_faker(name)
        for name in (
            "company", "company_suffix", "catch_phrase", "bs", "first_name", "last_name", "job", "city", "country",
            "country_code", "street_address", "postcode", "phone_number", "word", "sentence", "paragraph", "color_name",
        )
    },
    "domain": _domain,  # from the record's company: acme-corp.com
    "email": _email,  # first.last@ the record's domain
    "name": _name,  # first and last name
}
