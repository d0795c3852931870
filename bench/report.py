"""Markdown tables from benchmark results, for docs/PERFORMANCE.md.

.venv/bin/python -m bench.report bench/results/after.json                  # one run
.venv/bin/python -m bench.report bench/results/baseline.json bench/results/after.json   # before / after
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _rows(path: str) -> dict[tuple[str, int], dict]:
    return {(r["scenario"], r["size"]): r for r in json.loads(Path(path).read_text())["results"]}


def _v(row: dict | None, key: str) -> str:
    if row is None or row.get(key) is None:
        return "-"
    value = row[key]
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}" if isinstance(value, float) else str(value)


def fanout(row: dict) -> str:
    return (
        f"| fan-out {row['readers']:,} readers | p50 {_v(row, 'p50')} / p99 {_v(row, 'p99')} ms "
        f"(POST p50 {_v(row, 'post_p50')}) | PUBLISH p50 {_v(row, 'floor_p50')} / p99 {_v(row, 'floor_p99')} ms "
        f"| {_v(row, 'ratio_p50')}x / {_v(row, 'ratio_p99')}x | {_v(row, 'delivered_pct')}% delivered, "
        f"{_v(row, 'streams_lost')} lost; RSS {_v(row, 'rss_mb_max')} MB, {_v(row, 'threads_max')} threads, "
        f"{_v(row, 'db_connections_max')} connections, CPU {_v(row, 'server_cpu')} |"
    )


def capture(row: dict) -> str:
    where = "one session" if row["sessions"] == 1 else f"{row['sessions']} sessions"
    return (
        f"| capture, 20 writers, {where} | {_v(row, 'per_s')}/s, p50 {_v(row, 'p50')} / p99 {_v(row, 'p99')} ms "
        f"| INSERT+COMMIT {_v(row, 'floor_per_s')}/s ({_v(row, 'floor_p50')} / {_v(row, 'floor_p99')} ms); with the "
        f"session row locked {_v(row, 'locked_floor_per_s')}/s | {_v(row, 'ratio_per_s')}x fewer | "
        f"RSS {_v(row, 'rss_mb_max')} MB, {_v(row, 'threads_max')} threads, {_v(row, 'db_connections_max')} "
        f"connections, CPU {_v(row, 'server_cpu')} |"
    )


def request(row: dict) -> str:
    def figures(prefix: str) -> str:
        return f"{_v(row, prefix + 'per_s')}/s, p50 {_v(row, prefix + 'p50')} / p99 {_v(row, prefix + 'p99')} ms"

    return (
        f"| entry POST, {row['writers']} writer{'s' if row['writers'] > 1 else ''}, a session each | {figures('')} "
        f"| Django doing nothing: behind Verbatim's middleware {figures('floor_')}; with none {figures('bare_')}; "
        f"the database's part alone {figures('db_')} | {_v(row, 'ratio_p50')}x / {_v(row, 'ratio_per_s')}x fewer "
        f"| server CPU {_v(row, 'server_cpu')} (floors {_v(row, 'floor_server_cpu')}, {_v(row, 'bare_server_cpu')}); "
        f"RSS {_v(row, 'rss_mb_max')} MB, {_v(row, 'threads_max')} threads, {_v(row, 'db_connections_max')} "
        "connections |"
    )


def join(row: dict) -> str:
    return (
        f"| join of {row['readers']:,} readers | connected {_v(row, 'connected_s')} s, served "
        f"{_v(row, 'served_s')} s ({_v(row, 'served_readers')} served) | {row['readers']:,} Redis subscribers "
        f"{_v(row, 'floor_connected_s')} s | {_v(row, 'ratio')}x | RSS {_v(row, 'rss_mb_max')} MB, "
        f"{_v(row, 'threads_max')} threads, {_v(row, 'db_connections_max')} connections |"
    )


def page(row: dict, what: str) -> str:
    extra = f", {row['queries']} queries" if "queries" in row else ""
    return (
        f"| {what} | p50 {_v(row, 'p50_ms')} / p99 {_v(row, 'p99_ms')} ms{extra} | its rows from psycopg "
        f"{_v(row, 'floor_ms')} ms | {_v(row, 'ratio')}x | RSS {_v(row, 'rss_mb_max')} MB |"
    )


def line(row: dict) -> str:
    if "error" in row:
        return f"| {row['scenario']} {row['size']} | error: {row['error']} | | | |"
    name = row["scenario"]
    if name == "fanout":
        return fanout(row)
    if name == "capture":
        return capture(row)
    if name == "join":
        return join(row)
    if name == "request":
        return request(row)
    if name == "console":
        return page(row, f"console page, {row['entries']:,} entries ({row['bytes']:,} bytes)")
    if name == "dashboard":
        return page(row, f"desk of a negotiation with {row['points']} points")
    if name == "summary":
        return (
            f"| summary of {row['entries']:,} entries | {_v(row, 'ms')} ms | its rows from psycopg "
            f"{_v(row, 'floor_ms')} ms | {_v(row, 'ratio')}x | |"
        )
    if name == "minutes":
        return (
            f"| minutes of {row['pages']} PDF pages | PDF {_v(row, 'pdf_ms')} ms, DOCX {_v(row, 'docx_ms')} ms | "
            f"building the record {_v(row, 'record_ms')} ms | | |"
        )
    return f"| {name} {row['size']} | {row} | | | |"


def table(path: str) -> str:
    data = json.loads(Path(path).read_text())
    head = (
        f"{data['layout']}, {data['seconds']:g} s per scenario, started {data['started']}\n\n"
        "| scenario | Verbatim | floor, same run | ratio | server during the run | load 1 min |\n|---|---|---|---|---|---|"
    )
    body = [f"{line(r)} {r['load_before'].split()[0]} -> {r['load_after'].split()[0]} |" for r in data["results"]]
    return "\n".join([head, *body])


if __name__ == "__main__":
    for path in sys.argv[1:]:
        print(table(path) + "\n")
