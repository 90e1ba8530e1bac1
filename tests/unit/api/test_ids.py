"""Record IDs from server answers: URL-safe with their kind's prefix before they are stored or put
into a URL, and escaped as one path segment anyway."""

from __future__ import annotations

import pytest

from lfsync.api.ids import id_problem
from lfsync.api.records import UnexpectedAnswer, parse_list_page, parse_record
from lfsync.kinds.catalogue import ACCOUNT, MEMBER

HOSTILE_IDS = ["acc_../../v1/members", "acc_x?force=1", "acc_x#frag", "acc_a/b", "acc_ x", "acc_%2e%2e", "acc_é", ""]


@pytest.mark.parametrize("record_id", ["acc_c0123abc", "acc_A-b_9"])
def test_url_safe_ids_with_their_prefix_are_accepted(record_id):
    assert id_problem(record_id, "acc_") is None
    assert parse_record({"id": record_id}, "GET /v1/accounts", ACCOUNT.read_back).id == record_id


@pytest.mark.parametrize("record_id", HOSTILE_IDS)
def test_an_answer_with_an_unsafe_id_is_an_error_naming_the_endpoint(record_id):
    with pytest.raises(UnexpectedAnswer, match=r"GET /v1/accounts.*(not URL-safe|not an ID|without an `id`)"):
        parse_list_page({"data": [{"id": record_id}]}, "GET /v1/accounts", ACCOUNT.read_back)


def test_an_id_without_its_documented_prefix_is_refused():
    with pytest.raises(UnexpectedAnswer, match=r"GET /v1/members.*does not start with 'mem_'"):
        parse_record({"id": "acc_c0123"}, "GET /v1/members", MEMBER.read_back)


def test_linked_ids_are_url_safe_too():
    wire = {"id": "acc_c1", "relationships": {"$owner": {"cardinality": "HAS_ONE", "values": ["mem_../x"]}}}
    with pytest.raises(UnexpectedAnswer, match=r"\$owner.*not URL-safe"):
        parse_record(wire, "GET /v1/accounts/acc_c1", ACCOUNT.read_back)


@pytest.mark.parametrize("record_id", ["../members", "x?y=1", "x#y", "..", "a/b", "50%"])
def test_a_record_path_holds_its_id_as_one_escaped_segment(record_id):
    path = ACCOUNT.record_path(record_id)
    segment = path.removeprefix("/v1/accounts/")
    assert path.startswith("/v1/accounts/") and not any(c in segment for c in "/?#.")
    assert "%" not in record_id or "%25" in segment
