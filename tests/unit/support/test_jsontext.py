"""sorted_indented_json writes what json.dumps(indent=2, sort_keys=True) writes, byte for byte
(state files keep their form, and their diffs in git), whatever the strings and numbers hold."""

from __future__ import annotations

import json
import random

import pytest

from lfsync.support.jsontext import sorted_indented_json

CHARACTERS = [
    "a", "Z", " ", '"', "\\", "/", "\n", "\t", "\b", "\f", "\r", "\x00", "\x1f", "\x7f", "\x80", "\u00e9",
    "\u2028", "\u202e", "\ufeff", "\U0001f600", "\U0010ffff", "\ud800", "<", "&", "'",
]
NUMBERS = [0.1, 1.5, -2.25, 1e16, 1e-7, 123456789.123, 0.0, -0.0, 1e300, 3.0, 10**30, -(10**20), 0, True, False, None]


def random_document(rng: random.Random, depth: int = 0):
    roll = rng.random()
    if depth < 4 and roll < 0.2:
        return {random_text(rng): random_document(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    if depth < 4 and roll < 0.35:
        return [random_document(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if roll < 0.6:
        return random_text(rng)
    return rng.choice(NUMBERS)


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(CHARACTERS) for _ in range(rng.randint(0, 6)))


def test_random_documents_come_out_as_json_dumps_writes_them():
    rng = random.Random(20261207)
    for _ in range(3000):
        document = random_document(rng)
        assert sorted_indented_json(document) == json.dumps(document, indent=2, sort_keys=True)


@pytest.mark.parametrize("document", [
    {"resources": {"account.b": {"id": "acc_2"}, "account.a": {"fields": {"$name": "Caf\u00e9 \U0001f600"}}}},
    {"z": [], "a": {}, "m": [1, 2.5, None, True], "n": {"k": ""}},
    {"exponent": 1e16, "small": 1e-7, "nan": float("nan"), "inf": float("-inf")},
    {2: "int keys", 1: "as json.dumps writes them"},
    {"tuple": (1, 2)},
    {"lone surrogate": "\udc00", "del": "\x7f"},
    [],
    "text",
])
def test_awkward_documents_too(document):
    assert sorted_indented_json(document) == json.dumps(document, indent=2, sort_keys=True)
