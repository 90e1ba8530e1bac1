"""Relative dates (`now+3d`): the accepted forms, their canonical form, resolution as UTC
arithmetic, the forms refused (with the accepted ones named), and the checks that keep them as
expressions in DATETIME fields only, with each problem at its file:line:col."""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from lfsync.declare.declarations import load_declarations
from lfsync.values.check import check_against_definitions, check_declarations
from lfsync.values.organisation import Organisation
from lfsync.values.relative_dates import (
    ACCEPTED_FORMS,
    RelativeDateProblem,
    canonical_relative,
    looks_relative,
    parse_relative,
    relative_or_none,
)
from lfsync.values.types import FieldSpec, ValueProblem, canonical_value

ANCHOR = datetime(2026, 12, 7, 12, 0, 0, tzinfo=timezone.utc)
WHEN = FieldSpec("renewalDate", "DATETIME")


@pytest.mark.parametrize(
    "written, canonical, offset",
    [
        ("now", "now", timedelta(0)),
        ("now+3d", "now+3d", timedelta(days=3)),
        ("now-2w", "now-2w", timedelta(weeks=-2)),
        ("now+36h", "now+36h", timedelta(hours=36)),
        ("now+90m", "now+90m", timedelta(minutes=90)),
        ("  now + 03d ", "now+3d", timedelta(days=3)),
        ("now - 1h", "now-1h", timedelta(hours=-1)),
        ("now+0d", "now", timedelta(0)),
        ("now-0w", "now", timedelta(0)),
        ("now+5200w", "now+5200w", timedelta(weeks=5200)),
    ],
)
def test_the_accepted_forms_their_canonical_form_and_offset(written, canonical, offset):
    date = parse_relative(written)
    assert date.expression == canonical
    assert date.offset == offset
    assert canonical_relative(canonical) == canonical  # idempotent: a canonical form stays
    assert date.resolve(ANCHOR) == ANCHOR + offset


@pytest.mark.parametrize(
    "written",
    ["now+3x", "now+3", "now3d", "now+d", "now+3 d", "now++3d", "NOW+3d", "now+3D", "now+1.5d", "now+3d+1h",
     "now+1234567m", "nowish", "now+-3d", "now+３d"],
)
def test_other_forms_are_refused_naming_the_accepted_ones(written):
    with pytest.raises(RelativeDateProblem) as refused:
        parse_relative(written)
    assert repr(written) in str(refused.value)
    assert ACCEPTED_FORMS in str(refused.value)


def test_an_offset_beyond_a_hundred_years_is_refused():
    assert parse_relative("now+5217w").offset <= timedelta(days=36525)
    with pytest.raises(RelativeDateProblem, match="more than 100 years"):
        parse_relative("now+5218w")
    with pytest.raises(RelativeDateProblem, match="more than 100 years"):
        parse_relative("now-36526d")


def test_resolution_is_utc_arithmetic_without_daylight_saving():
    # 2026-03-29 01:00 UTC is when Europe/Oslo moves its clocks forward: a day is still 24 hours
    before_the_change = datetime(2026, 3, 28, 12, 0, tzinfo=ZoneInfo("Europe/Oslo"))
    resolved = parse_relative("now+1d").resolve(before_the_change)
    assert resolved.tzinfo == timezone.utc
    assert resolved == datetime(2026, 3, 29, 11, 0, tzinfo=timezone.utc)
    assert resolved - before_the_change == timedelta(hours=24)
    assert parse_relative("now-2w").resolve(ANCHOR) == datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    assert parse_relative("now+90m").resolve(ANCHOR) == datetime(2026, 12, 7, 13, 30, tzinfo=timezone.utc)


def test_what_looks_relative_and_what_a_canonical_value_holds():
    assert looks_relative("now+3d") and looks_relative(" NOW") and looks_relative("nowish")
    assert not looks_relative("2026-03-01T09:00:00Z") and not looks_relative(None) and not looks_relative(3)
    assert relative_or_none("now+3d") == parse_relative("now+3d")
    assert relative_or_none("2026-03-01T09:00:00.000Z") is None
    assert relative_or_none("now+3x") is None


def test_a_datetime_value_keeps_the_expression_in_canonical_form():
    assert canonical_value(WHEN, " now + 3d ") == "now+3d"
    assert canonical_value(WHEN, "now+3d") == "now+3d"
    assert canonical_value(WHEN, "2026-03-01T10:00:00+01:00") == "2026-03-01T09:00:00.000Z"  # absolute dates as before
    with pytest.raises(ValueProblem, match="'now\\+3x' is not a relative date; write now, now\\+3d"):
        canonical_value(WHEN, "now+3x")
    assert canonical_value(FieldSpec("region", "TEXT"), "now+3d") == "now+3d"  # text is text


DEFINITIONS = {
    "objectType": "account",
    "fieldDefinitions": {
        "$name": {"label": "Name", "valueType": "TEXT", "typeConfiguration": {}},
        "renewalDate": {"label": "Renewal", "valueType": "DATETIME", "typeConfiguration": {}},
        "region": {"label": "Region", "valueType": "TEXT", "typeConfiguration": {}},
    },
    "relationshipDefinitions": {},
}


def test_a_bad_relative_date_is_refused_at_its_file_line_and_column(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").write_text(textwrap.dedent("""\
        accounts:
          acme:
            fields:
              $name: Acme
              renewalDate: now+3x
              region: now+3x
        """), encoding="utf-8")
    problems = check_against_definitions(load_declarations(tmp_path), DEFINITIONS)
    assert [(str(problem.place), problem.message) for problem in problems] == [
        ("a.yaml:5:7", f"fields.renewalDate of account.acme: 'now+3x' is not a relative date; write {ACCEPTED_FORMS} (DATETIME field)"),
    ]


def test_checked_declarations_hold_the_expression_in_datetime_fields(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").write_text(
        "accounts:\n  acme:\n    fields: {$name: Acme, renewalDate: 'now + 2w', region: now}\n", encoding="utf-8"
    )
    checked = check_declarations(load_declarations(tmp_path), Organisation.from_wire(DEFINITIONS, None))
    assert not checked.problems
    assert checked.fields["account.acme"] == {"$name": "Acme", "renewalDate": "now+2w", "region": "now"}
