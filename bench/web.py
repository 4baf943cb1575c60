"""Benchmark: latency of the dashboard, the clue queue and the clue detail with 100,000 clues.

Run: ``flock /tmp/lexradar-heavy.lock .venv/bin/python bench/web.py [--clues 100000]
[--requests 200] [--clients 4]``.

100,000 synthetic clues (11 models, every county of 内蒙古) are loaded into a fresh SQLite
casebook as monthly runs over this year and last year; the workbench is served by uvicorn on
loopback in a process of its own; ``--clients`` threads each log in (region leader) and send
requests one after another. Prints p50/p95 per page. Target: p95 < 300 ms each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import socket
import statistics as st
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from bench.casebook import MODELS, clue_table

from lexradar.clues.access import SYSTEM, add_user
from lexradar.clues.db import Casebook
from lexradar.clues.store import load_clues

SERVER = """
import sys
from pathlib import Path
import uvicorn
from lexradar.settings import load_settings
from lexradar.web.app import create_app
url, lake, port = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
app = create_app(load_settings(casebook_url=url, lake=lake), secret_key="bench")
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
"""


def wait_for(port: int, seconds: float = 60.0) -> None:
    """Until the server accepts connections on ``port``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"the server did not start on port {port} within {seconds:.0f} s")


def build(folder: Path, n: int) -> str:
    url = f"sqlite:///{folder / 'casebook.db'}"
    cb = Casebook.open(url)
    cb.init()
    table = clue_table(n, "bench")
    today = dt.date.today()
    stamps = [
        dt.datetime(y, m, 5)
        for y in (today.year - 1, today.year)
        for m in range(1, today.month + 1)
    ]
    started = time.perf_counter()
    for k, now in enumerate(stamps):
        part = table.take(list(range(k, n, len(stamps))))
        load_clues(cb, part, SYSTEM, domains=MODELS, now=now)
    print(f"loaded {n:,} clues in {time.perf_counter() - started:.1f}s", flush=True)
    add_user(cb, SYSTEM, "leader", "bench-pass", "leader", "150000")
    add_user(cb, SYSTEM, "handler", "bench-pass", "handler", "150404")
    cb.dispose()
    return url


def timed(c: httpx.Client, path: Callable[[], str], k: int) -> list[float]:
    """Send ``k`` requests one after another; their latencies in milliseconds."""
    times = []
    for _ in range(k):
        t0 = time.perf_counter()
        r = c.get(path())
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, (r.status_code, r.text[:300])
    return times


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clues", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--clients", type=int, default=4)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = build(Path(tmp), args.clues)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        # The server runs in its own process, as `lexradar serve` does: the load generator's
        # threads must not compete with it for one interpreter lock.
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, url, str(Path(tmp) / "lake"), str(port)],
            cwd=Path(__file__).resolve().parents[1],
        )
        try:
            wait_for(port)
            base = f"http://127.0.0.1:{port}"

            def client(user: str) -> httpx.Client:
                c = httpx.Client(base_url=base, timeout=60)
                token = c.get("/api/session").json()["csrf_token"]
                r = c.post(
                    "/api/login",
                    json={"username": user, "password": "bench-pass"},
                    headers={"X-CSRF-Token": token},
                )
                r.raise_for_status()
                return c

            pages = {
                "dashboard (region leader)": ("leader", lambda: "/"),
                "clue queue (region leader, 50 per page)": (
                    "leader",
                    lambda: f"/clues?page={random.randint(1, 100)}",
                ),
                "clue queue filtered (status+model)": (
                    "leader",
                    lambda: "/clues?status=new&model=marriage.bigamy&sort=severity",
                ),
                "clue detail (region leader)": (
                    "leader",
                    lambda: f"/clues/{random.randint(1, args.clues)}",
                ),
                "dashboard (county handler)": ("handler", lambda: "/"),
                "clue queue (county handler)": ("handler", lambda: "/clues"),
            }
            per = args.requests // args.clients
            for name, (user, path) in pages.items():
                clients = [client(user) for _ in range(args.clients)]
                clients[0].get(path())  # warm up
                with ThreadPoolExecutor(args.clients) as pool:
                    runs = pool.map(lambda c, path=path: timed(c, path, per), clients)
                    times = sorted(t for run in runs for t in run)
                p50 = st.median(times)
                p95 = times[int(len(times) * 0.95) - 1]
                line = f"{name:45s} n={len(times):4d} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms"
                print(line, flush=True)
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main(sys.argv[1:])
