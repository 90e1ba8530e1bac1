"""Declarations the CRM-graph tests share: the accounts Acme and Globex, and Ada, a contact at Acme.
Written at column 0, to be joined with a test's own lines at column 0 (`write_files` and
`make_project` dedent what they are given)."""

from __future__ import annotations

ACME_AND_GLOBEX = """\
accounts:
  acme:
    fields: {$name: Acme}
  globex:
    fields: {$name: Globex}
"""


def ada_at_acme(*more_fields: str) -> str:
    """Ada Lovelace (ada@acme.example) as an entry of `contacts:`, linked to account.acme; `more_fields`
    are further lines of her `fields:`, such as "$title: Analyst"."""
    fields = "".join(f"      {line}\n" for line in more_fields)
    return f"""\
  ada:
    fields:
      $name: {{firstName: Ada, lastName: Lovelace}}
      $email: [ada@acme.example]
{fields}    relationships:
      $account: account.acme
"""
