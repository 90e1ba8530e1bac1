"""Record IDs as lfsync accepts them from the API or a user: URL-safe (`[A-Za-z0-9_-]+`) and, where
the docs name one, with their kind's prefix (`acc_`, `mem_`). An ID is checked before it is stored
or put into a URL; path segments are escaped besides (`lfsync.kinds.record_kind.path_segment`), so no ID can reach another
endpoint (`../`), a query (`?`) or a fragment (`#`)."""

from __future__ import annotations

import re

_URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")
MAX_ID_LENGTH = 200  # far above any documented ID; a bound on what is stored and shown


def id_problem(value: object, prefix: str | None = None) -> str | None:
    """What is wrong with `value` as a record ID (None if nothing): not a string, too long, not
    URL-safe, or without the documented `prefix`."""
    if not isinstance(value, str) or not value:
        return "not an ID (an empty or non-text value)"
    if len(value) > MAX_ID_LENGTH:
        return f"an ID of {len(value)} characters (at most {MAX_ID_LENGTH})"
    if not _URL_SAFE.fullmatch(value):
        return f"the ID {value[:80]!r} is not URL-safe (only A-Z, a-z, 0-9, _ and -)"
    if prefix is not None and not value.startswith(prefix):
        return f"the ID {value!r} does not start with {prefix!r}"
    return None

