"""Running production models when new ingestion batches arrive — in process, no new service.

Each pass looks at the batches the lake holds for every dataset a production model reads (the
``batch_id`` of its rows, as a run records them). A model runs when one of those batches is new
to it, or when its version changed since it last ran; its clues load into the casebook as the
``system`` user (the loader refreshes clues it knows, by fingerprint). Models in draft or
testing never feed the casebook this way. What each model last saw is kept in a small JSON
state file, written only after the clues are loaded, so a pass that fails is redone next time.

``lexradar studio schedule`` makes one pass (for cron) or, with ``--every``, a pass at that
interval until stopped.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lexradar.clues.access import SYSTEM
from lexradar.clues.db import Casebook
from lexradar.clues.store import load_clues
from lexradar.engine import Engine
from lexradar.errors import Location
from lexradar.models.registry import Model, Registry
from lexradar.models.run import run_model
from lexradar.studio.errors import StudioError
from lexradar.studio.workspace import write_text

_EVERY = re.compile(r"^(\d+)\s*([smhd])$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_every(text: str) -> float:
    """``90s``, ``15m``, ``1h``, ``1d`` → seconds."""
    m = _EVERY.match(text.strip())
    if not m or int(m.group(1)) == 0:
        raise StudioError(
            f"'{text}' is not an interval like 30m, 1h or 1d", Location(field="every")
        )
    return int(m.group(1)) * _UNIT[m.group(2)]


@dataclass
class ScheduledRun:
    """What one pass did for one production model."""

    model_id: str
    version: int
    new_batches: list[str]
    ran: bool
    clues: int = 0
    new_clues: int = 0
    seconds: float = 0.0
    reason: str = ""


@dataclass
class State:
    """Per model: the version and the batches it last ran on."""

    path: Path
    models: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> State:
        if not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise StudioError(
                f"the schedule state is not valid JSON: {exc}",
                Location(file=str(path), line=exc.lineno),
            ) from exc
        return cls(path, data.get("models", {}))

    def write(self) -> None:
        write_text(self.path, json.dumps({"models": self.models}, indent=2, ensure_ascii=False))


def production(registry: Registry) -> list[Model]:
    """The models that feed the casebook on schedule."""
    return [m for m in registry.models.values() if m.spec.status == "production"]


def run_pass(
    engine: Engine,
    casebook: Casebook,
    registry: Registry,
    state_path: Path,
    as_of: dt.date,
    on_model: Callable[[ScheduledRun], None] | None = None,
) -> list[ScheduledRun]:
    """One pass: run every production model with new batches (or a new version) and load."""
    state = State.read(state_path)
    domains = {m.id: m.spec.domain for m in registry.models.values()}
    done: list[ScheduledRun] = []
    for model in production(registry):
        _, batches = engine.dataset_stats(model.spec.datasets)
        seen = state.models.get(model.id, {})
        new = sorted(set(batches) - set(seen.get("batches", [])))
        outdated = seen.get("version") != model.spec.version
        item = ScheduledRun(model.id, model.spec.version, new, ran=bool(new or outdated))
        if not item.ran:
            item.reason = "no new batch"
        else:
            item.reason = "new batches" if new else "new version"
            clues, record = run_model(engine, model, as_of)
            report = load_clues(casebook, clues, SYSTEM, runs=[record], domains=domains)
            item.clues, item.new_clues, item.seconds = clues.num_rows, report.new, record.seconds
            state.models[model.id] = {
                "version": model.spec.version,
                "batches": batches,
                "run_id": record.run_id,
                "as_of": as_of.isoformat(),
                "at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            }
            state.write()
        done.append(item)
        if on_model:
            on_model(item)
    return done


def run_every(
    seconds: float,
    one_pass: Callable[[], list[ScheduledRun]],
    passes: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Call ``one_pass`` every ``seconds`` (``passes`` times, or until interrupted)."""
    count = 0
    while passes is None or count < passes:
        started = time.monotonic()
        one_pass()
        count += 1
        if passes is not None and count >= passes:
            break
        sleep(max(0.0, seconds - (time.monotonic() - started)))
    return count
