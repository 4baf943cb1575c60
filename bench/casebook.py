"""Benchmark: loading 100,000 clues into SQLite, and statistics over 1,000,000 clues on PostgreSQL.

Run: ``.venv/bin/python bench/casebook.py [--load 100000] [--stats 1000000] [--pg URL]``.

- *load*: ``load_clues`` of N clue candidates into a fresh SQLite casebook (WAL), first as new
  clues, then the same clues again from a second run (the refresh path). Target: < 10 s.
- *stats*: N clues (11 models, every county of 内蒙古, 24 months, a mix of states), their
  running counts and N/50 cases are written straight into a fresh PostgreSQL schema with
  ``generate_series`` (the figure is about the query, not the load); then ``statistics`` is
  timed by model, by region
  (city roll-up), by domain and month, for the whole region and for one county. Median of 5.
  Target: < 200 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics as st
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pyarrow as pa

from lexradar.clues.access import SYSTEM, User
from lexradar.clues.db import Casebook
from lexradar.clues.store import load_clues
from lexradar.models.run import CLUE_SCHEMA, fingerprint
from lexradar.normalize.region_code import current_counties
from lexradar.reports.stats import statistics

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MODELS = {
    "marriage.bigamy": "criminal",
    "marriage.fake_certificate": "civil",
    "marriage.after_death": "civil",
    "identity.double_registration": "criminal",
    "pension.after_death": "public_interest",
    "pension.while_imprisoned": "administrative",
    "allowance.while_detained": "administrative",
    "traffic.license_not_revoked": "administrative",
    "execution.sentence_not_executed": "criminal",
    "correction.left_country": "criminal",
    "litigation.false_litigation_pattern": "civil",
}


def clue_table(n: int, run_id: str) -> pa.Table:
    counties = [c.code for c in current_counties("15")]
    models = list(MODELS)
    cols: dict[str, list[object]] = {f.name: [] for f in CLUE_SCHEMA}
    for i in range(n):
        model, region = models[i % len(models)], counties[i % len(counties)]
        person = f"{region}19800101{i % 10000:04d}"
        cols["fingerprint"].append(fingerprint(model, [i]))
        cols["model_id"].append(model)
        cols["model_version"].append(1)
        cols["run_id"].append(run_id)
        cols["as_of"].append(dt.date(2026, 6, 30))
        cols["person_ids"].append(person)
        cols["record_refs"].append(f"pension_payments:P{i:09d};deaths:D{i:09d}")
        cols["region_code"].append(region)
        cols["severity"].append("high")
        cols["explanation"].append(f"某某({person})死亡后仍领取养老金 {i % 36} 个月")
        cols["explanation_en"].append(f"pension paid {i % 36} months after death")
        cols["evidence"].append(f'{{"person_name": "某某", "months": {i % 36}, "i": {i}}}')
    for col in cols.values():
        col.extend([None] * (n - len(col)))
    return pa.table(cols, schema=CLUE_SCHEMA)


def bench_load(n: int) -> None:
    table = clue_table(n, "run-1")
    again = table.set_column(3, "run_id", pa.array(["run-2"] * n))
    with tempfile.TemporaryDirectory() as tmp:
        casebook = Casebook.open(f"sqlite:///{Path(tmp) / 'casebook.db'}")
        casebook.init()
        for label, data in (("new", table), ("seen again", again)):
            t = time.perf_counter()
            report = load_clues(casebook, data, SYSTEM, domains=MODELS)
            seconds = time.perf_counter() - t
            print(
                f"load {n:,} clues into SQLite ({label}): {seconds:.2f} s "
                f"({n / seconds:,.0f} clues/s; new {report.new}, refreshed {report.refreshed})"
            )
        casebook.dispose()


FILL = """
INSERT INTO clues (fingerprint, model_id, model_version, domain, region_code,
  procuratorate_code, severity, person_ids, record_refs, explanation, explanation_en, evidence,
  evidence_hash, status, dismiss_reason, first_seen, first_month, last_seen, times_seen, run_id,
  version, updated_at)
SELECT md5(i::text), m.model_id, 1, m.domain, c.code, c.code, 'high', '', '', '', '', '{{}}',
  md5(i::text), s.status, CASE WHEN s.status = 'dismissed' THEN 'false_positive' END,
  d.day, to_char(d.day, 'YYYY-MM'), d.day, 1, 'bench', 1, d.day
FROM generate_series(0, {n} - 1) AS i
JOIN (SELECT row_number() OVER () - 1 AS k, * FROM (VALUES {models}) v(model_id, domain)) m
  ON m.k = mod(i, {n_models})
