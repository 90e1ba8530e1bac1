"""Safe text: invisible characters (Trojan Source) shown as escapes in every human format, kept
exact in JSON plans."""

from __future__ import annotations

import json

import pytest

from lfsync.plan.actions import Action
from lfsync.plan.model import AttributeChange, Change, Plan
from lfsync.support.textsafe import for_terminal, markdown_text, plain
from lfsync.ui.markdown import render_markdown
from lfsync.ui.planjson import plan_json
from lfsync.ui.render import render_text

INVISIBLE = [
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",  # bidi embeddings and overrides
    "\u2066", "\u2067", "\u2068", "\u2069",  # bidi isolates
    "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\ufeff",  # zero-width, marks, BOM
    "\u061c", "\u00ad", "\U000e0041",  # Arabic letter mark, soft hyphen, a tag character
]


@pytest.mark.parametrize("character", INVISIBLE)
def test_each_invisible_character_is_shown_as_its_escape(character):
    code = ord(character)
    escape = f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    assert plain(f"a{character}b") == f"a{escape}b"
    assert for_terminal(f"a{character}b\nc") == f"a{escape}b\nc"
    assert markdown_text(f"a{character}b") == f"a{escape.replace(chr(92), '&#92;')}b"


def test_ordinary_text_passes_unchanged():
    for text in ("Acme Corp", "Café Noël", "Zürich GmbH", "東京", "emoji 🚀", "a - b"):
        assert plain(text) == text


# "access level is user" reads as "admin" when the override is rendered raw
TROJAN = "user\u202e \u2066// admin\u2069 \u2066"
PLAN = Plan(
    project_dir=".", workspace="default", target="local", lineage="", serial=0, declarations_digest="d",
    changes=[Change(address="account.acme", action=Action.CREATE, location="a\u200b.yaml:1:1", attributes=[
        AttributeChange(path="fields.$name", kind="add", after=TROJAN),
    ])],
    problems=[f"problem with {TROJAN}"],
)


def test_text_and_markdown_plans_show_bidi_and_zero_width_characters_as_escapes():
    shown = ["\n".join(for_terminal(line) for line, _ in render_text(PLAN)), render_markdown(PLAN)]
    for output in shown:
        assert not any(character in output for character in INVISIBLE)
    assert '"user\\u202e \\u2066// admin\\u2069 \\u2066"' in shown[0]
    assert "a\\u200b.yaml" in shown[0]
    assert "user&#92;u202e" in shown[1] and "a&#92;u200b.yaml" in shown[1]


def test_json_plans_keep_the_values_exact():
    document = plan_json(PLAN)
    assert document.isascii()  # JSON's own escapes: no raw control reaches a terminal
    assert json.loads(document)["changes"][0]["attributes"][0]["after"] == TROJAN


@pytest.fixture
def remember_key():
    """lfsync.support.secrets.remember_key for one test: every key it learnt is forgotten after."""
    from lfsync.support import secrets

    yield secrets.remember_key
    secrets.forget_all()


def test_printable_ascii_takes_the_short_way_with_the_same_result(remember_key):
    """Plain ASCII lines (most of a plan) skip the pattern searches: every character the long way
    would remove or escape is outside printable ASCII, and secrets are still redacted."""
    from lfsync.support import textsafe

    def long_way(text: str) -> str:
        return textsafe.redact(textsafe._CONTROL.sub(textsafe._visible, textsafe._ESCAPE_SEQUENCE.sub("", text)))

    every_ascii = "".join(chr(code) for code in range(128))
    samples = [every_ascii, every_ascii[32:127], "  + $name: \"Acme\"", "\x1b[31mred\x1b[0m", "a\tb\rc\x7f", ""]
    remember_key("sk_lf_short_way_secret")
    for text in [*samples, "key sk_lf_short_way_secret here", "sk_lf_short_\x1b[0mway_secret"]:
        assert plain(text) == long_way(text)
    assert plain("key sk_lf_short_way_secret here") == "key *** here"


def test_many_lines_at_once_come_out_as_each_line_would(remember_key):
    """for_terminal over a whole plan's text takes one check when it is printable ASCII and line
    breaks without a secret; anything else goes line by line, with the same result either way."""

    def line_by_line(text: str) -> str:
        return "\n".join(plain(line) for line in text.split("\n"))

    every_ascii = "".join(chr(code) for code in range(128))
    samples = [
        "  + account.acme\n      $name: \"Acme\"\n", "\n\n", "", "a\tb\nc", "\x1b[2Jgone\nkept", "caf\u00e9\nbar",
        every_ascii, "one\rtwo\nthree\x7f", "zero\u200bwidth\nline",
    ]
    remember_key("sk_lf_block_secret")
    for text in [*samples, "key sk_lf_block_secret\nnext", "split sk_lf_block\n_secret"]:
        assert for_terminal(text) == line_by_line(text)
    assert for_terminal("a\nkey sk_lf_block_secret\nb") == "a\nkey ***\nb"
