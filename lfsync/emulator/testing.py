"""Serving the emulator over real HTTP from a background thread, for tests and benchmarks."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .app import create_app
from .config import EmulatorConfig
from .serving import base_url, bind_socket, make_server

STARTUP_TIMEOUT_SECONDS = 10.0


@contextmanager
def serve_in_thread(config: EmulatorConfig, host: str = "127.0.0.1") -> Iterator[str]:
    """Run the emulator with uvicorn on a free port of `host`; yields its base URL."""
    app = create_app(config)
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
