"""The emulator's listening socket says it is TCP, so that asyncio turns Nagle's algorithm off on
every connection it accepts: an answer's body, written after its headers, then leaves at once
instead of waiting for the client's delayed ACK (some 40 ms on every request, beyond --latency-ms)."""

from __future__ import annotations

import asyncio
import socket

from lfsync.emulator.serving import bind_socket


def test_accepted_connections_send_without_delay():
    async def scenario() -> int:
        listening = bind_socket("127.0.0.1", 0)
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Noting(asyncio.Protocol):
            def connection_made(self, transport) -> None:
                served = transport.get_extra_info("socket")
                accepted.set_result(served.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Noting, sock=listening)
        try:
            host, port = listening.getsockname()[:2]
            _, writer = await asyncio.open_connection(host, port)
            try:
                return await asyncio.wait_for(accepted, 10)
            finally:
                writer.close()
        finally:
            server.close()
            await server.wait_closed()

    assert listening_proto() == socket.IPPROTO_TCP
    assert asyncio.run(scenario()) != 0


def listening_proto() -> int:
    with bind_socket("127.0.0.1", 0) as listening:
        return listening.proto
