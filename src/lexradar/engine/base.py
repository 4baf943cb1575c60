"""The engine interface: shared naming, logging and error wrapping; backends run one SQL."""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from lexradar.datasets.lake import Lake
from lexradar.errors import EngineError

log = logging.getLogger("lexradar.engine")


@dataclass(frozen=True)
class Step:
    """A named piece of SQL. Steps chain into one WITH query (see ``pipeline``)."""

    name: str
    sql: str


def pipeline(steps: Sequence[Step], final: str) -> Step:
    """Join steps into one query: each step becomes a CTE named after it."""
    ctes = ",\n".join(f"{s.name} AS (\n{s.sql}\n)" for s in steps)
    return Step(name=steps[-1].name if steps else "query", sql=f"WITH {ctes}\n{final}")


class Engine(ABC):
    """Runs SQL over the canonical datasets of a lake."""

    #: SQLGlot dialect the backend speaks
    dialect: str = ""
    name: str = ""

    def __init__(self, lake: Path | str) -> None:
        self.lake = Lake(lake).check()

    def run(self, step: Step) -> pa.Table:
        """Run a step and return its rows; a failure names the step and shows its SQL."""
        started = time.perf_counter()
        try:
            result = self._execute(step.sql)
        except Exception as exc:  # the backend's own error, re-raised with context
            raise EngineError(str(exc).strip(), step.name, step.sql) from exc
        log.debug("%s: %s rows in %.2fs", step.name, result.num_rows, time.perf_counter() - started)
        return result

    def scalar(self, sql: str, name: str = "scalar") -> object:
        table = self.run(Step(name, sql))
        return table.column(0)[0].as_py() if table.num_rows else None

    def dataset_stats(self, names: Sequence[str]) -> tuple[int, list[str]]:
        """(rows in these datasets, the ingestion batches they hold) — what a run reads."""
        rows, batches = 0, set()
        for name in names:
            table = self.run(
                Step(f"stats of {name}", f"SELECT batch_id, count(*) FROM {name} GROUP BY 1")
            )
            for batch, n in zip(*(c.to_pylist() for c in table.columns), strict=True):
                rows += n
                batches.add(batch)
        return rows, sorted(batches)

    @abstractmethod
    def _execute(self, sql: str) -> pa.Table:
        """Run one SQL statement in this backend's dialect and return an Arrow table."""

    def close(self) -> None:  # noqa: B027 - optional for backends
        """Release the backend's resources."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
