"""The state file's text: each record's text is made once and joined (StateSnapshot.resource_text),
and the whole is still what json.dumps(indent=2, sort_keys=True) writes of the snapshot, byte for
byte, whatever the records hold, however often they are replaced."""

from __future__ import annotations

import json
import random

import pydantic
import pytest
from json_corpus import ENCODABLE, random_document, random_text

from lfsync.state.records import ResourceState, StateSnapshot


def record(rng: random.Random, number: int) -> ResourceState:
    return ResourceState(
        id=f"acc_c{number}", hash=f"{number:064x}", idempotency_key=rng.choice([None, "k" * 64]),
        http_link=rng.choice([None, f"https://example.com/{random_text(rng)}"]),
        applied={
            "fields": {random_text(rng, ENCODABLE): random_document(rng, max_depth=3, characters=ENCODABLE) for _ in range(4)},
            "relationships": {"$owner": random_text(rng)},
        },
        protect=rng.choice([None, True]),
        declared_as=rng.choice([None, {"fields": {"tier": random_document(rng, max_depth=3, characters=ENCODABLE)}, "relationships": {}}]),
    )


def as_json_dumps_writes_it(snapshot: StateSnapshot) -> str:
    document = snapshot.model_dump(mode="json", exclude_none=True)
    if not document["retired"]:
        del document["retired"]
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize("seed", range(40))
def test_the_text_is_json_dumps_of_the_snapshot(seed: int):
    rng = random.Random(seed)
    addresses = [f"account.{random_text(rng)}{number}" for number in range(rng.randint(0, 12))]
    snapshot = StateSnapshot(
        lineage="00000000-0000-4000-8000-000000000000", workspace=random_text(rng), target="local", serial=seed,
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
