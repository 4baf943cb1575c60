"""Running production models when new ingestion batches arrive — in process, no new service.

Each pass looks at the batches the lake holds for every dataset a production model reads (the
``batch_id`` of its rows, as a run records them). A model runs when one of those batches is new
to it, or when its version changed since it last ran; its clues load into the casebook as the
``system`` user (the loader refreshes clues it knows, by fingerprint). Models in draft or
testing never feed the casebook this way. What each model last saw is kept in a small JSON
state file, written only after the clues are loaded, so a pass that fails is redone next time.

``lexradar studio schedule`` makes one pass (for cron) or, with ``--every``, a pass at that
interval until stopped. The pass itself — run, load, remember — is
:meth:`lexradar.project.Project.schedule_pass`; this module decides what is due and keeps the
state.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lexradar.engine import Engine
from lexradar.errors import Location
from lexradar.models.registry import PRODUCTION, Model, Registry
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
    batches: list[str] = field(default_factory=list, repr=False)


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
    """The models that feed the casebook on schedule: the production version of each id."""
    return registry.select(None, PRODUCTION)


def due(engine: Engine, registry: Registry, state: State) -> list[tuple[Model, ScheduledRun]]:
    """Every production model with what a pass should do for it: run when one of the batches
    its datasets hold is new to it, or when its version changed since it last ran."""
    out = []
    for model in production(registry):
        _, batches = engine.dataset_stats(model.spec.datasets)
        seen = state.models.get(model.id, {})
        new = sorted(set(batches) - set(seen.get("batches", [])))
        outdated = seen.get("version") != model.spec.version or seen.get("digest", "") not in (
            "",
            digest(model),
        )
        item = ScheduledRun(model.id, model.spec.version, new, ran=bool(new or outdated))
        item.batches = list(batches)
        item.reason = ("new batches" if new else "new version") if item.ran else "no new batch"
        out.append((model, item))
    return out


def digest(model: Model) -> str:
    """What changes when the model does, whatever its version says: its header and SQL (a
    project's own copy promoted over a built-in of the same version is a new model)."""
    body = model.path.read_bytes() + b"\x1f" + model.sql.encode("utf-8")
    return hashlib.sha256(body).hexdigest()[:16]


def record(state: State, model: Model, batches: list[str], run_id: str, as_of: dt.date) -> None:
    """Remember that ``model`` ran on ``batches`` (called once its clues are loaded)."""
    state.models[model.id] = {
        "version": model.spec.version,
        "digest": digest(model),
        "batches": batches,
        "run_id": run_id,
        "as_of": as_of.isoformat(),
        "at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    }
    state.write()


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
