"""Score resolution against a synthetic region's answer key (``truth_persons.parquet``).

Pairwise figures over mentions: a pair is predicted when both mentions share a ``person_key``
and true when both name the same ``true_person_id``. The answer key is for scoring only; it is
never an input to resolution. Payments are scored by the record each payee mention is named by.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from lexradar.engine import Engine

from lexradar.linkage.resolve import KEYS_FILE, linkage_dir


@dataclass(frozen=True)
class Score:
    true_pairs: int
    predicted_pairs: int
    true_positives: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self) -> str:
        return (
            f"pairwise precision {self.precision:.4f} recall {self.recall:.4f} F1 {self.f1:.4f} "
            f"(true pairs {self.true_pairs:,}, predicted {self.predicted_pairs:,})"
        )


JOINED_SQL = """
SELECT k.unique_id, k.person_key, t.true_person_id
FROM '{keys}' k
JOIN '{truth}' t ON t.dataset = k.dataset AND t.record_id = k.record_id AND t.role = k.role
"""


def score(lake: Path | str, truth_persons: Path | str) -> Score:
    """Pairwise precision, recall and F1 of the lake's person keys against the truth."""
    import duckdb

    keys = linkage_dir(lake) / KEYS_FILE
    con = duckdb.connect()
    con.execute(f"CREATE TABLE j AS {JOINED_SQL.format(keys=keys, truth=truth_persons)}")
    pairs = "sum(n * (n - 1) // 2)"

    def count(group: str) -> int:
        sql = f"SELECT {pairs} FROM (SELECT count(*) n FROM j GROUP BY {group})"
        return int(con.execute(sql).fetchall()[0][0] or 0)

    s = Score(count("true_person_id"), count("person_key"), count("person_key, true_person_id"))
    con.close()
    return s


def blocking_recall(engine: Engine, truth_persons: Path | str) -> dict[str, float]:
    """Of the true pairs of mentions, the share that some blocking rule puts side by side
    (``direct``). ``engine`` holds ``mentions`` and ``_lr_pairs``."""
    engine.view_of_parquet("_lr_truth_file", str(truth_persons))
    engine.materialize(
        "_lr_truth",
        "SELECT m.unique_id, t.true_person_id FROM mentions m JOIN _lr_truth_file t "
        "ON t.dataset = m.dataset AND t.record_id = m.record_id AND t.role = m.role",
    )
    true_pairs = float(
        cast(
            "int | None",
            engine.scalar(
                "SELECT sum(n * (n - 1) // 2) FROM "
                "(SELECT count(*) n FROM _lr_truth GROUP BY true_person_id) AS t"
            ),
        )
        or 0
    )
    direct = float(
        cast(
            "int | None",
            engine.scalar(
                "SELECT count(*) FROM _lr_pairs p JOIN _lr_truth a ON a.unique_id = p.unique_id_l "
                "JOIN _lr_truth b ON b.unique_id = p.unique_id_r "
                "WHERE a.true_person_id = b.true_person_id"
            ),
        )
        or 0
    )
    return {"true_pairs": float(true_pairs), "direct": direct / true_pairs if true_pairs else 1.0}


PLANT_SQL = """
WITH plants AS (
  SELECT row_number() OVER () AS plant, model_id, difficulty, person_ids, record_refs
  FROM read_csv('{truth_csv}', all_varchar = true) WHERE kind = 'planted'
),
refs AS (
  SELECT plant, model_id, difficulty, unnest(string_split(record_refs, ';')) AS ref,
         string_split(person_ids, ';') AS pids
  FROM plants
),
mentioned AS (
  SELECT r.plant, r.model_id, r.difficulty, t.true_person_id, k.person_key
  FROM refs r
  JOIN '{truth}' t ON t.dataset || ':' || t.record_id = r.ref
  JOIN '{keys}' k USING (dataset, record_id, role)
  WHERE list_contains(r.pids, t.true_person_id)
),
registry AS (
  SELECT t.true_person_id, k.person_key FROM '{truth}' t
  JOIN '{keys}' k USING (dataset, record_id, role)
  WHERE t.dataset = 'persons' AND t.recorded_id = t.true_person_id
),
judged AS (
  SELECT m.plant, m.model_id, m.difficulty,
         bool_and(m.person_key = g.person_key) AS resolved
  FROM mentioned m JOIN registry g USING (true_person_id)
  GROUP BY ALL
)
SELECT model_id, difficulty, count(*) AS plants, sum(resolved::INT) AS resolved
FROM judged GROUP BY ALL ORDER BY ALL
"""


def plant_identity_recall(lake: Path | str, truth_dir: Path | str) -> list[dict[str, Any]]:
    """Per model and difficulty: of the planted anomalies, how many have every mention of the
    planted person (in the anomaly's evidence records) under the person's registry key — the
    recall a model joining on ``person_key`` can reach at most."""
    import duckdb

    truth_dir = Path(truth_dir)
    sql = PLANT_SQL.format(
        truth_csv=truth_dir / "truth.csv",
        truth=truth_dir / "truth_persons.parquet",
        keys=linkage_dir(lake) / KEYS_FILE,
    )
    relation = duckdb.sql(sql)
    assert relation is not None  # a SELECT always has a result
    rows: list[dict[str, Any]] = relation.to_arrow_table().to_pylist()
    return rows
