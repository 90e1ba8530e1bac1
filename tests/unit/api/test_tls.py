"""TLS contexts: the verifying one for https targets, one trusting nothing for plain-HTTP targets."""

from __future__ import annotations

import ssl

from lfsync.api.tls import shared_tls_context, tls_context_for


def test_https_targets_get_the_shared_verifying_context():
    context = tls_context_for("https://api.lightfield.app")
    assert context is shared_tls_context() is tls_context_for("https://eu.example.com:8443/")
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0  # the authorities it trusts were loaded


def test_plain_http_targets_load_no_certificates_and_would_refuse_any_tls_peer():
    context = tls_context_for("http://127.0.0.1:8787")
    assert context is not shared_tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname  # still verifying: fails closed
    assert context.cert_store_stats()["x509_ca"] == 0  # nothing trusted, so no certificate could pass
