"""One verifying TLS context a process, shared by every client."""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def shared_tls_context() -> ssl.SSLContext:
    """httpx's default verifying context (certifi, or SSL_CERT_FILE / SSL_CERT_DIR as httpx reads
    them), made once: loading the certificates costs ~20 ms, which every workspace of
    `--all-workspaces` paid again, one after another, on the event loop they share."""
    return httpx.create_ssl_context()
