"""The web server runs uvloop's event loop and httptools' HTTP parser: uvicorn picks both when they are
installed, as they are with Verbatim (pyproject.toml), in the README's command, the Dockerfile's and
docker-compose.yml's alike. They cut a POST's server CPU by about a sixth against asyncio and h11
(docs/PERFORMANCE.md)."""

from __future__ import annotations

from pathlib import Path


def test_the_web_server_process_runs_uvloop_and_the_httptools_parser(asgi_server):
    mapped = Path(f"/proc/{asgi_server.process.pid}/maps").read_text()
    assert "/uvloop/loop." in mapped
    assert "/httptools/parser/parser." in mapped
