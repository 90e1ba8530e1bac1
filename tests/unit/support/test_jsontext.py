"""sorted_indented_json writes what json.dumps(indent=2, sort_keys=True) writes, byte for byte
(state files keep their form, and their diffs in git), whatever the strings and numbers hold."""

from __future__ import annotations

import json
import random

import pytest
from json_corpus import random_document

from lfsync.support.jsontext import sorted_indented_json


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
