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
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lexradar.engine import Engine, Step, literal, open_engine
from lexradar.linkage.explain import Contribution, contributions
from lexradar.linkage.incremental import MENTIONS_FILE
from lexradar.linkage.resolve import KEYS_FILE, MODEL_FILE, REVIEW_FILE, RUN_FILE, linkage_dir

CLUE_PAIRS_SQL = """
WITH k AS (SELECT unique_id, person_key FROM read_parquet({keys})),
band AS (
  SELECT p.unique_id_l, p.unique_id_r, p.match_weight,
         kl.person_key AS key_l, kr.person_key AS key_r
  FROM read_parquet({pairs}) p
  JOIN k kl ON kl.unique_id = p.unique_id_l
  JOIN k kr ON kr.unique_id = p.unique_id_r
  WHERE p.match_weight BETWEEN {lo} AND {hi}
),
linked AS (
  SELECT least(unique_id_l, unique_id_r) AS a, greatest(unique_id_l, unique_id_r) AS b
  FROM read_parquet({links})
)
SELECT band.unique_id_l, band.unique_id_r, band.match_weight
FROM band
LEFT JOIN linked e
  ON e.a = least(band.unique_id_l, band.unique_id_r)
 AND e.b = greatest(band.unique_id_l, band.unique_id_r)
WHERE (band.key_l <> band.key_r
       AND (band.key_l IN (SELECT person_key FROM _lr_clue_persons)
            OR band.key_r IN (SELECT person_key FROM _lr_clue_persons)))
   OR (e.a IS NOT NULL AND band.key_l IN (SELECT person_key FROM _lr_clue_persons))
ORDER BY abs(band.match_weight - {weight}), band.unique_id_l, band.unique_id_r
LIMIT {limit}
"""
"""The band's pairs whose judgement changes a clue (:meth:`Review.clue_pairs`)."""

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
        self.review_band = 6.0
        if run.exists():
            figures = json.loads(run.read_text(encoding="utf-8"))
            self.threshold_weight = figures.get("threshold_weight")
            self.review_band = float(figures.get("covered", {}).get("review_band", 6.0))
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

    def pending(self, clue_persons: Iterable[str] | None = None) -> list[tuple[str, str, float]]:
        """(left, right, match weight) of the review list's pairs that no judgement covers
        yet (``unsure`` included), in the order of the list (ranked by what the decision moves).

        With ``clue_persons`` (the person keys of clues, ``person_ids`` of a clue file), the
        pairs whose judgement changes a clue come first (:meth:`clue_pairs`), then the rest of
        the list."""
        from lexradar.linkage import judgements

        judged = {j.key() for j in judgements.history(self.lake)}
        path = literal(str(self.review_path))
        rows = self.engine.rows(
            "SELECT unique_id_l, unique_id_r, match_weight "
            f"FROM read_parquet({path}, file_row_number = true) ORDER BY file_row_number",
            "review list",
        )
        if clue_persons is not None:
            rows = self.clue_pairs(clue_persons) + rows
        out: list[tuple[str, str, float]] = []
        seen = set(judged)
        for a, b, w in rows:
            key = (str(a), str(b)) if str(a) < str(b) else (str(b), str(a))
            if key not in seen:
                seen.add(key)
                out.append((str(a), str(b), float(w)))
        return out

    def clue_pairs(self, clue_persons: Iterable[str], limit: int = 2000) -> list[tuple[Any, ...]]:
        """The pairs of the review band whose judgement changes a clue of ``clue_persons``
        (the clues' person keys): one
        mention is now a clue's person's and the other is not (a *same* adds its records to
        the clue's person, which can make or unmake the clue), or a link holds a clue's person
        together (a *different* takes records away from it). Nearest the threshold first, at
        most ``limit``. They are read from the run's
        scored pairs, so a pair the list's cap left out is found too."""
        import pyarrow as pa

        from lexradar.errors import LexradarError
        from lexradar.linkage.incremental import PAIRS_FILE
        from lexradar.linkage.mentions import LINKS

        out = linkage_dir(self.lake)
        pairs, links = out / PAIRS_FILE, out / LINKS
        if self.threshold_weight is None or not pairs.exists() or not links.exists():
            raise LexradarError(
                f"{out} holds no scored pairs of the last run; run `lexradar resolve` again "
                "to review by clues"
            )
        persons = {key for key in clue_persons if key}
        self.engine.register("_lr_clue_persons", pa.table({"person_key": sorted(persons)}))
        t, band = float(self.threshold_weight), self.review_band
        return self.engine.rows(
            CLUE_PAIRS_SQL.format(
                pairs=literal(str(pairs)),
                links=literal(str(links)),
                keys=literal(str(out / KEYS_FILE)),
                lo=t - band,
                hi=t + band,
                weight=t,
                limit=int(limit),
            ),
            "pairs that change a clue",
        )

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


def uncertain_pairs(
    lake: Path | str, limit: int = 20, clue_persons: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """Pairs of ``review.parquet`` not yet judged, in the order of :meth:`Review.pending`
    (those that change a clue of ``clue_persons`` first), with the names, recorded IDs and birth
    dates of both mentions."""
    out: list[dict[str, Any]] = []
    with Review(lake) as review:
        for left, right, weight in review.pending(clue_persons):
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
