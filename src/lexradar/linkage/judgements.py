"""Human judgements on pairs of mentions: the same person, or different persons.

A reviewer's judgement wins over the model on every later run: a ``same`` pair is linked
whatever its score, a ``different`` pair is never linked directly. Judgements are a small
vocabulary and history is kept: changing one's mind appends a new row (who, when, why), and the
latest row for a pair is the one in force. They live in ``lake/_linkage/judgements.jsonl``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lexradar.engine.base import Engine

FILE = "judgements.jsonl"


class Decision(StrEnum):
    same = "same"
    different = "different"
    unsure = "unsure"


@dataclass(frozen=True)
class Judgement:
    """One reviewer's decision on a pair of mention references (``dataset:record_id:role``)."""

    left: str
    right: str
    decision: str
    who: str = ""
    when: str = ""
    why: str = ""

    def key(self) -> tuple[str, str]:
        a, b = sorted((self.left, self.right))
        return a, b


def _path(lake: Path | str) -> Path:
    return Path(lake) / "_linkage" / FILE


def record(
    lake: Path | str, left: str, right: str, decision: str, who: str = "", why: str = ""
) -> Judgement:
    """Append a judgement; ``decision`` is one of :class:`Decision`."""
    Decision(decision)  # raises ValueError on anything else
    a, b = sorted((left, right))
    j = Judgement(a, b, decision, who, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), why)
    path = _path(lake)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(asdict(j), ensure_ascii=False) + "\n")
    return j


def history(lake: Path | str) -> list[Judgement]:
    """Every judgement ever recorded, oldest first."""
    path = _path(lake)
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Judgement(**json.loads(line)) for line in lines if line.strip()]


def load(lake: Path | str) -> list[Judgement]:
    """The judgements in force: the latest per pair, ``unsure`` ones left out."""
    latest: dict[tuple[str, str], Judgement] = {}
    for j in history(lake):
        latest[j.key()] = j
    return [j for j in latest.values() if j.decision != Decision.unsure]


def _register(engine: Engine, judged: list[Judgement]) -> None:
    import pyarrow as pa

    table = pa.table(
        {
            "unique_id_l": [j.key()[0] for j in judged],
            "unique_id_r": [j.key()[1] for j in judged],
            "decision": [j.decision for j in judged],
        },
        schema=pa.schema(
            [("unique_id_l", pa.string()), ("unique_id_r", pa.string()), ("decision", pa.string())]
        ),
    )
    engine.register("_lr_judged", table)


def scored(engine: Engine, pairs: str, judged: list[Judgement]) -> list[tuple[float, str]]:
    """(model match weight, decision) of the judged pairs that the model scored."""
    if not judged:
        return []
    _register(engine, judged)
    rows = engine.rows(
        f"SELECT p.match_weight, j.decision FROM {pairs} p JOIN _lr_judged j "
        "ON least(p.unique_id_l, p.unique_id_r) = j.unique_id_l "
        "AND greatest(p.unique_id_l, p.unique_id_r) = j.unique_id_r"
    )
    return [(float(w), str(d)) for w, d in rows]


def apply(
    engine: Engine,
    pairs: str,
    judged: list[Judgement],
    edges: str,
    weight: float,
    automatic: str = "TRUE",
) -> int:
    """Create table ``edges`` (``unique_id_l < unique_id_r``, ``match_weight``): pairs at or
    above ``weight`` that satisfy ``automatic`` (SQL), less the pairs judged different, plus
    the pairs judged the same, each with the weight it was scored at (null for a pair only a
    reviewer linked), so that the steps after need not look the weights up again among all
    the scored pairs. Returns how many judgements are in force."""
    _register(engine, judged)
    engine.materialize(
        edges,
        f"""
        WITH scored AS (
          SELECT least(unique_id_l, unique_id_r) AS unique_id_l,
                 greatest(unique_id_l, unique_id_r) AS unique_id_r,
                 max(match_weight) AS match_weight
          FROM {pairs} WHERE match_weight >= {weight} AND ({automatic})
          GROUP BY 1, 2
        ),
        same AS (
          SELECT j.unique_id_l, j.unique_id_r, max(p.match_weight) AS match_weight
          FROM _lr_judged j
          LEFT JOIN {pairs} p
            ON least(p.unique_id_l, p.unique_id_r) = j.unique_id_l
           AND greatest(p.unique_id_l, p.unique_id_r) = j.unique_id_r
          WHERE j.decision = 'same'
          GROUP BY 1, 2
        )
        SELECT s.* FROM scored s
        WHERE NOT EXISTS (
          SELECT 1 FROM _lr_judged j
          WHERE j.unique_id_l = s.unique_id_l AND j.unique_id_r = s.unique_id_r
        )
        UNION ALL
        SELECT * FROM same
        """,
    )
    return len(judged)
