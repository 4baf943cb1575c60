"""The review list: scored pairs near the threshold, with the fields a reviewer compares.

A resolution run leaves ``review.parquet`` (the pairs within the review band, nearest the
threshold first) and ``mentions.parquet`` (every mention of the run). Reading the mentions from
that file takes a fraction of a second where building them again from the lake takes tens of
seconds at regional size, so a review opens the file and builds the mentions only when a run
older than the file left none.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lexradar.engine import Engine, Step, literal, open_engine
from lexradar.linkage.explain import Contribution, contributions
from lexradar.linkage.incremental import MENTIONS_FILE
from lexradar.linkage.resolve import KEYS_FILE, MODEL_FILE, REVIEW_FILE, RUN_FILE, linkage_dir

FIELDS: tuple[tuple[str, str], ...] = (
    ("dataset", "dataset"),
    ("role", "role"),
    ("record_id", "record"),
    ("name", "name"),
    ("recorded_id", "recorded ID"),
    ("id18", "ID (18 digits)"),
    ("birth_date", "birth date"),
    ("gender", "gender"),
    ("region", "region"),
    ("address", "address"),
    ("household_id", "household"),
    ("status", "status"),
)
"""Mention columns a reviewer compares, with their labels, in the order shown."""


@dataclass
class Pair:
    """A pair to review: both mention rows, the model's match weight and why."""

    left: dict[str, Any]
    right: dict[str, Any]
    match_weight: float
    contributions: list[Contribution] = field(default_factory=list)

    def fields(self) -> list[tuple[str, str, str, bool]]:
        """(label, left value, right value, differ) for the fields either mention carries."""
        out = []
        for col, label in FIELDS:
            a, b = self.left.get(col), self.right.get(col)
            if a is None and b is None:
                continue
            out.append((label, _text(a), _text(b), a != b))
        return out


def _text(value: Any) -> str:
    return "—" if value is None else str(value)


class Review:
    """An open review of one lake: the pairs still to judge and, for each, its two mentions.

    Use as a context manager; its engine is closed on exit.
    """

    def __init__(self, lake: Path | str) -> None:
        from lexradar.errors import LexradarError

        self.lake = Path(lake)
        out = linkage_dir(lake)
        self.review_path = out / REVIEW_FILE
        if not self.review_path.exists() or not (out / KEYS_FILE).exists():
            raise LexradarError(
                f"no review list at {self.review_path}; run `lexradar resolve` first"
            )
        run = out / RUN_FILE
        self.threshold_weight: float | None = None
        if run.exists():
            self.threshold_weight = json.loads(run.read_text(encoding="utf-8")).get(
                "threshold_weight"
            )
        model = out / MODEL_FILE
        self.model: dict[str, Any] | None = (
            json.loads(model.read_text(encoding="utf-8")) if model.exists() else None
        )
        self.engine = self._open_mentions(out / MENTIONS_FILE)

    def _open_mentions(self, saved: Path) -> Engine:
        """An engine with a ``mentions`` relation: the run's file when there is one (fast),
        else built from the lake as the run did."""
        from lexradar.linkage import mentions

        engine = open_engine(self.lake)
        if engine.view_of_parquet("mentions", str(saved)) is not None:
            self.mentions_from = str(saved)
            return engine
        self.mentions_from = "the lake (no mentions.parquet: run `lexradar resolve` again)"
        mentions.build(engine)
        return engine

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> Review:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def pending(self) -> list[tuple[str, str, float]]:
        """(left, right, match weight) of the review list's pairs that no judgement covers
        yet (``unsure`` included), nearest the threshold first."""
        from lexradar.linkage import judgements

        judged = {j.key() for j in judgements.history(self.lake)}
        path = literal(str(self.review_path))
        rows = self.engine.rows(
            "SELECT unique_id_l, unique_id_r, match_weight "
            f"FROM read_parquet({path}, file_row_number = true) ORDER BY file_row_number",
            "review list",
        )
        return [
            (str(a), str(b), float(w))
            for a, b, w in rows
            if tuple(sorted((str(a), str(b)))) not in judged
        ]

    def mention(self, unique_id: str) -> dict[str, Any] | None:
        found = self.engine.run(
            Step("mention", f"SELECT * FROM mentions WHERE unique_id = {literal(unique_id)}")
        ).to_pylist()
        return found[0] if found else None

    def pair(self, left: str, right: str, weight: float, explain: bool = True) -> Pair | None:
        """The pair with both mention rows and, with ``explain`` and a saved model, each
        comparison's contribution; None when a mention is no longer in the mentions."""
        lrow, rrow = self.mention(left), self.mention(right)
        if lrow is None or rrow is None:
            return None
        out = Pair(lrow, rrow, weight)
        if explain and self.model is not None:
            out.contributions = self.contributions(lrow, rrow)
        return out

    def contributions(self, lrow: dict[str, Any], rrow: dict[str, Any]) -> list[Contribution]:
        """Each comparison's level and weight, evaluated as ``lexradar resolve explain`` does
        (same level conditions, same term-frequency adjustment) on this engine."""
        assert self.model is not None
        return contributions(self.engine, self.model, lrow, rrow)

    @property
    def prior_weight(self) -> float | None:
        if self.model is None:
            return None
        prior = self.model["probability_two_random_records_match"]
        return math.log2(prior / (1 - prior))


def uncertain_pairs(lake: Path | str, limit: int = 20) -> list[dict[str, Any]]:
    """Pairs of ``review.parquet`` not yet judged, nearest the threshold first, with the names,
    recorded IDs and birth dates of both mentions."""
    out: list[dict[str, Any]] = []
    with Review(lake) as review:
        for left, right, weight in review.pending():
            if len(out) >= limit:
                break
            pair = review.pair(left, right, weight, explain=False)
            if pair is None:
                continue
            a, b = pair.left, pair.right
            out.append(
                {
                    "unique_id_l": left,
                    "unique_id_r": right,
                    "match_weight": weight,
                    "name_l": a["name"],
                    "name_r": b["name"],
                    "id_l": a["recorded_id"],
                    "id_r": b["recorded_id"],
                    "birth_l": a["birth_date"],
                    "birth_r": b["birth_date"],
                }
            )
    return out
