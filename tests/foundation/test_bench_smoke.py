"""The benchmark suite runs: every scenario of ``python -m bench run``, at toy
sizes for a second each, through the same code as a full run, so the suite
cannot rot between the runs that measure. Not a timed test: it checks that
each scenario ran and produced its figures and floors, not how fast."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.conf import settings

from tests.conftest import ROOT, _free_port, url_of_test_database

pytestmark = pytest.mark.django_db(transaction=True)


def run_bench(tmp_path, *options: str) -> dict:
    out = tmp_path / "bench.json"
    command = [
        sys.executable, "-m", "bench", "run", "--tiny", "--port", str(_free_port()), *options,
        "--database-url", url_of_test_database(), "--redis-url", settings.REDIS_URL, "--out", str(out), "--no-migrate",
    ]  # fmt: skip
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert finished.returncode == 0, finished.stderr[-3000:]
    return json.loads(out.read_text())


def test_every_benchmark_scenario_runs_at_a_toy_size_and_reports_its_floor(tmp_path):
    report = run_bench(tmp_path)
    assert report["server_loaded"] == {"uvloop": True, "httptools": True}  # as Verbatim runs
    rows = report["results"]
    assert [r for r in rows if "error" in r] == []
    assert {r["scenario"] for r in rows} == {
        "fanout", "capture", "request", "join", "console", "summary", "minutes", "dashboard"
    }  # fmt: skip
    for row in rows:
        assert any(key.startswith("floor") for key in row), row
    fanout = [r for r in rows if r["scenario"] == "fanout"]
    assert all(r["delivered_pct"] == 100.0 and r["streams_lost"] == 0 for r in fanout), fanout
    capture = [r for r in rows if r["scenario"] == "capture"]
    assert all(r["per_s"] > 0 and r["failures"] == 0 for r in capture), capture
    (request,) = [r for r in rows if r["scenario"] == "request"]  # the entry POST and its three floors
    assert all(request[f"{p}per_s"] > 0 for p in ("", "floor_", "bare_", "db_")), request
    assert request["failures"] == request["floor_failures"] == request["bare_failures"] == 0, request
    (join,) = [r for r in rows if r["scenario"] == "join"]
    assert join["served_readers"] == join["readers"], join


def test_the_benchmark_compares_with_asyncio_and_h11_when_asked(tmp_path):
    # the README's "--loop asyncio" line: the server really runs without uvloop and httptools
    report = run_bench(tmp_path, "--only", "capture", "--loop", "asyncio")
    assert report["layout"] == "uvicorn x1, pool 10, asyncio+h11"
    assert report["server_loaded"] == {"uvloop": False, "httptools": False}
    assert [r["scenario"] for r in report["results"]] == ["capture", "capture"]  # into one session, and into several
    assert all(r["per_s"] > 0 and r["failures"] == 0 for r in report["results"]), report["results"]


def test_the_benchmarks_do_nothing_view_is_never_in_verbatims_own_urls(client):
    # bench/floor.py serves it only on the floor servers the bench starts itself
    assert client.post("/api/v1/nothing", data={}, content_type="application/json").status_code == 404
    assert client.get("/api/v1/nothing").status_code == 404
