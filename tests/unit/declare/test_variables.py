"""`${vars.name}` in one string (lfsync.declare.variables): whole values keep their type, uses
inside text are written as text, `$${vars.` escapes, every other `$` stays, problems at their offset."""

from __future__ import annotations

import pytest

from lfsync.declare.variables import may_use_variables, substitute, variables_digest

VARIABLES = {"region": "EU", "size": 42, "ratio": 0.5, "partner": True, "owner": "grace@example.com"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${vars.region}", "EU"),
        ("${vars.size}", 42),
        ("${vars.ratio}", 0.5),
        ("${vars.partner}", True),
        ("Acme ${vars.region}", "Acme EU"),
        ("${vars.region}-${vars.size}", "EU-42"),
        ("size ${vars.size}, partner ${vars.partner}, ratio ${vars.ratio}", "size 42, partner true, ratio 0.5"),
        ("account.${vars.region}", "account.EU"),
    ],
)
def test_a_whole_value_keeps_its_type_and_a_use_inside_text_is_written_as_text(text, expected):
    resolved, problems = substitute(text, VARIABLES)
    assert problems == []
    assert resolved == expected and type(resolved) is type(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$${vars.region}", "${vars.region}"),  # Terraform's $${: a literal ${
        ("cost $${vars.region} and ${vars.region}", "cost ${vars.region} and EU"),
        ("$$${vars.region}", "$${vars.region}"),  # left to right: a `$`, then the escape
        ("$${vars.", "${vars."),  # an escape needs no name after it
        ("$name", "$name"),
        ("price: $5, ${other}, $${other}, $vars.region, {vars.region}", "price: $5, ${other}, $${other}, $vars.region, {vars.region}"),
        ("$", "$"),
        ("", ""),
    ],
)
def test_escapes_and_every_other_dollar_stay_as_written(text, expected):
    assert substitute(text, VARIABLES) == (expected, [])


def test_an_unknown_name_is_named_at_its_offset_with_the_known_names_and_a_suggestion():
    resolved, problems = substitute("Acme ${vars.regoin} ${vars.nope}", VARIABLES)
    assert [problem.offset for problem in problems] == [5, 20]
    first, second = problems
    assert first.message == "unknown variable 'regoin' (known: owner, partner, ratio, region, size)"
    assert first.hint == "did you mean 'region'?"
    assert second.hint is None


def test_without_variables_a_use_says_that_lfsync_yaml_sets_none():
    _, problems = substitute("${vars.region}", {})
    assert [problem.message for problem in problems] == ["unknown variable 'region' (known: none: lfsync.yaml sets no vars)"]


@pytest.mark.parametrize("text", ["${vars.}", "${vars.region", "${vars.bad-name}", "${vars.1st}", "x ${vars. region}"])
def test_an_opening_without_a_name_and_closing_brace_is_a_problem(text):
    _, problems = substitute(text, VARIABLES)
    assert len(problems) == 1
    assert problems[0].offset == text.index("${vars.")
    assert "must be followed by a variable name" in problems[0].message
    assert problems[0].hint == "write $${vars. for a literal ${vars."


def test_a_file_that_cannot_use_variables_is_told_by_its_bytes():
    assert may_use_variables(b"accounts:\n  a:\n    fields: {$name: ${vars.region}}\n")
    assert may_use_variables(b'$name: "\\x24{vars.region}"')  # an escape may spell it: assumed to
    assert not may_use_variables(b"accounts:\n  a:\n    fields: {$name: $5 ${other}}\n")


def test_the_digest_tells_types_and_values_apart_but_not_the_order_of_names():
    assert variables_digest({"a": "1", "b": 2}) == variables_digest({"b": 2, "a": "1"})
    assert variables_digest({"a": "1"}) != variables_digest({"a": 1})
    assert variables_digest({"a": True}) != variables_digest({"a": 1})
    assert variables_digest({"a": "EU"}) != variables_digest({"a": "US"})
