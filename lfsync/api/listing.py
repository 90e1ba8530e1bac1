"""The bounds of listing every page: pages that never end, pages that go round in circles, and a
record that offset paging shifts onto the next page."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from lfsync.api.records import ApiRecord, UnexpectedAnswer
from lfsync.kinds.record_kind import RecordKind

LIST_PAGE_SIZE = 25  # the API's maximum
# Pages asked past what the first page's totalCount promised before a list counts as endless: the
# total may grow while it is read (records created meanwhile), never by this much.
LIST_MARGIN_RECORDS = 10 * LIST_PAGE_SIZE


def page_bound(promised: int | None, most: int) -> int:
    """The last offset a list may ask for, given the first page's totalCount (None: not sent) and
    the most records a list of its kind may hold (RecordKind.most_listed), whatever the total says."""
    expected = most if promised is None else min(promised, most)
    return expected + max(LIST_MARGIN_RECORDS, expected // 10)


def check_something_new(records: list, seen: set[str], endpoint: str, offset: int) -> None:
    """Adds the page's record IDs to `seen`; a page of records all listed already is an
    UnexpectedAnswer (pages that go round in circles would never end)."""
    ids: list[str] = [found for record in records if isinstance(record, dict) and isinstance(found := record.get("id"), str)]
    if ids and seen.issuperset(ids):
        raise UnexpectedAnswer(endpoint, f"the page at offset {offset} repeats {ids[0][:80]!r} and every other record on it, listed already")
    seen.update(ids)


def once_each(records: Iterable[Any]) -> list:
    """The records in page order, one listed on two pages kept where it came first."""
    listed: set[str] = set()
    kept = []
    for record in records:
        record_id = record.get("id") if isinstance(record, dict) else None
        if record_id in listed:
            continue
        if isinstance(record_id, str):
            listed.add(record_id)
        kept.append(record)
    return kept



def local_filters(kind: RecordKind, params: dict[str, Any]) -> tuple[dict[str, Any], Callable[[list[ApiRecord]], list[ApiRecord]]]:
    """The query to send for a list read of `kind` and what narrows its answer. A kind whose list
    takes only `limit` and `offset` (lists) is asked for every record: it lists active records
    only (`status=trashed` finds none), and `key` / `key[equal]` filters are applied here."""
    if kind.filterable:
        return params, _everything
    wanted = dict(params)
    if wanted.pop("status", "active") == "trashed":
        return {}, _nothing
    filters = {key.removesuffix("[equal]"): value for key, value in wanted.items()}
    if any("[" in key for key in filters):
        raise ValueError(f"{kind.declaration_key} take no filters but equality: {', '.join(sorted(params))}")
    return {}, lambda records: [r for r in records if all(_holds(r.fields.get(k), v) for k, v in filters.items())]


def _everything(records: list[ApiRecord]) -> list[ApiRecord]:
    return records


def _nothing(records: list[ApiRecord]) -> list[ApiRecord]:
    return []


def _holds(held: Any, value: Any) -> bool:
    """Whether a field value read back is `value` or has it among its items."""
    return value in held if isinstance(held, list) else held == value
