"""Making text from YAML files or the API safe to show on a terminal or in markdown.

Values come from files anyone in a pull request can edit and from records anyone in the
organisation can edit. Shown raw, a newline or backtick fence breaks out of a code block, a `|`
splits a table cell, `<details>` opens HTML, and an escape sequence rewrites the reader's
terminal. Every renderer passes such text through one of these functions, and each of them
replaces the secrets this run has read by *** first (lfsync.support.secrets: a server that echoes
the API key in an error message or a header gets it shown redacted, in every format).
"""

from __future__ import annotations

import re

from lfsync.support.secrets import redact

# ANSI/VT escape sequences (CSI, OSC, and two-character escapes), then any remaining control
# character: C0 (tab and newline included: callers that keep lines split on them first), DEL, C1,
# and the Unicode line and paragraph separators that some renderers treat as line breaks; and
# lone surrogates (JSON from an API can escape one), which no output encoding can write.
_ESCAPE_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_ASCII_CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
# Characters that change how the text around them reads without showing themselves (Trojan Source,
# CVE-2021-42574): bidi embeddings, overrides, isolates and marks; zero-width spaces, joiners and
# the byte order mark; invisible operators, the soft hyphen, interlinear annotations, Hangul
# fillers and tag characters. They are shown as escapes (`\u202e`), so a reviewer sees them.
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufeff\uffa0\ufff9-\ufffb\U000e0000-\U000e007f]"
)
# Characters with a meaning inside a line of GitHub-flavoured markdown or HTML (emphasis, code,
# links, tags, entities, table cells, strike-through, mentions), written as numeric entities:
# unlike backslash escapes, entities also work inside HTML elements such as <summary>.
_MARKDOWN_SPECIAL = re.compile(r"[\\`*_{}\[\]<>|~&@]")


def plain(text: object) -> str:
    """One line without secrets, control characters or escape sequences; a line break shows as `\\n`,
    an invisible character (bidi, zero-width) as its escape, like `\\u202e`."""
    value = str(text)
    if value.isascii() and value.isprintable():  # no escape, control or invisible character can be in it
        return redact(value)
    # redacted after escape sequences and controls are gone, so one inside an echoed key hides it no more
    value = redact(_CONTROL.sub(_visible, _ESCAPE_SEQUENCE.sub("", value)))
    if not _INVISIBLE.search(value):
        return value
    without_invisible = _INVISIBLE.sub("", value)  # nor does a zero-width character slipped into it
    if redact(without_invisible) != without_invisible:
        value = redact(without_invisible)
    return _INVISIBLE.sub(_escaped, value)


def _escaped(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _visible(match: re.Match) -> str:
    character = match.group()
    if "\ud800" <= character <= "\udfff":
        return "\ufffd"
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(character, "")


def for_terminal(text: object) -> str:
    """Terminal output: lines kept, everything else that could drive the terminal removed."""
    value = str(text)
    # many lines at once (a plan): printable ASCII and line breaks only, and no secret in them, is
    # what plain() makes of every line
    if value.isascii() and not _ASCII_CONTROL_BUT_NEWLINE.search(value) and redact(value) is value:
        return value
    return "\n".join(plain(line) for line in value.split("\n"))


def markdown_text(text: object) -> str:
    """Text for a markdown paragraph, list item, table cell or HTML element: shown literally."""
    return _MARKDOWN_SPECIAL.sub(lambda m: f"&#{ord(m.group())};", plain(text))


def markdown_code(text: object) -> str:
    """Inline code that survives tables and HTML blocks (`|` does not split a cell)."""
    return f"<code>{markdown_text(text)}</code>"


def code_block(lines: list[str], language: str = "") -> list[str]:
    """A fenced block whose fence no line can close: longer than any backtick run inside."""
    safe = [plain(line) for line in lines]
    longest = max((len(run) for line in safe for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + language, *safe, fence]
