"""URL and SOCIAL_HANDLE values: which web addresses the emulator takes and the form it stores.

Documented (lightfield-api.md "Field value types" and "Documented forms"; the plugin's
field-types.md, "Social handle"): the API adds `https://` to a URL written without a scheme; a
SOCIAL_HANDLE is a profile URL of the field's `handleService` (`https://x.com/{user}`,
`https://linkedin.com/in/{slug}` or `/company/{slug}`, `https://facebook.com/{user}`,
`https://www.instagram.com/{user}`), regional subdomains and query strings accepted. What the
docs leave open (what makes an address valid, the handle alphabets) is decision 18.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

WEB_SCHEMES = ("http", "https")
_SCHEME_NAME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_HOST_LABEL = re.compile(r"[\w-]+")  # letters, digits, hyphens: no empty label
_SUBDOMAIN = re.compile(r"www|m|[a-z]{2,3}|[a-z]{2}-[a-z]{2}")  # www., m., regional: uk., de-de.


@dataclass(frozen=True)
class ProfileRule:
    """Where the profiles of one service live: its domains and the shape of a profile's path."""

    example: str
    domains: tuple[str, ...]
    path: re.Pattern[str]


PROFILE_RULES = {
    "TWITTER": ProfileRule("https://x.com/<handle>", ("x.com", "twitter.com"), re.compile(r"/\w{1,15}/?", re.A)),
    "LINKEDIN": ProfileRule(
        "https://linkedin.com/in/<slug> or /company/<slug>", ("linkedin.com",),
        re.compile(r"/(?:in|company)/[^/\s]+/?"),
    ),
    "FACEBOOK": ProfileRule("https://facebook.com/<name>", ("facebook.com",), re.compile(r"(?:/[^/\s]+)+/?")),
    "INSTAGRAM": ProfileRule(
        "https://www.instagram.com/<handle>", ("instagram.com",), re.compile(r"/[\w.]{1,30}/?", re.A)
    ),
}


def with_web_scheme(text: str) -> str:
    """`text` without surrounding spaces, `https://` put in front when it names no scheme."""
    text = text.strip()
    scheme, separator, _ = text.partition("://")
    return text if separator and _SCHEME_NAME.fullmatch(scheme) else f"https://{text}"


def _web_parts(url: str) -> SplitResult | None:
    """The parts of an http(s) URL whose host is a dotted domain name; None for anything else."""
    if any(ch.isspace() for ch in url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return None
    if parts.scheme.lower() not in WEB_SCHEMES or not host:
        return None
    labels = host.split(".")
    if len(labels) < 2 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        return None
    return parts


def stored_url(text: str) -> str | None:
    """The stored form of a written URL, or None when it is not a web address."""
    url = with_web_scheme(text)
    return url if _web_parts(url) is not None else None


def stored_profile_url(service: str, text: str) -> str | None:
    """The stored form of a profile URL of `service`, or None when it is not one."""
    url = with_web_scheme(text)
    parts = _web_parts(url)
    rule = PROFILE_RULES[service]
    if parts is None or not rule.path.fullmatch(parts.path):
        return None
    host = (parts.hostname or "").lower()
    for domain in rule.domains:
        if host == domain:
            return url
        if host.endswith(f".{domain}") and _SUBDOMAIN.fullmatch(host[: -len(domain) - 1]):
            return url
    return None
