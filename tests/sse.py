"""A small Server-Sent Events reader for tests."""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass, field


@dataclass
class Event:
    event: str = "message"
    id: str | None = None
    data: str = ""

    def json(self):
        return json.loads(self.data)


@dataclass
class Stream:
    status: int
    connection: http.client.HTTPConnection
    response: http.client.HTTPResponse
    pending: list[Event] = field(default_factory=list)

    def next_events(self, kind: str, count: int, timeout: float = 10.0) -> list[Event]:
        """Read until ``count`` events of ``kind`` arrived (or fail)."""
        found: list[Event] = []
        deadline = time.monotonic() + timeout
        current = Event()
        while len(found) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"got {len(found)} {kind!r} events of {count} within {timeout} s: {found}")
            self.response.fp.raw._sock.settimeout(remaining)
            try:
                line = self.response.fp.readline()
            except TimeoutError:
                continue
            if not line:
                raise AssertionError("the stream ended")
            text = line.decode().rstrip("\n")
            if text == "":
                if current.event == kind and (current.data or current.id):
                    found.append(current)
                current = Event()
            elif text.startswith(":"):
                continue
            else:
                name, _, value = text.partition(":")
                value = value.removeprefix(" ")
                if name == "event":
                    current.event = value
                elif name == "id":
                    current.id = value
                elif name == "data":
                    current.data = f"{current.data}\n{value}" if current.data else value
        return found

    def nothing_more(self, kind: str, wait: float = 1.5) -> None:
        try:
            extra = self.next_events(kind, 1, timeout=wait)
        except AssertionError:
            return
        raise AssertionError(f"unexpected {kind!r} event: {extra}")

    def close(self) -> None:
        self.connection.close()


def open_stream(base_url: str, path: str, headers: dict[str, str] | None = None) -> Stream:
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", path, headers={"Accept": "text/event-stream", **(headers or {})})
    response = connection.getresponse()
    return Stream(response.status, connection, response)
