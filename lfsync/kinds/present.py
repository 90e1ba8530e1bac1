"""The record kinds a set of addresses holds, in catalogue order (accounts first), and the noun
messages use for them: "accounts" while accounts are all there is, "records" once other kinds
are involved (texts written when only accounts existed keep their words for accounts alone)."""

from __future__ import annotations

from collections.abc import Iterable

from lfsync.kinds.catalogue import ACCOUNT, DECLARABLE_KINDS, UNMANAGED, kind_of_address
from lfsync.kinds.record_kind import RecordKind


def kinds_present(addresses: Iterable[str], always: Iterable[RecordKind] = ()) -> list[RecordKind]:
    """The declarable kinds of `addresses` (`unmanaged.<ID>` by its ID) and `always`, in catalogue
    order; an address of no declarable kind is left out."""
    found = set(always)
    for key in {_kind_key(address) for address in addresses}:  # one lookup a kind, not an address
        try:
            found.add(kind_of_address(key))
        except KeyError:
            continue
    return [kind for kind in DECLARABLE_KINDS if kind in found]


def _kind_key(address: str) -> str:
    """What kind_of_address reads of `address`: its prefix and dot, or the whole `unmanaged.<ID>`."""
    name, dot, _ = address.partition(".")
    return address if name == UNMANAGED else name + dot


def records_noun(kind_names: Iterable[str], plural: bool = True) -> str:
    """"accounts" ("account") when `kind_names` names accounts alone or nothing, else "records" ("record")."""
    word = "account" if set(kind_names) <= {ACCOUNT.name} else "record"
    return word + "s" if plural else word


def noun_for(addresses: Iterable[str], plural: bool = True) -> str:
    """records_noun of the kinds `addresses` hold: "accounts" for accounts alone, else "records"."""
    return records_noun((kind.name for kind in kinds_present(addresses)), plural)


def mixed_kinds(addresses: Iterable[str]) -> list[str]:
    """The names of the kinds `addresses` hold when other kinds than accounts are among them, else []
    (what a plan records for its wording: lfsync.plan.model.Plan.kinds)."""
    names = [kind.name for kind in kinds_present(addresses)]
    return names if set(names) - {ACCOUNT.name} else []

