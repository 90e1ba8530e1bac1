"""The state file's text: each record's text is made once and joined (StateSnapshot.resource_text),
and the whole is still what json.dumps(indent=2, sort_keys=True) writes of the snapshot, byte for
byte, whatever the records hold, however often they are replaced."""

from __future__ import annotations

import json
import random

import pydantic
import pytest

from lfsync.state.records import ResourceState, StateSnapshot

TEXTS = ["a", "Z", " ", '"', "\\", "\n", "\u00e9", "\u2028", "\U0001f600", "\x7f", "<&'", "account.x"]
NUMBERS = [0.1, -2.25, 1e16, 1e-7, 0.0, 10**30, 0, True, False, None]


def text(rng: random.Random) -> str:
    return "".join(rng.choice(TEXTS) for _ in range(rng.randint(0, 5)))


def value(rng: random.Random, depth: int = 0):
    roll = rng.random()
    if depth < 3 and roll < 0.2:
        return {text(rng): value(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    if depth < 3 and roll < 0.35:
        return [value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return text(rng) if roll < 0.6 else rng.choice(NUMBERS)


def record(rng: random.Random, number: int) -> ResourceState:
    return ResourceState(
        id=f"acc_c{number}", hash=f"{number:064x}", idempotency_key=rng.choice([None, "k" * 64]),
        http_link=rng.choice([None, f"https://example.com/{text(rng)}"]),
        applied={"fields": {text(rng): value(rng) for _ in range(rng.randint(0, 4))}, "relationships": {"$owner": text(rng)}},
        protect=rng.choice([None, True]),
        declared_as=rng.choice([None, {"fields": {"tier": value(rng)}, "relationships": {}}]),
    )


def as_json_dumps_writes_it(snapshot: StateSnapshot) -> str:
    document = snapshot.model_dump(mode="json", exclude_none=True)
    if not document["retired"]:
        del document["retired"]
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize("seed", range(40))
def test_the_text_is_json_dumps_of_the_snapshot(seed: int):
    rng = random.Random(seed)
    addresses = [f"account.{text(rng)}{number}" for number in range(rng.randint(0, 12))]
    snapshot = StateSnapshot(
        lineage="00000000-0000-4000-8000-000000000000", workspace=text(rng), target="local", serial=seed,
        resources={address: record(rng, number) for number, address in enumerate(addresses)},
        retired=rng.choice([{}, {"account.gone": ["acc_c9"]}]),
    )
    assert snapshot.to_json() == as_json_dumps_writes_it(snapshot)
    for round_ in range(3):  # records replaced (an apply's outcomes), some texts made before they are stored
        for number, address in enumerate(addresses):
            if rng.random() < 0.5:
                replacement = record(rng, 100 * round_ + number)
                if rng.random() < 0.5:
                    snapshot.resource_text(address, replacement)
                snapshot.resources[address] = replacement
            elif rng.random() < 0.3:
                snapshot.resource_text(address, record(rng, 999))  # made, then never stored
        assert snapshot.to_json() == as_json_dumps_writes_it(snapshot)


def test_a_record_cannot_change_in_place():
    resource = ResourceState(id="acc_c1", hash="0" * 64, applied={"fields": {}, "relationships": {}})
    with pytest.raises(pydantic.ValidationError):
        resource.hash = "1" * 64


def test_snapshots_compare_by_their_records_not_by_the_texts_made():
    def snapshot() -> StateSnapshot:
        resource = ResourceState(id="acc_c1", hash="0" * 64, applied={"fields": {}, "relationships": {}})
        return StateSnapshot(lineage="00000000-0000-4000-8000-000000000000", workspace="w", target="local",
                             resources={"account.a": resource})

    written, fresh = snapshot(), snapshot()
    written.to_json()
    assert written == fresh and not written != fresh
    fresh.resources["account.b"] = fresh.resources["account.a"]
    assert written != fresh
