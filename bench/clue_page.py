"""Benchmark: how long the workbench takes to answer a clue's page and its panels.

Run::

    .venv/bin/python bench/clue_page.py --persons 1500000 --work /tmp/clue-page --clues 200

A synthetic region is generated, resolved (DuckDB), run through every model of the pack and
loaded into a new SQLite casebook (skipped when ``--work`` already holds them). Then, in this
process, the app answers — through Starlette's test client, so the figures are the server's
own time plus a loopback call, without a browser — for ``--clues`` clues chosen evenly over
the queue, as the region's admin:

- ``/clues/{id}`` (the page),
- ``/clues/{id}/evidence`` (the records side by side),
- ``/clues/{id}/resolution`` (why the records are one person: the chain of links resolution
  saved, each link explained with the trained model's comparisons),
- ``/persons/{ref}``: the page of the clue's first person the panel links to (一人一档), timed
  apart from the clue page.

The app keeps its engines open between requests (:mod:`lexradar.web.engines`), as a served
workbench does; the first request opens one.

Printed per route: median, p95 and slowest, in milliseconds; and the page with its two panels
summed per clue (what a handler waits for), and the load average (the machine is shared).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import re
import statistics
import time
from pathlib import Path
from typing import Any

PASSWORD = "bench-secret-1"
AS_OF = dt.date(2025, 12, 31)


def prepare(persons: int, seed: int, work: Path, style: int = 0) -> tuple[Path, str]:
    """The region's lake (resolved) and a casebook URL holding its clues.

    ``style`` 1 or 2: the region is rendered as agencies hand it over (raw files in that
    style) and ingested into ``work/lake``, as a procuratorate's lake is made; 0: the
    generated lake is used as it is."""
    lake = work / "region" / "lake" if not style else work / "lake"
    url = f"sqlite:///{work / 'casebook.db'}"
    if (work / "ready").exists():
        return lake, url
    from lexradar.clues.access import SYSTEM, add_user
    from lexradar.clues.db import Casebook
    from lexradar.clues.store import load_clues
    from lexradar.engine import open_engine
    from lexradar.linkage.resolve import resolve
    from lexradar.models.registry import Registry
    from lexradar.models.run import run_models
    from lexradar.synth import generate

    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    generate(persons, seed, work / "region")
    print(f"generated {persons:,} persons in {time.perf_counter() - started:.1f} s", flush=True)
    if style:
        from lexradar.ingest import ingest
        from lexradar.synth.raw import render_raw

        started = time.perf_counter()
        render_raw(work / "region", seed, style)
        ingest(sorted((work / "region" / "mappings").glob("*.yaml")), lake)
        print(f"rendered (style {style}) and ingested in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    result = resolve(lake, retrain=True)
    print(
        f"resolved {result.mentions:,} mentions in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    registry = Registry()
    with open_engine(lake, sandbox=True) as engine:
        clues, records = run_models(engine, registry.select(), AS_OF)
    casebook = Casebook.open(url)
    casebook.init()
    domains = {m.id: m.spec.domain for m in registry.models.values()}
    load_clues(casebook, clues, SYSTEM, runs=records, domains=domains)
    add_user(casebook, SYSTEM, "bench_admin", PASSWORD, "admin", "150000")
    casebook.dispose()
    print(f"{clues.num_rows:,} clues loaded into {url}", flush=True)
    (work / "ready").write_text("", encoding="utf-8")
    return lake, url


def _bench_user(url: str) -> None:
    """The region admin the benchmark logs in as, added once."""
    from lexradar.clues.access import SYSTEM, DuplicateError, add_user
    from lexradar.clues.db import Casebook

    casebook = Casebook.open(url)
    try:
        add_user(casebook, SYSTEM, "bench_admin", PASSWORD, "admin", "150000")
    except DuplicateError:
        pass
    finally:
        casebook.dispose()


def measure(lake: Path, url: str, n: int) -> dict[str, list[float]]:
    import sqlalchemy as sa
    from starlette.testclient import TestClient

    from lexradar.clues.db import Casebook
    from lexradar.clues.tables import clues
    from lexradar.settings import load_settings
    from lexradar.web.app import create_app

    casebook = Casebook.open(url)
    with casebook.read() as conn:
        ids = conn.execute(sa.select(clues.c.id).order_by(clues.c.id)).scalars().all()
    casebook.dispose()
    step = max(1, len(ids) // n)
    chosen = ids[::step][:n]
    app = create_app(load_settings(lake=lake, casebook_url=url), secret_key="bench")
    with TestClient(app) as client:  # start-up runs, as under a server
        return _timed(client, chosen)


def _timed(client: Any, chosen: list[int]) -> dict[str, list[float]]:
    """The routes of each chosen clue, timed in ms, as the region's admin."""
    token = client.get("/api/session").json()["csrf_token"]
    answer = client.post(
        "/api/login",
        json={"username": "bench_admin", "password": PASSWORD},
        headers={"X-CSRF-Token": token},
    )
    answer.raise_for_status()
    times: dict[str, list[float]] = {
        "page": [], "evidence": [], "resolution": [], "total": [], "person": [],
    }  # fmt: skip
    for clue_id in chosen:
        total = 0.0
        for name, path in (
            ("page", f"/clues/{clue_id}"),
            ("evidence", f"/clues/{clue_id}/evidence"),
            ("resolution", f"/clues/{clue_id}/resolution"),
        ):
            started = time.perf_counter()
            response = client.get(path)
            ms = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{path}: {response.status_code} {response.text[:200]}")
            times[name].append(ms)
            total += ms
        times["total"].append(total)
        person = re.search(r'href="(/persons/[^"]+)"', response.text)
        if person:  # the clue's first person's page (一人一档), as the panel links to it
            started = time.perf_counter()
            answer = client.get(person.group(1))
            if answer.status_code != 200:
                raise SystemExit(f"{person.group(1)}: {answer.status_code} {answer.text[:200]}")
            times["person"].append((time.perf_counter() - started) * 1000)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", type=Path, default=Path("/tmp/lexradar-clue-page"))
    ap.add_argument("--clues", type=int, default=100, help="Clues to open.")
    ap.add_argument(
        "--style", type=int, default=0,
        help="Render raw files in style 1 or 2 and ingest them (0: the generated lake as is).",
    )  # fmt: skip
    ap.add_argument("--lake", type=Path, help="A resolved lake to use instead of generating one.")
    ap.add_argument("--casebook", help="With --lake: the casebook URL holding its clues.")
    args = ap.parse_args()
    logging.disable(logging.WARNING)
    if args.lake and args.casebook:
        lake, url = args.lake, args.casebook
        _bench_user(url)
    else:
        lake, url = prepare(args.persons, args.seed, args.work, args.style)
    started = os.getloadavg()[0]
    times = measure(lake, url, args.clues)
    where = f"the lake {lake}" if args.lake else f"{args.persons:,} persons"
    load = os.getloadavg()[0]
    print(
        f"\n{where}, {len(times['page'])} clues opened as the region's admin, "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"load {started:.1f} at the start, {load:.1f} at the end\n"
    )
    print("| route | median ms | p95 ms | slowest ms |")
    print("|---|---:|---:|---:|")
    for name, values in times.items():
        if not values:
            continue
        label = "page + both panels" if name == "total" else f"/clues/{{id}}/{name}"
        if name == "page":
            label = "/clues/{id}"
        if name == "person":
            label = f"/persons/{{ref}} ({len(values)} of the clues' persons)"
        print(
            f"| {label} | {statistics.median(values):.0f} | {p95(values):.0f} | {max(values):.0f} |"
        )


if __name__ == "__main__":
    main()
