"""Which addresses stay on this machine (decision 25: the key-less account page and `serve --host`)."""

from __future__ import annotations

import ipaddress


def is_loopback_host(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address((host or "").strip("[]")).is_loopback
    except ValueError:
        return False
