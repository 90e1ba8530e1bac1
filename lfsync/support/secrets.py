"""Secrets by value: the Redactor that replaces each known secret (the API key, the database
password) by *** wherever it appears in a text, the secrets this run has read (every output path
redacts them: errors, --debug, plans, the step summary, crash reports), and where a PostgreSQL
connection string keeps its password (a URL's user info, libpq's `?password=` query form, a
key=value DSN's `password=`)."""

from __future__ import annotations

import re
from typing import Iterable, Mapping
from urllib.parse import parse_qsl, unquote, urlsplit

REDACTED = "***"
# shorter values are not redacted: a one-letter "password" would blot out every text it occurs in
MIN_SECRET_LENGTH = 4


class Redactor:
    """Replaces each known secret by *** in any text."""

    def __init__(self, secrets: Iterable[str]):
        # longest first, so a secret that contains another is replaced whole
        self.secrets = sorted({secret for secret in secrets if secret}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text


_known: set[str] = set()
_redactor = Redactor(())


def remember(*secrets: str | None) -> None:
    """Secrets this run has read (and the forms they may be printed in); redact() replaces them."""
    global _redactor
    fresh = {secret for secret in secrets if secret and len(secret) >= MIN_SECRET_LENGTH} - _known
    if fresh:
        _known.update(fresh)
        _redactor = Redactor(_known)


def remember_key(key: str | None) -> None:
    """An API key: as given and without surrounding white space (how a header carries it)."""
    if key:
        remember(key, key.strip())


def redact(text: str) -> str:
    """`text` with every secret this run has read replaced by ***."""
    return _redactor(text) if _known else text


def redact_bytes(data: bytes) -> bytes:
    """redact() for UTF-8 bytes (a JSON plan): unchanged, without a copy, when no secret is in them."""
    if not _known or not any(secret.encode() in data for secret in _known):
        return data
    return redact(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")


def environment_secrets(env: Mapping[str, str]) -> list[str]:
    """The secrets a run can read from its environment without opening a file: the API key (as
    given and stripped, as a header carries it), the database password (PGPASSWORD, or in the
    connection string LFSYNC_BACKEND)."""
    key = env.get("LIGHTFIELD_API_KEY") or ""
    found = [key, key.strip(), env.get("PGPASSWORD") or "", *dsn_passwords(env.get("LFSYNC_BACKEND", ""))]
    return [secret for secret in found if secret]


def remember_environment(env: Mapping[str, str]) -> None:
    remember(*environment_secrets(env))


def known() -> Redactor:
    """A Redactor for what this run has read so far."""
    return _redactor


def forget_all() -> None:
    """Tests: a fresh run, remembering nothing."""
    global _redactor
    _known.clear()
    _redactor = Redactor(())


# --- PostgreSQL connection strings ---------------------------------------------------------

# libpq's key=value form: `password = value`, the value bare or single-quoted with \-escapes
_KEYWORD_PASSWORD = re.compile(r"(?:^|(?<=\s))password\s*=\s*('(?:[^'\\]|\\.)*'?|\S*)", re.IGNORECASE)
_QUERY_PASSWORD = re.compile(r"([?&]password=)([^&#]*)", re.IGNORECASE)
_USERINFO = re.compile(r"(//[^/@:]*:)([^@/]*)(@)")


def is_url(dsn: str) -> bool:
    return "://" in dsn


def dsn_passwords(dsn: str) -> list[str]:
    """Every password `dsn` holds, as written and as decoded: in a URL's user info or its query
    (`?password=`), or in a key=value DSN (`host=db password=...`)."""
    found: list[str] = []
    if is_url(dsn):
        try:
            parts = urlsplit(dsn)
            found += [parts.password or "", parts.netloc.rpartition("@")[0].partition(":")[2]]
            query = parts.query
        except ValueError:
            found += [match.group(2) for match in _USERINFO.finditer(dsn)]
            query = dsn.partition("?")[2]
        found += [match.group(2) for match in _QUERY_PASSWORD.finditer("?" + query)]
        found += [value for name, value in parse_qsl(query, keep_blank_values=True) if name.lower() == "password"]
    else:
        for match in _KEYWORD_PASSWORD.finditer(dsn):
            value = match.group(1)
            found.append(value)
            if value.startswith("'"):
                found.append(re.sub(r"\\(.)", r"\1", value.strip("'")))
    return [password for value in found if value for password in {value, unquote(value)} if password]


def has_password(dsn: str) -> bool:
    """Whether `dsn` carries a password in any of the forms dsn_passwords knows."""
    return bool(dsn_passwords(dsn)) or (not is_url(dsn) and bool(_KEYWORD_PASSWORD.search(dsn)))


def redact_dsn(dsn: str) -> str:
    """`dsn` with any password replaced by ***, for messages: in every form dsn_passwords knows."""
    if not is_url(dsn):
        return _KEYWORD_PASSWORD.sub(f"password={REDACTED}", dsn)
    try:
        parts = urlsplit(dsn)
        if parts.password is not None:
            user_info, _, host = parts.netloc.rpartition("@")
            dsn = parts._replace(netloc=f"{user_info.partition(':')[0]}:{REDACTED}@{host}").geturl()
    except ValueError:
        dsn = _USERINFO.sub(lambda m: f"{m.group(1)}{REDACTED}{m.group(3)}", dsn)
    return _QUERY_PASSWORD.sub(lambda m: f"{m.group(1)}{REDACTED}", dsn)
