"""Serving the emulator over real HTTP, for tests and benchmarks: in a background thread, or in a
process of its own."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .app import create_app
from .config import EmulatorConfig
from .serving import base_url, bind_socket, make_server

STARTUP_TIMEOUT_SECONDS = 10.0
# The emulator's API modes, as tests name them: its own choices where the docs are silent, or only
# the forms Lightfield's docs show (decision 23, `--docs-literal`).
DOCS_LITERAL = "docs-literal"
API_MODES = ("default", DOCS_LITERAL)


@contextmanager
def serve_in_thread(config: EmulatorConfig, host: str = "127.0.0.1", middleware: Any = None) -> Iterator[str]:
    """Run the emulator with uvicorn on a free port of `host`; yields its base URL. `middleware`:
    an ASGI middleware class put in front of it (a hostile server's behaviour, in tests)."""
    app = create_app(config)
    if middleware is not None:
        app.add_middleware(middleware)
    sock = bind_socket(host, 0)
    server = make_server(app, host, 0)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="lightfield-emulator", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the Lightfield emulator did not start")
            time.sleep(0.005)
        yield base_url(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_TIMEOUT_SECONDS)
        sock.close()
        app.state.emulator.close()


@contextmanager
def served_emulator(db_path: Path, *flags: str) -> Iterator[str]:
    """`lfsync emulator serve` in a process of its own (one a test may kill apart from the applies it
    serves), on a free loopback port, with its data in `db_path`; yields its base URL.

    The URL is printed once the socket listens, so requests sent from then on are answered."""
    command = [sys.executable, "-m", "lfsync", "emulator", "serve", "--host", "127.0.0.1", "--port", "0",
               "--db", str(db_path), *flags]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        if process.stdout is None:  # never with stdout=PIPE
            raise RuntimeError(f"the emulator's output cannot be read ({' '.join(command)})")
        first_line = process.stdout.readline().strip()
        if not first_line.startswith("LIGHTFIELD_BASE_URL="):
            raise RuntimeError(f"the emulator did not start ({' '.join(command)}): {first_line!r}")
        yield first_line.split("=", 1)[1]
    finally:
        process.terminate()
        process.wait(timeout=STARTUP_TIMEOUT_SECONDS)
