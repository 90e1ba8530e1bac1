"""'Did you mean ...?' for a misspelt name."""

from __future__ import annotations

import difflib
from typing import Any


def closest(word: str, candidates: Any) -> str | None:
    matches = difflib.get_close_matches(word, [str(c) for c in candidates], n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, candidates: Any) -> str:
    match = closest(word, candidates)
    return f" (did you mean {match!r}?)" if match else ""
