"""Benchmark: trying a studio draft on a lake of 200,000 persons (the issue asks for < 3 s).

Run: ``flock /tmp/lexradar-heavy.lock .venv/bin/python bench/studio.py`` (it generates the
region in a temporary folder unless ``--region`` names one made by ``lexradar synth``).

It builds ``traffic.license_not_revoked`` from the first planted case through the blocks (the
case, a *match* and a *not exists* block), saves it, then times what the studio does when a
builder presses "try": open the lake, run the draft, turn its rows into clue candidates with
explanations and provenance, count those involving the case. Also timed: the same on a 10 %
sample of the persons, a comparison with the pack's model, and every other block kind on the
same lake. Each figure is the median of five tries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

AS_OF = dt.date(2026, 11, 28)
ZOO: list[dict[str, Any]] = [
    {"id": "zoo.pension_in_prison", "base": {"dataset": "pension_payments"},
     "blocks": [{"kind": "overlap", "dataset": "custody_records", "start": "start_date",
                 "end": "end_date", "filters": [{"column": "custody_type", "value": "prison"}]}]},
    {"id": "zoo.married_after_death", "base": {"dataset": "marriage_events"},
     "blocks": [{"kind": "before_after", "dataset": "deaths", "date": "death_date",
                 "direction": "before", "min_days": 1}]},
    {"id": "zoo.many_suits", "base": {"dataset": "judgments",
                                      "filters": [{"column": "party_role", "value": "plaintiff"}]},
     "blocks": [{"kind": "count", "dataset": "judgments", "date": "effective_date",
                 "window_days": 365, "threshold": 3}]},
    {"id": "zoo.two_identities", "base": {"dataset": "persons"},
     "blocks": [{"kind": "same_identity", "dataset": "persons",
                 "compare": {"name": "name", "birth_date": "birth_date", "gender": "gender"}}]},
]  # fmt: skip
HEAD = {"title": {"zh": "基准", "en": "bench"}, "domain": "administrative",
        "supervision_point": {"zh": "基准", "en": "bench"}, "legal_basis": ["-"]}  # fmt: skip


def median_of(n: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(n):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--region", type=Path, help="An existing `lexradar synth` folder.")
    args = parser.parse_args()

    from tests.studio.conftest import TRAFFIC, traffic_draft

    from lexradar.datasets.lake import Lake
    from lexradar.engine import open_engine
    from lexradar.studio.blocks import Draft
    from lexradar.studio.trying import compare, open_lake, try_model
    from lexradar.studio.workspace import Studio
    from lexradar.synth import generate

    with tempfile.TemporaryDirectory(prefix="bench-studio-") as tmp:
        region = args.region
        if region is None:
            started = time.perf_counter()
            region = generate(args.persons, 1, Path(tmp) / "region").out
            print(f"generated {args.persons:,} persons in {time.perf_counter() - started:.1f} s")
        lake = region / "lake"
        records = sum(Lake(lake).rows(n) for n in ("persons", "judgments", "driver_licenses"))
        from lexradar.synth.score import read_truth

        first = next(t for t in read_truth(region / "truth.csv")
                     if t.model_id == TRAFFIC and t.difficulty == "exact")  # fmt: skip
        case = sorted(first.refs, key=lambda r: not r.startswith("judgments:"))
        studio = Studio(Path(tmp) / "models", Path(tmp) / "studio")
        with open_engine(lake) as engine:
            studio.save(traffic_draft(engine, case))
        model = studio.model(TRAFFIC)
        print(f"lake {lake}: persons + judgments + licences = {records:,} rows")

        def one_try(sample: float | None = None) -> Any:
            with open_lake(lake, sample) as engine:
                trial = try_model(engine, model, AS_OF, case_refs=case, sample=sample)
                return trial.count, trial.involving_case

        seconds, (hits, involving) = median_of(5, one_try)
        print(f"try {TRAFFIC} (open lake + run + clues): {seconds:.2f} s median of 5; "
              f"{hits} hits, {involving} involving the case")  # fmt: skip
        seconds, (hits, _) = median_of(5, lambda: one_try(0.1))
        print(f"try on a 10% sample of the persons: {seconds:.2f} s; {hits} hits")

        def both() -> Any:
            with open_lake(lake) as engine:
                c = compare(engine, studio.resolve(f"{TRAFFIC}@pack"), model, AS_OF)
                return len(c.same), len(c.gained), len(c.lost)

        seconds, (same, gained, lost) = median_of(5, both)
        print(f"compare with the pack's model: {seconds:.2f} s; same {same}, gained {gained}, "
              f"lost {lost}")  # fmt: skip
        for spec in ZOO:
            zoo = studio.save(Draft.model_validate({**HEAD, **spec})).model
            kinds = ", ".join(b["kind"] for b in spec["blocks"])

            def run(m: Any = zoo) -> int:
                with open_lake(lake) as engine:
                    return try_model(engine, m, AS_OF).count

            seconds, hits = median_of(5, run)
            print(f"try {zoo.id} ({kinds}): {seconds:.2f} s; {hits} hits")


if __name__ == "__main__":
    main()
