"""`lfsync emulator serve`: run the local Lightfield API."""

from __future__ import annotations

import pathlib
import signal
import sys

import click

from . import decisions
from .app import create_app
from .clock import ShiftedClock
from .config import EmulatorConfig
from .fixture import FixtureError
from .network import is_loopback_host
from .serving import base_url, bind_socket, make_server

TEN_YEARS = 10 * 365.25 * 86400  # the furthest --clock-offset moves the clock, either way


@click.group()
def emulator() -> None:
    """The local Lightfield API emulator."""


@emulator.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to bind; anything but loopback needs --allow-remote.")
@click.option("--allow-remote", is_flag=True,
              help="Allow a non-loopback --host (anyone who can reach it can use the fixture's well-known keys).")
@click.option("--port", default=8787, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option("--db", "db_path", default=None, help="SQLite file to keep data in (default: in memory, lost on exit).")
@click.option("--org", "org_fixture", default=None, type=click.Path(exists=True, dir_okay=False, path_type=pathlib.Path),
              help="Organisation fixture YAML (default: the one shipped with lfsync).")
@click.option("--write-rate", default=decisions.DEFAULT_RATE_PER_SECOND, show_default=True,
              type=click.FloatRange(min=0, min_open=True), help="Write requests per second.")
@click.option("--read-rate", default=decisions.DEFAULT_RATE_PER_SECOND, show_default=True,
              type=click.FloatRange(min=0, min_open=True), help="Read requests per second.")
@click.option("--search-rate", default=decisions.DEFAULT_RATE_PER_SECOND, show_default=True,
              type=click.FloatRange(min=0, min_open=True), help="Search (list) requests per second.")
@click.option("--latency-ms", default=0.0, type=click.FloatRange(min=0), help="Added latency per request.")
@click.option("--latency-jitter-ms", default=0.0, type=click.FloatRange(min=0), help="Random extra latency, up to this.")
@click.option("--fail-rate", default=0.0, type=click.FloatRange(0, 1), help="Share of requests failing with 500/503.")
@click.option("--drop-after-commit-rate", default=0.0, type=click.FloatRange(0, 1),
              help="Share of writes stored and then answered with a dropped connection.")
@click.option("--gateway-timeout-rate", default=0.0, type=click.FloatRange(0, 1),
              help="Share of writes answered 504 at once while they run to completion in the background.")
@click.option("--index-lag-ms", default=0.0, type=click.FloatRange(min=0), help="How far list results lag writes.")
@click.option("--seed", default=None, type=int, help="Seed for reproducible faults.")
@click.option("--clock-offset", default=0.0, type=click.FloatRange(-TEN_YEARS, TEN_YEARS), envvar="LFSYNC_EMULATOR_CLOCK_OFFSET", show_envvar=True,
              help="Seconds the emulator's clock runs ahead of this machine's (negative: behind): createdAt, "
                   "idempotency expiry, rate limits and the Date header follow it.")
@click.option("--docs-literal", is_flag=True,
              help="Serve the documented forms literally: no invented headers, top-level error bodies, "
                   "the docs' 409 body, Retry-After as a date, trashed records 404 on retrieve.")
def serve(host: str, allow_remote: bool, port: int, db_path: str | None, org_fixture: pathlib.Path | None,
          write_rate: float, read_rate: float, search_rate: float, latency_ms: float, latency_jitter_ms: float,
          fail_rate: float, drop_after_commit_rate: float, gateway_timeout_rate: float, index_lag_ms: float,
          seed: int | None, clock_offset: float, docs_literal: bool) -> None:
    """Serve the Lightfield accounts API locally until interrupted."""
    if not is_loopback_host(host):
        if not allow_remote:
            raise click.ClickException(
                f"--host {host} is not a loopback address: anyone who can reach it could use the fixture's "
                "well-known API keys and the key-less account pages. Add --allow-remote if that is what you want."
            )
        click.echo(f"Warning: serving on {host}, beyond this machine; the API keys below are well known.", err=True)
    config = EmulatorConfig(
        db_path=db_path or ":memory:", org_fixture=org_fixture, write_rate=write_rate, read_rate=read_rate,
        search_rate=search_rate, latency_ms=latency_ms, latency_jitter_ms=latency_jitter_ms, fail_rate=fail_rate,
        drop_after_commit_rate=drop_after_commit_rate, gateway_timeout_rate=gateway_timeout_rate,
        index_lag_ms=index_lag_ms, seed=seed, docs_literal=docs_literal, clock=ShiftedClock(clock_offset),
    )
    try:
        app = create_app(config)
    except FixtureError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        sock = bind_socket(host, port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from exc
    server = make_server(app, host, port, log_level="warning")  # loaded before the URL says it is up
    org = app.state.emulator.org
    click.echo(f"LIGHTFIELD_BASE_URL={base_url(sock)}")
    for key in org.api_keys.values():
        access = "all scopes" if key.full_access else ", ".join(sorted(key.scopes))
        click.echo(f"API key {key.key}: {access}" + (f" ({key.description})" if key.description else ""))
    click.echo(f"Organisation: {org.name} ({org.id})")
    click.echo(f"Database: {db_path}" if db_path else "Database: in memory (lost on exit; use --db PATH to keep it)")
    click.echo(
        f"Rates per second: write {write_rate:g}, read {read_rate:g}, search {search_rate:g}. Ctrl-C stops."
    )
    if docs_literal:
        click.echo("Docs-literal mode: only the documented forms (no Idempotent-Replayed, no X-Request-Id).")
    sys.stdout.flush()
    # SIGTERM stops the server as a server is stopped: uvicorn shuts down gracefully, then the
    # default action ends the process (the `lfsync` process turns SIGTERM into an error otherwise).
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        app.state.emulator.close()

