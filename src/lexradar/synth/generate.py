"""Generate a synthetic region: the order of the steps and what they write."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lexradar.errors import Location, SettingsError
from lexradar.synth import background as bg
from lexradar.synth import plants
from lexradar.synth.pool import reserve
from lexradar.synth.population import build
from lexradar.synth.world import World, write_truth_persons

DEFAULT_DATA_END = "2025-12-31"
MIN_PERSONS = 5_000


@dataclass
class SynthResult:
    out: Path
    persons: int
    seed: int
    rows: dict[str, int]
    truth: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    seconds: float = 0.0


def plant_counts(persons: int) -> tuple[int, int, int]:
    """(exact, noisy, controls per kind) planted for a population of this size."""
    exact = max(8, round(persons / 5000))
    return exact, max(4, exact // 2), max(4, exact // 2)


def generate(
    persons: int,
    seed: int,
    out: Path,
    data_end: str = DEFAULT_DATA_END,
    progress: Callable[[str, int, int], None] | None = None,
) -> SynthResult:
    """Write a synthetic region of ``persons`` persons to ``out`` (deterministic per seed)."""
    started = time.perf_counter()
    if persons < MIN_PERSONS:
        raise SettingsError(
            f"a synthetic region needs at least {MIN_PERSONS:,} persons to plant every anomaly "
            "with its controls",
            Location(field="persons"),
        )
    steps = [
        "population",
        "marriages",
        "court cases",
        "deaths",
        "planted anomalies",
        "registry",
        "double registrations",
        "travel",
        "licences",
        "allowances",
        "pensions",
        "writing lake",
        "answer key",
    ]

    def step(i: int) -> None:
        if progress:
            progress(steps[i], i, len(steps))

    out = Path(out)
    lake = out / "lake"
    if lake.exists():
        for part in lake.glob("*/*.parquet"):
            part.unlink()
    lake.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    end = np.datetime64(data_end, "D")
    counts = plant_counts(persons)
    exact, n_noisy, n_ctrl = counts
    adults = int((66 * exact + 40) * 1.3)
    elderly = 4 * (exact + n_noisy + n_ctrl) + 60
    step(0)
    pop = build(rng, persons, end, min_singles=max(int(0.12 * persons), 2 * adults + 8 * elderly))
    w = World(rng=rng, pop=pop, data_end=end, lake=lake, batch_id=f"synth-{seed}")
    reserve(w, adults, elderly)
    step(1)
    bg.marriages(w)
    step(2)
    bg.crimes(w)
    bg.civil_suits(w)
    step(3)
    bg.deaths(w)
    step(4)
    for plant in plants.PLANT_ORDER:
        plant(w, counts)
    step(5)
    bg.registry(w, np.array(w.unreported, dtype=np.int64))
    step(6)
    plants.double_registration(w, counts)
    step(7)
    bg.travel(w)
    step(8)
    bg.licenses(w)
    step(9)
    bg.allowances(w)
    step(10)
    bg.pensions(w)
    step(11)
    rows = {}
    for name, table in w.tables.items():
        table.flush(lake)
        rows[name] = table.n
    (lake / "_lake.json").write_text(
        json.dumps(
            {
                "generator": "lexradar synth",
                "seed": seed,
                "persons": persons,
                "data_end": data_end,
                "rows": rows,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    step(12)
    w.write_truth(out)
    write_truth_persons(w, out)
    truth = Counter((t.model_id, t.kind, t.difficulty) for t in w.truth)
    return SynthResult(out, persons, seed, rows, truth, time.perf_counter() - started)