JOIN (SELECT row_number() OVER () - 1 AS k, code FROM procuratorates WHERE level = 'county') c
  ON c.k = mod(i / 7, {n_counties})
JOIN (SELECT row_number() OVER () - 1 AS k, status FROM (VALUES ('new'), ('new'), ('assigned'),
  ('verifying'), ('confirmed'), ('supervised'), ('closed'), ('dismissed'), ('dismissed'),
  ('new')) v(status)) s ON s.k = mod(i / 3, 10)
CROSS JOIN LATERAL (SELECT timestamp '2025-01-01' + mod(i, 730) * interval '1 day' AS day) d
"""
STATES = ("new", "assigned", "verifying", "confirmed", "supervised", "closed", "dismissed")
TALLIES = f"""
INSERT INTO clue_tallies (first_month, model_id, domain, procuratorate_code, {", ".join(STATES)})
SELECT first_month, model_id, domain, procuratorate_code,
  {", ".join(f"sum(CASE WHEN status = '{s}' THEN 1 ELSE 0 END)" for s in STATES)}
FROM clues GROUP BY first_month, model_id, domain, procuratorate_code
"""
CASES = """
INSERT INTO cases (kind, domain, procuratorate_code, title, opened_on, opened_month, closed_on,
  outcome, funds_recovered, model_id, opened_by, version)
SELECT 'execution_supervision', domain, procuratorate_code, '', first_seen::date, first_month,
  NULL, 'funds_recovered', mod(id, 1000) * 10.5, model_id, 'bench', 1
FROM clues WHERE status IN ('supervised', 'closed') AND mod(id, 5) = 0
"""


def bench_stats(n: int, pg: str) -> None:
    import sqlalchemy as sa

    schema = f"lxr_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin_engine = sa.create_engine(pg)
    with admin_engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        casebook = Casebook.open(f"{pg}?options=-csearch_path%3D{schema}")
        casebook.init()
        t = time.perf_counter()
        with casebook.write() as (conn, _events):
            n_counties = conn.execute(
                sa.text("SELECT count(*) FROM procuratorates WHERE level = 'county'")
            ).scalar()
            models = ", ".join(f"('{m}', '{d}')" for m, d in MODELS.items())
            conn.exec_driver_sql(
                FILL.format(n=n, models=models, n_models=len(MODELS), n_counties=n_counties)
            )
            conn.exec_driver_sql(TALLIES)  # as migration 0002 fills them
            conn.exec_driver_sql(CASES)
        with casebook.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:  # type: ignore[union-attr]
            conn.exec_driver_sql("VACUUM ANALYZE clues")
            conn.exec_driver_sql("VACUUM ANALYZE cases")
            conn.exec_driver_sql("VACUUM ANALYZE clue_tallies")
            tallies = conn.exec_driver_sql("SELECT count(*) FROM clue_tallies").scalar()
            cases_n = conn.exec_driver_sql("SELECT count(*) FROM cases").scalar()
        print(
            f"filled {n:,} clues ({tallies:,} running counts) and {cases_n:,} cases in PostgreSQL: "
            f"{time.perf_counter() - t:.1f} s"
        )
        region = SYSTEM
        county = User(None, "bench", "leader", "150404")
        year = {"start": dt.date(2026, 1, 1), "end": dt.date(2026, 12, 31)}
        for label, actor, by, level in (
            ("by model, whole region", region, ("model",), "city"),
            ("by region (city roll-up)", region, ("region",), "city"),
            ("by region (county)", region, ("region",), "county"),
            ("by domain and month", region, ("domain", "month"), "city"),
            ("by model, one county", county, ("model",), "city"),
        ):
            times = []
            for _ in range(5):
                t = time.perf_counter()
                result = statistics(casebook, actor, by=by, level=level, **year)  # type: ignore[arg-type]
                times.append(time.perf_counter() - t)
            print(
                f"statistics over {n:,} clues, {label}: median {st.median(times) * 1000:.0f} ms "
                f"(min {min(times) * 1000:.0f} ms; {len(result.rows)} rows, "
                f"{result.total.now.clues:,} clues this year, "
                f"{result.total.last_year.clues:,} last year)"
            )
        casebook.dispose()
    finally:
        with admin_engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin_engine.dispose()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--load", type=int, default=100_000, help="clues to load (0: skip)")
    parser.add_argument("--stats", type=int, default=1_000_000, help="clues for stats (0: skip)")
    parser.add_argument("--pg", default=os.environ.get("LEXRADAR_BENCH_PG", PG))
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    if args.load:
        bench_load(args.load)
    if args.stats:
        bench_stats(args.stats, args.pg)


if __name__ == "__main__":
    main(sys.argv[1:])
