"""Scoring clues against a synthetic region's answer key (truth.csv).

A clue matches a truth row of its model when it cites every record the row names. A clue that
matches a planted anomaly is true; one that matches only a negative control flagged a control;
any other clue is outside the answer key (``outside``: neither a planted anomaly nor a
control; a queue a handler must work through for nothing, so it is a figure of its own).
Precision is true clues over all clues; recall is planted
anomalies found over planted anomalies. With a difficulty selected, clues that match only
planted anomalies of the other difficulty are left out of both counts.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from lexradar.errors import EvalError, Location

Difficulty = str  # "exact" | "noisy"


@dataclass
class ModelScore:
    model_id: str
    planted_exact: int = 0
    planted_noisy: int = 0
    found_exact: int = 0
    found_noisy: int = 0
    controls: int = 0
    controls_flagged: int = 0
    clues: int = 0
    true_clues: int = 0
    false_clues: int = 0  # clues matching nothing in the answer key
    control_clues: int = 0  # clues matching a control only
    missed: list[str] = field(default_factory=list)

    @property
    def planted(self) -> int:
        return self.planted_exact + self.planted_noisy

    @property
    def found(self) -> int:
        return self.found_exact + self.found_noisy

    @property
    def precision(self) -> float:
        return self.true_clues / self.clues if self.clues else 0.0

    @property
    def recall(self) -> float:
        return self.found / self.planted if self.planted else 0.0

    @property
    def outside(self) -> int:
        """Clues outside the answer key: neither a planted anomaly nor a control."""
        return self.false_clues

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d.update(
            outside=self.outside, precision=round(self.precision, 4), recall=round(self.recall, 4)
        )
        return d


@dataclass
class Score:
    models: list[ModelScore]

    @property
    def recall(self) -> float:
        planted = sum(m.planted for m in self.models)
        return sum(m.found for m in self.models) / planted if planted else 0.0

    @property
    def precision(self) -> float:
        clues = sum(m.clues for m in self.models)
        return sum(m.true_clues for m in self.models) / clues if clues else 0.0

    @property
    def outside(self) -> int:
        """Clues outside the answer key, over every model."""
        return sum(m.outside for m in self.models)

    @property
    def controls_flagged(self) -> int:
        return sum(m.controls_flagged for m in self.models)

    def as_dict(self) -> dict[str, object]:
        return {
            "models": [m.as_dict() for m in self.models],
            "recall": round(self.recall, 4),
            "precision": round(self.precision, 4),
            "outside": self.outside,
            "controls_flagged": self.controls_flagged,
        }


@dataclass(frozen=True)
class TruthRow:
    model_id: str
    person_ids: tuple[str, ...]
    refs: frozenset[str]
    kind: str
    difficulty: str
    detail: str


def read_truth(path: Path) -> list[TruthRow]:
    path = Path(path)
    if not path.exists():
        raise EvalError("truth file not found", Location(file=str(path)))
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        need = {"model_id", "person_ids", "record_refs", "kind", "difficulty"}
        missing = need - set(reader.fieldnames or [])
        if missing:
            raise EvalError(f"missing column(s) {sorted(missing)}", Location(file=str(path)))
        for i, r in enumerate(reader, start=1):
            if r["kind"] not in ("planted", "control"):
                raise EvalError(
                    f"kind must be planted or control, got {r['kind']!r}",
                    Location(file=str(path), row=i, field="kind"),
                )
            rows.append(
                TruthRow(
                    r["model_id"],
                    tuple(filter(None, r["person_ids"].split(";"))),
                    frozenset(filter(None, r["record_refs"].split(";"))),
                    r["kind"],
                    r["difficulty"],
                    r.get("detail", ""),
                )
            )
    return rows


def read_clues(path: Path) -> pa.Table:
    path = Path(path)
    if not path.exists():
        raise EvalError("clue file not found", Location(file=str(path)))
    if path.suffix == ".parquet":
        table = pq.read_table(path)
    elif path.suffix == ".csv":
        table = pacsv.read_csv(
            path, convert_options=pacsv.ConvertOptions(column_types={"person_ids": pa.string()})
        )
    else:
        raise EvalError("clue file must end in .csv or .parquet", Location(file=str(path)))
    for col in ("model_id", "record_refs"):
        if col not in table.column_names:
            raise EvalError(f"clue file has no column '{col}'", Location(file=str(path), field=col))
    return table


def score(
    clues: pa.Table,
    truth: list[TruthRow],
    models: list[str] | None = None,
    difficulty: Difficulty | None = None,
) -> Score:
    """Score clues against the answer key, per model."""
    wanted = set(models or []) or {t.model_id for t in truth} | set(
        clues.column("model_id").to_pylist()
    )
    by_model: dict[str, ModelScore] = {m: ModelScore(m) for m in sorted(wanted)}
    # index truth rows by each ref they hold: a clue must cite all of a row's refs
    index: dict[tuple[str, str], list[TruthRow]] = defaultdict(list)
    for t in truth:
        if t.model_id not in wanted:
            continue
        s = by_model[t.model_id]
        if t.kind == "planted":
            if t.difficulty == "noisy":
                s.planted_noisy += difficulty in (None, "noisy")
            else:
                s.planted_exact += difficulty in (None, "exact")
        else:
            s.controls += 1
        for r in t.refs:
            index[(t.model_id, r)].append(t)
    found: set[TruthRow] = set()
    flagged: set[TruthRow] = set()
    for model_id, refs_text in zip(
        clues.column("model_id").to_pylist(), clues.column("record_refs").to_pylist(), strict=True
    ):
        if model_id not in wanted:
            continue
        refs = set(filter(None, (refs_text or "").split(";")))
        matches = {t for r in refs for t in index.get((model_id, r), ()) if t.refs <= refs}
        planted = [t for t in matches if t.kind == "planted"]
        s = by_model[model_id]
        if planted:
            if difficulty and not any(t.difficulty == difficulty for t in planted):
                continue  # a clue on the other difficulty: left out of both counts
            s.clues += 1
            s.true_clues += 1
            found.update(t for t in planted if difficulty in (None, t.difficulty))
        elif matches:
            s.clues += 1
            s.control_clues += 1
            flagged.update(matches)
        else:
            s.clues += 1
            s.false_clues += 1
    for t in found:
        s = by_model[t.model_id]
        if t.difficulty == "noisy":
            s.found_noisy += 1
        else:
            s.found_exact += 1
    for t in flagged:
        by_model[t.model_id].controls_flagged += 1
    for t in truth:
        if (
            t.model_id in wanted
            and t.kind == "planted"
            and t not in found
            and difficulty in (None, t.difficulty)
        ):
            by_model[t.model_id].missed.append(f"{t.difficulty}: {t.detail}")
    return Score(list(by_model.values()))


def score_files(
    clues: Path, truth: Path, models: list[str] | None = None, difficulty: str | None = None
) -> Score:
    return score(read_clues(clues), read_truth(truth), models, difficulty)
