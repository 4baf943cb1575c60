"""The generator's state: the population, the dataset tables, the answer key, the person pool."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from lexradar.datasets import CONTRACT
from lexradar.normalize import region_code as rc
from lexradar.synth.population import Population
from lexradar.synth.table import Table, record_id

DAY = np.timedelta64(1, "D")
#: A day as the generator's functions take it: numpy's date or time, a date, ISO text.
DayLike = np.datetime64 | dt.date | str


def as_day(value: DayLike) -> np.datetime64:
    """``value`` to the day (``datetime64[D]``), as ``np.datetime64(value, "D")`` does."""
    if not isinstance(value, np.datetime64):
        return np.datetime64(value, "D")
    day: np.datetime64 = value.astype("datetime64[D]")  # numpy types astype as Any
    return day


@dataclass
class TruthRow:
    model_id: str
    person_ids: list[str]
    record_refs: list[str]
    kind: str  # planted | control
    difficulty: str  # exact | noisy
    detail: str


@dataclass
class World:
    rng: np.random.Generator
    pop: Population
    data_end: np.datetime64
    lake: Path
    batch_id: str
    tables: dict[str, Table] = field(default_factory=dict)
    truth: list[TruthRow] = field(default_factory=list)
    #: per person: the last day of any generated event (deaths come after it)
    last_event: np.ndarray = field(default_factory=lambda: np.empty(0, "datetime64[D]"))
    death: np.ndarray = field(default_factory=lambda: np.empty(0, "datetime64[D]"))
    custody_start: np.ndarray = field(default_factory=lambda: np.empty(0, "datetime64[D]"))
    custody_end: np.ndarray = field(default_factory=lambda: np.empty(0, "datetime64[D]"))
    custody_type: np.ndarray = field(default_factory=lambda: np.empty(0, object))
    has_license: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    reserved: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    #: persons rows written beyond the population (second registrations), index -> true person
    extra_persons: list[tuple[int, int]] = field(default_factory=list)
    #: person mentions whose recorded ID differs from the true one: (dataset, row, role, id, true)
    mentions: list[tuple[str, int, str, str, int]] = field(default_factory=list)
    #: reserved persons already used by a plant
    used: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    #: the reserved persons, indexed for picking (see pool.reserve)
    pool: Any = None
    #: persons whose death never reached the household registry
    unreported: list[int] = field(default_factory=list)
    #: certificates of background marriages (plants cite some of them wrongly)
    background_certs: list[str] = field(default_factory=list)
    _serial: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = self.pop.n
        self.tables = {name: Table(name, self.batch_id) for name in CONTRACT}
        self.last_event = self.pop.registered_on.copy()
        nat = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        self.death, self.custody_start, self.custody_end = nat.copy(), nat.copy(), nat.copy()
        self.custody_type = np.full(n, None, dtype=object)
        self.has_license = np.zeros(n, dtype=bool)
        self.reserved = np.zeros(n, dtype=bool)
        self.used = np.zeros(n, dtype=bool)

    # ----- helpers shared by background and plants
    def serial(self, kind: str) -> int:
        self._serial[kind] = self._serial.get(kind, 0) + 1
        return self._serial[kind]

    def touch(self, idx: np.ndarray | int, day: np.ndarray | np.datetime64) -> None:
        idx = np.atleast_1d(np.asarray(idx, dtype=np.int64))
        day = np.broadcast_to(np.asarray(day, dtype="datetime64[D]"), idx.shape)
        np.maximum.at(self.last_event, idx, day)

    def date(self, low: np.datetime64, high: np.datetime64) -> np.datetime64:
        span = int((high - low) / DAY)
        return low + int(self.rng.integers(0, max(span, 1))) * DAY

    def county_name(self, code: str) -> str:
        return rc.name(code)

    def add_truth(
        self,
        model_id: str,
        persons: list[str],
        refs: list[str],
        kind: str,
        difficulty: str = "exact",
        detail: str = "",
    ) -> None:
        self.truth.append(TruthRow(model_id, persons, refs, kind, difficulty, detail))

    def write_truth(self, out: Path) -> None:
        import csv

        with (out / "truth.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["model_id", "person_ids", "record_refs", "kind", "difficulty", "detail"])
            for t in self.truth:
                w.writerow(
                    [
                        t.model_id,
                        ";".join(t.person_ids),
                        ";".join(t.record_refs),
                        t.kind,
                        t.difficulty,
                        t.detail,
                    ]
                )


PERSON_COLUMNS: dict[str, list[tuple[str, str]]] = {
    # dataset -> [(id column, role)]
    "persons": [("person_id", "registrant")],
    "marriage_events": [("husband_id", "husband"), ("wife_id", "wife")],
    "judgments": [("party_id", "party")],
    "deaths": [("person_id", "deceased")],
    "travel_documents": [("person_id", "holder")],
    "pension_payments": [("person_id", "payee")],
    "allowance_payments": [("person_id", "recipient")],
    "driver_licenses": [("person_id", "holder")],
    "custody_records": [("person_id", "inmate")],
}


def write_truth_persons(world: World, out: Path) -> int:
    """truth_persons.parquet: the true person (registry ID) behind every person mention."""
    pop = world.pop
    fixes: dict[tuple[str, str], dict[int, str]] = {}
    for ds, row, role, _, true in world.mentions:
        fixes.setdefault((ds, role), {})[row] = pop.pid[true]
    for row, true in world.extra_persons:
        fixes.setdefault(("persons", "registrant"), {})[row] = pop.pid[true]
    schema = pa.schema(
        [
            ("dataset", pa.string()),
            ("record_id", pa.string()),
            ("role", pa.string()),
            ("recorded_id", pa.string()),
            ("true_person_id", pa.string()),
        ]
    )
    total = 0
    with pq.ParquetWriter(out / "truth_persons.parquet", schema, compression="zstd") as writer:
        for ds, cols in PERSON_COLUMNS.items():
            offset = 0
            for part in sorted((world.lake / ds).glob("*.parquet")):
                table = pq.read_table(part, columns=["record_id", *[c for c, _ in cols]])
                n = table.num_rows
                for col, role in cols:
                    recorded = table.column(col)
                    true = recorded.to_numpy(zero_copy_only=False).astype(object)
                    for row, pid in fixes.get((ds, role), {}).items():
                        if offset <= row < offset + n:
                            true[row - offset] = pid
                    writer.write_table(
                        pa.table(
                            {
                                "dataset": pa.array([ds] * n),
                                "record_id": table.column("record_id"),
                                "role": pa.array([role] * n),
                                "recorded_id": recorded,
                                "true_person_id": pa.array(true, type=pa.string()),
                            },
                            schema=schema,
                        )
                    )
                    total += n
                offset += n
    return total


def today_iso(day: np.datetime64) -> dt.date:
    return dt.date.fromisoformat(str(day))


__all__ = ["PERSON_COLUMNS", "TruthRow", "World", "record_id", "write_truth_persons"]
