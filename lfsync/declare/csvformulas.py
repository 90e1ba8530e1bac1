"""CSV cells a spreadsheet would run as formulas (OWASP's CSV injection), and the one apostrophe that
keeps them text: `lfsync export --format csv` writes it (`formula_escaped`), the CSV reader strips it
(`unescaped`).

The rule, exactly:
- a formula start is `=`, `+`, `-`, `@`, a tab or a carriage return as a cell's first character;
- the reader drops exactly one leading `'` when the next character is a formula start or another
  `'` (`'=1+1` reads as `=1+1`, `''=x` as `'=x`, `''` as `'`); every other cell is read as written
  (`O'Brien`, `'x`, a lone `'`, a plain `-2`);
- the writer adds one `'` to exactly the text the reader would otherwise change: text starting with a
  formula start, or with `'` followed by a formula start or another `'`. So `unescaped(formula_escaped(t)) == t`
  for every text `t`, and a value that really starts with `'=` survives an export and a re-read.

Only text is escaped: a number's cell (`-5` of a NUMBER field) is written as it is, since a
spreadsheet reads it as the number it is; the reader keeps every cell text and the field's type
decides what it becomes (`-5` and `'-5` are both the text `-5`, so a NUMBER field reads -5).
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_QUOTE = "'"


def strips_quote(text: str) -> bool:
    """Whether the reader drops `text`'s first character: an apostrophe before a formula start or
    before another apostrophe."""
    return text.startswith(FORMULA_QUOTE) and text[1:2] in (*FORMULA_STARTS, FORMULA_QUOTE)


def formula_escaped(text: str) -> str:
    """A text cell as a spreadsheet shows it as text and the reader gives back exactly: one more
    apostrophe before a formula start, or before an apostrophe the reader would strip."""
    return FORMULA_QUOTE + text if text.startswith(FORMULA_STARTS) or strips_quote(text) else text


def unescaped(text: str) -> str:
    """A cell as read: one leading apostrophe dropped before a formula start or another apostrophe."""
    return text[len(FORMULA_QUOTE):] if strips_quote(text) else text
