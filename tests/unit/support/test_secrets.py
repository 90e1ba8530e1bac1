"""lfsync.support.secrets: where connection strings keep passwords, and redaction by value."""

from __future__ import annotations

import pytest

from lfsync.support import secrets
from lfsync.support.secrets import dsn_passwords, has_password, redact_dsn
from lfsync.support.textsafe import for_terminal, markdown_text

FORMS = [
    ("postgresql://me:s3cret-pw@db/x", "postgresql://me:***@db/x"),
    ("postgresql://me:s3cret%40pw@db/x", "postgresql://me:***@db/x"),
    ("postgresql://db/x?password=s3cret-pw", "postgresql://db/x?password=***"),
    ("postgresql://db/x?sslmode=require&password=s3cret-pw&user=me", "postgresql://db/x?sslmode=require&password=***&user=me"),
    ("host=db password=s3cret-pw dbname=x", "host=db password=*** dbname=x"),
    ("host=db password = 's3cret pw' dbname=x", "host=db password=*** dbname=x"),
]


@pytest.mark.parametrize(("dsn", "shown"), FORMS)
def test_every_form_of_a_password_is_found_and_redacted(dsn, shown):
    assert has_password(dsn)
    assert redact_dsn(dsn) == shown
    assert dsn_passwords(dsn)
    assert all("s3cret" in password for password in dsn_passwords(dsn))


def test_a_quoted_password_is_also_known_unquoted():
    assert "it's" in dsn_passwords(r"host=db password='it\'s' dbname=x")
    assert "s3cret@pw" in dsn_passwords("postgresql://me:s3cret%40pw@db/x")


@pytest.mark.parametrize("dsn", ["postgresql://db/x", "postgresql://me@db/x?sslmode=require", "host=db dbname=x", "local"])
def test_no_password_is_none(dsn):
    assert not has_password(dsn) and redact_dsn(dsn) == dsn and dsn_passwords(dsn) == []


@pytest.fixture
def remembered():
    secrets.forget_all()
    yield secrets
    secrets.forget_all()


def test_remembered_secrets_are_redacted_wherever_text_is_shown(remembered):
    remembered.remember_key("sk_lf_a_b_c_0123456789")
    assert for_terminal("key sk_lf_a_b_c_0123456789 refused") == "key *** refused"
    # markdown escapes `_`: the key is redacted before, so no escaped form of it survives
    assert markdown_text("key sk_lf_a_b_c_0123456789") == "key &#42;&#42;&#42;"
    # an escape sequence inside an echoed key does not hide it from redaction
    assert for_terminal("sk_lf_a_b_c\x1b[0m_0123456789") == "***"
    # nor does a zero-width or bidi character, which is otherwise shown as its escape
    assert for_terminal("sk_lf_a_b_c\u200b_0123456789 \u202e") == "*** "
    assert for_terminal("no secret \u202e") == "no secret \\u202e"
    assert remembered.redact_bytes(b'{"k": "sk_lf_a_b_c_0123456789"}') == b'{"k": "***"}'


def test_too_short_a_value_is_not_redacted(remembered):
    remembered.remember("pw")
    assert remembered.redact("pw and passwords") == "pw and passwords"


def test_environment_secrets_are_remembered(remembered):
    remembered.remember_environment({
        "LIGHTFIELD_API_KEY": "sk_lf_env_key", "PGPASSWORD": "pg-env-pw",
        "LFSYNC_BACKEND": "postgresql://db/x?password=backend-pw",
    })
    assert remembered.redact("sk_lf_env_key pg-env-pw backend-pw") == "*** *** ***"
