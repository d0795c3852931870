"""The web process serves HTTP with ``config.http:HttpProtocol``: uvicorn's httptools protocol keeping
lists where uvicorn keeps three empty deques per connection, 1.6 KB less per open stream
(docs/PERFORMANCE.md, "Seventh round"). Exercised on a real uvicorn server and real sockets."""

from __future__ import annotations

import asyncio
import json
import re
import shlex
from collections import deque
from pathlib import Path

import uvicorn
import yaml

from config.http import HttpProtocol

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL = "config.http:HttpProtocol"


CHUNK = b"x" * 65536
FLOOD = 64 * len(CHUNK)


class App:
    """A bare ASGI app: ``/hold`` answers a first chunk and waits for the client to leave; any other
    path answers its own path."""

    def __init__(self) -> None:
        self.left = asyncio.Event()

    async def __call__(self, scope, receive, send) -> None:
        if scope["path"] == "/hold":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"open\n", "more_body": True})
            while (await receive())["type"] != "http.disconnect":
                pass
            self.left.set()
            return
        if scope["path"] == "/flood":  # more than the transport buffers: sending waits until the client reads
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % FLOOD)]})
            for _ in range(FLOOD // len(CHUNK)):
                await send({"type": "http.response.body", "body": CHUNK, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
            return
        path = scope["path"].encode()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(path))]})
        await send({"type": "http.response.body", "body": path})


async def serving(app: App) -> tuple[uvicorn.Server, int]:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, http=HttpProtocol, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # the test's own loop keeps its signals
    asyncio.get_running_loop().create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    return server, server.servers[0].sockets[0].getsockname()[1]


def test_an_open_connection_keeps_lists_not_deques_and_still_hears_the_client_leave():
    asyncio.run(held_connection())


async def held_connection() -> None:
    app = App()
    server, port = await serving(app)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /hold HTTP/1.1\r\nHost: x\r\n\r\n")
        while not (await reader.readline()).startswith(b"open"):
            pass
        await asyncio.sleep(0.05)  # the app now waits in receive()
        (protocol,) = server.server_state.connections
        assert isinstance(protocol, HttpProtocol)
        assert type(protocol.pipeline) is not deque
        assert type(protocol.flow._is_writable_event._waiters) is list
        assert type(protocol.cycle.message_event._waiters) is list
        assert len(protocol.cycle.message_event._waiters) == 1  # receive() waits on it

        writer.close()
        await asyncio.wait_for(app.left.wait(), 5)
    finally:
        server.should_exit = True
        await asyncio.sleep(0.2)


def test_pipelined_requests_are_answered_in_the_order_they_were_sent():
    assert asyncio.run(pipelined("first", "second", "third")) == [b"/first", b"/second", b"/third"]


async def pipelined(*names: str) -> list[bytes]:
    server, port = await serving(App())
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"".join(f"GET /{name} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for name in names))
        received = b""
        while not received.endswith(f"/{names[-1]}".encode()):
            received += await asyncio.wait_for(reader.read(4096), 5)
        writer.close()
        return re.findall(rb"\r\n\r\n(/[a-z]+)", received)
    finally:
        server.should_exit = True
        await asyncio.sleep(0.2)


def test_a_reader_slower_than_the_server_gets_every_byte_once_it_reads():
    paused, received = asyncio.run(flooded())
    assert paused  # the server waited on its writable event, whose waiters are a list
    assert received == FLOOD


async def flooded() -> tuple[bool, int]:
    server, port = await serving(App())
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**16)
        writer.transport.pause_reading()
        writer.write(b"GET /flood HTTP/1.1\r\nHost: x\r\n\r\n")
        await asyncio.sleep(0.5)  # the server fills the socket's buffers, then waits to write again
        (protocol,) = server.server_state.connections
        paused = protocol.flow.write_paused and type(protocol.flow._is_writable_event._waiters) is list
        paused = paused and len(protocol.flow._is_writable_event._waiters) == 1
        writer.transport.resume_reading()
        await reader.readuntil(b"\r\n\r\n")
        received = 0
        while received < FLOOD:
            chunk = await asyncio.wait_for(reader.read(2**20), 5)
            if not chunk:
                break
            received += len(chunk)
        writer.close()
        return paused, received
    finally:
        server.should_exit = True
        await asyncio.sleep(0.2)


def test_every_launcher_of_the_web_process_names_the_protocol():
    dockerfile = (ROOT / "Dockerfile").read_text()
    (cmd,) = [line for line in dockerfile.splitlines() if line.startswith("CMD")]
    assert f"--http {PROTOCOL}" in " ".join(json.loads(cmd[3:]))

    web = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]["command"]
    assert web[web.index("--http") + 1] == PROTOCOL

    (serve,) = [line for line in (ROOT / "bin/serve").read_text().splitlines() if "uvicorn" in line and "exec" in line]
    words = shlex.split(serve)
    assert words[words.index("--http") + 1] == PROTOCOL

    readme = [line for line in (ROOT / "README.md").read_text().splitlines() if "bin/uvicorn config.asgi" in line]
    assert readme and all(f"--http {PROTOCOL}" in line for line in readme)

    for launcher in ("bench/stack.py", "tests/conftest.py"):
        assert f'"{PROTOCOL}"' in (ROOT / launcher).read_text(), launcher
