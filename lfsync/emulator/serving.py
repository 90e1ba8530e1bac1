"""Running the emulator under uvicorn: socket binding, quiet logs, dropped connections."""

from __future__ import annotations

import logging
import socket

import uvicorn
from starlette.applications import Starlette

from .app import ConnectionDropped


class _HideInjectedDrops(logging.Filter):
    """The drop-after-commit fault is intentional: keep its traceback out of the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


_HIDE_INJECTED_DROPS = _HideInjectedDrops()


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free one (read it back with getsockname).

    Made with IPPROTO_TCP named: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on accepted
    sockets whose proto says TCP, and the one a socket() call without it makes says 0. With Nagle on,
    an answer's body (written after its headers) waited for the client's delayed ACK: ~40 ms more
    on every request, beyond any --latency-ms."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def make_server(app: Starlette, host: str, port: int, log_level: str = "warning") -> uvicorn.Server:
    app.state.emulator.drop_connections = True
    logging.getLogger("uvicorn.error").addFilter(_HIDE_INJECTED_DROPS)
    # The app sends Date from the emulator's clock (which tests may shift); uvicorn's would be the machine's.
    config = uvicorn.Config(
        app, host=host, port=port, log_level=log_level, lifespan="off", access_log=False, date_header=False
    )
    # Its protocol modules imported now, before the caller says the server is up: a client started
    # at that word (tests, bench/) would otherwise share the machine with the rest of the start-up.
    config.load()
    return uvicorn.Server(config)


def base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
