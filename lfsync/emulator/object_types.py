"""The object types the emulator serves as records (accounts, contacts, opportunities): what
differs between them beyond their definitions — URL path, create options, required parts, which
fields keep no history. Everything else is the same code for every type (records.py)."""

from __future__ import annotations

from dataclasses import dataclass

from . import decisions


@dataclass(frozen=True)
class Required:
    """A field or relationship a record must have; `param` is what a refusal names."""

    key: str
    param: str


@dataclass(frozen=True)
class ObjectType:
    name: str  # "contact": the definitions' objectType
    path: str  # "contacts": the URL segment under /v1/ (and the name of its store table)
    label: str  # "Contact", in messages
    takes_skip_enrichment: bool = True
    required_fields: tuple[Required, ...] = ()
    required_relationships: tuple[Required, ...] = ()
    column_backed_fields: frozenset[str] = decisions.HISTORY_COLUMN_BACKED_FIELDS

    def create_keys(self) -> frozenset[str]:
        keys = {"fields", "relationships"}
        return frozenset(keys | {"skipEnrichment"}) if self.takes_skip_enrichment else frozenset(keys)


ACCOUNT = ObjectType(
    name="account", path="accounts", label="Account",
    required_fields=(Required("$name", decisions.MISSING_PARAM["$name"]),),
)
CONTACT = ObjectType(name="contact", path="contacts", label="Contact")  # no required field (SDK)
OPPORTUNITY = ObjectType(
    name="opportunity", path="opportunities", label="Opportunity",
    takes_skip_enrichment=False,
    required_fields=(Required("$name", decisions.MISSING_PARAM["$name"]),
                     Required("$stage", decisions.MISSING_PARAM["$stage"])),
    required_relationships=(Required("$account", decisions.MISSING_PARAM["$account"]),),
)

OBJECT_TYPES: dict[str, ObjectType] = {t.name: t for t in (ACCOUNT, CONTACT, OPPORTUNITY)}
