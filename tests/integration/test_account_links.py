"""The account links an apply prints: a served target's pages, none for the embedded local API
(nothing serves its pages; `lfsync emulator serve` would)."""

from __future__ import annotations

import re

LINK = re.compile(r"https?://\S+/app/accounts/acc_\w+")


def test_an_apply_to_the_local_target_prints_no_links_only_how_to_serve_its_pages(project, cli, state_of):
    applied = cli("apply", project, "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert not LINK.search(applied.output)
    assert "(target local: no account pages are served; `lfsync emulator serve --db " in applied.stdout
    assert ".lfsync/local.db` serves them)" in applied.stdout
    assert LINK.fullmatch(state_of(project)["resources"]["account.acme"]["http_link"])  # state keeps the record's link


def test_an_apply_to_a_served_target_prints_each_accounts_page(project, cli, served_target, state_of):
    applied = cli("apply", project, "--auto-approve")
    assert applied.exit_code == 0, applied.output
    link = state_of(project)["resources"]["account.acme"]["http_link"]
    assert f"  account.acme: {link}\n" in applied.stdout
    assert "no account pages" not in applied.output
