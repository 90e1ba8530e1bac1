"""One verifying TLS context a process, shared by every client; none loaded for a plain-HTTP target."""

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


@functools.cache
def _trusting_nothing() -> ssl.SSLContext:
    """A context that verifies certificates and host names but trusts no authority: TLS through it
    fails closed. Made in microseconds."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def tls_context_for(base_url: str) -> ssl.SSLContext:
    """The context for a client of `base_url`: the verifying one for https; for a plain-HTTP target
    (the emulator, a proxy on localhost) no certificates are loaded (~20 ms before its first request),
    and a request that reached an https URL all the same would be refused, never trusted blindly."""
    if httpx.URL(base_url).scheme == "http":
        return _trusting_nothing()
    return shared_tls_context()
