"""A model's clues come out in the order of their clue key, whatever order the engine returns.

The casebook numbers a clue file's new clues in the file's order, so a clue's number must not
depend on how a parallel engine happened to split its work.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from lexradar.engine import open_engine
from lexradar.models import Registry
from lexradar.models.run import run_model
from lexradar.synth import SynthResult

AS_OF = dt.date(2025, 12, 31)


def test_clues_follow_the_clue_key_not_the_engine(region: SynthResult, monkeypatch: Any) -> None:
    model = Registry().get("pension.after_death")
    with open_engine(region.out / "lake", threads=2) as engine:
        first, _ = run_model(engine, model, AS_OF)
        plain = engine.run

        def reversed_run(step: Any) -> pa.Table:  # an engine that answers in reverse order
            table = plain(step)
            return table.take(pa.array(range(table.num_rows - 1, -1, -1)))

        monkeypatch.setattr(engine, "run", reversed_run)
        second, _ = run_model(engine, model, AS_OF)
    assert first.num_rows >= 5
    assert first.column("fingerprint").to_pylist() == second.column("fingerprint").to_pylist()
