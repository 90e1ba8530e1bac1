"""A file's validated accounts as plain, marshal-able data and back: what the parse cache keeps
and a helper process sends (lfsync.support.offload). Positional, because it is a hot path
(10,000 accounts are read back in a fraction of a plan's second); the file's name is left out,
so a renamed file with the same bytes reads back under its new name."""

from __future__ import annotations

from lfsync.declare.addresses import address_of
from lfsync.declare.model import AccountDeclaration, ParsedAccount
from lfsync.errors import SourceLocation
from lfsync.kinds.catalogue import kind_named, kind_of_address

# key, fields, relationships, skip_enrichment, protect, (line, column), field_places,
# relationship_places, references, ignore_all, ignored_places, the kind's name
PlainAccount = tuple


def plain_account(account: ParsedAccount) -> PlainAccount:
    """A validated account as marshal-able data; places are (line, column), the file's name is left out."""
    declaration = account.declaration
    if declaration is None:
        raise ValueError("only a validated account (one with its declaration) has a plain form")
    return (
        declaration.key,
        declaration.fields,
        declaration.relationships,
        declaration.skip_enrichment,
        declaration.protect,
        (declaration.location.line, declaration.location.column),
        declaration.field_places,
        declaration.relationship_places,
        account.references,
        declaration.ignore_all,
        declaration.ignored_places,
        kind_of_address(declaration.address).name,
    )


def accounts_from_plain(plain: list[PlainAccount], shown: str) -> list[ParsedAccount] | None:
    """plain_account's data back as accounts of the file shown as `shown`; None if it does not fit
    (entries are signed by lfsync and named by its code, so only their shape is checked)."""
    try:
        accounts = []
        for (
            key, fields, relationships, skip_enrichment, protect, (line, column), field_places, relationship_places, references,
            ignore_all, ignored_places, kind_name,
        ) in plain:
            location = SourceLocation(shown, line, column)
            address = address_of(key, kind_named(kind_name))
            declaration = AccountDeclaration(
                key, address, fields, relationships, skip_enrichment, location, protect, field_places, relationship_places,
                ignore_all, ignored_places,
            )
            accounts.append(ParsedAccount(address, location, declaration, references))
        return accounts
    except (ValueError, TypeError, KeyError):
        return None
