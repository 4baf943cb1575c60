"""Resolve every person mention of a lake to a ``person_key`` with Splink.

``resolve(lake)``:

1. builds the mentions table (:mod:`lexradar.linkage.mentions`);
2. trains a Fellegi-Sunter model, unless ``lake/_linkage/model.json`` exists (then reuses it):
   the prior from exact IDs, u by random sampling (``max_pairs``), m by EM over two blocking
   passes (see :mod:`lexradar.linkage.blocking`);
3. scores the candidate pairs of the blocking rules;
4. calibrates the threshold (:func:`calibrate`), unless one is given;
5. applies stored human judgements (:mod:`lexradar.linkage.judgements`): a "same" judgement
   adds an edge, a "different" judgement removes one, whatever the model says;
6. clusters the edges into connected components and writes ``lake/_linkage/person_keys.parquet``,
   the scored pairs near the threshold (``review.parquet``) and the pairs of registry entries
   that may be one person (``registration_pairs.parquet``, see :data:`REGISTRY_PAIR`).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lexradar.linkage import blocking, judgements, mentions
from lexradar.linkage.comparisons import (
    ERROR_MODE_FLOOR,
    ERROR_MODES,
    M_FLOOR,
    TWO_REGISTRATIONS,
    person_comparisons,
)

LINKAGE_DIR = "_linkage"
MODEL_FILE = "model.json"
KEYS_FILE = "person_keys.parquet"
REVIEW_FILE = "review.parquet"
RUN_FILE = "run.json"
REGISTRATION_PAIRS_FILE = "registration_pairs.parquet"

REGISTRY_PAIR = "unique_id_l LIKE 'persons:%' AND unique_id_r LIKE 'persons:%'"
"""Two household-registry entries. They are never linked automatically: a namesake born the
same day looks exactly like a second registration of one person (at 200,000 persons, linking
them merged ~230 pairs of strangers for ~100 real double registrations). Such pairs are written
to ``registration_pairs.parquet`` for ``identity.double_registration`` and the review, and a
reviewer's "same" judgement links them. Two entries of one household with different names
(twins) are left out of the list."""

REGISTRATION_PAIRS_SQL = """
COPY (
  SELECT p.unique_id_l, p.unique_id_r, a.id18 AS person_id_l, b.id18 AS person_id_r,
         a.name AS name_l, b.name AS name_r, a.birth_date AS birth_date_l,
         b.birth_date AS birth_date_r, a.status AS status_l, b.status AS status_r,
         p.match_weight, p.match_weight - {prior} AS evidence_weight, p.match_probability
  FROM _lr_pairs p
  JOIN mentions a ON a.unique_id = p.unique_id_l
  JOIN mentions b ON b.unique_id = p.unique_id_r
  WHERE {registry} AND p.match_weight >= {floor}
    -- one household, two given names: family members (twins), never one person twice
    AND NOT (a.household_id = b.household_id AND a.name <> b.name)
  ORDER BY p.match_weight DESC
) TO '{path}' (FORMAT parquet)
"""

Progress = Callable[[str], None]


def linkage_dir(lake: Path | str) -> Path:
    """Where resolution keeps its model, keys, judgements and review list."""
    return Path(lake) / LINKAGE_DIR


def settings(model_prior: float = 1e-5) -> dict[str, Any]:
    """Splink settings for person dedupe across all datasets."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": model_prior,
        "comparisons": person_comparisons(),
        "blocking_rules_to_generate_predictions": list(blocking.BLOCKING_RULES.values()),
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
    }


@dataclass
class Result:
    """What a resolution run did, with its figures."""

    mentions: int = 0
    candidate_pairs: int = 0
    threshold_weight: float = 0.0
    threshold_probability: float = 0.0
    threshold_method: str = ""
    clusters: int = 0
    linked_pairs: int = 0
    review_pairs: int = 0
    judgements_applied: int = 0
    trained: bool = False
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def weight_to_probability(weight: float) -> float:
    return 1.0 / (1.0 + 2.0 ** (-weight))


def otsu(con: Any, table: str, column: str = "match_weight", bin_width: float = 0.5) -> float:
    """Otsu's threshold over a histogram of match weights: the cut that best separates the
    candidate pairs into two groups (least within-group variance).

    The weights of blocked pairs are bimodal (non-matches that share a block, and matches).
    Unlike a fixed match probability, the valley between the modes does not move with the size
    of the table, which changes the prior and so every probability.
    Known limit: at 1,500,000 persons non-matches outnumber matches ~10:1 among candidate pairs
    and the cut slid to 0.5 (precision 0.946); weighing bins by log counts did not move it.
    """
    rows = con.execute(
        f"SELECT floor({column} / {bin_width}) AS b, count(*) FROM {table} GROUP BY 1 ORDER BY 1"
    ).fetchall()
    if not rows:
        return 0.0
    centres = [(b + 0.5) * bin_width for b, _ in rows]
    counts = [float(n) for _, n in rows]
    total = sum(counts)
    grand = sum(c * x for c, x in zip(counts, centres, strict=True))
    best, best_cut, w0, s0 = -1.0, centres[0], 0.0, 0.0
    for i in range(len(rows) - 1):
        w0 += counts[i]
        s0 += counts[i] * centres[i]
        w1 = total - w0
        if w0 == 0 or w1 == 0:
            continue
        between = w0 * w1 * (s0 / w0 - (grand - s0) / w1) ** 2
        if between > best:
            # the middle of the empty stretch between this bin and the next non-empty one
            best, best_cut = between, (rows[i][0] + 1 + rows[i + 1][0]) * bin_width / 2
    return float(best_cut)


def calibrate(con: Any, table: str, judged: list[judgements.Judgement]) -> tuple[float, str]:
    """The match-weight threshold and how it was chosen.

    With at least 20 judged pairs of each kind among the scored pairs, the threshold is the
    weight that best separates them (best F1 on the judgements). Otherwise Otsu's cut of the
    match-weight histogram (:func:`otsu`).
    """
    scored = judgements.scored(con, table, judged)
    same = [w for w, d in scored if d == "same"]
    diff = [w for w, d in scored if d == "different"]
    if len(same) >= 20 and len(diff) >= 20:
        best = (-1.0, 0.0)
        for cut in sorted({*same, *diff}):
            tp = sum(w >= cut for w in same)
            fp = sum(w >= cut for w in diff)
            f1 = 2 * tp / (2 * tp + fp + (len(same) - tp))
            if f1 > best[0]:
                best = (f1, cut)
        return best[1], f"best F1 on {len(same) + len(diff)} judged pairs"
    return otsu(con, table), "Otsu cut of the match-weight histogram"


def _linker(con: Any, model: dict[str, Any]) -> Any:
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(connection=con)
    sdf = db_api.register("mentions")
    return Linker(sdf, model, log_level=30)


def train(con: Any, max_pairs: float = 5e6, seed: int = 1) -> Any:
    """A trained linker on the ``mentions`` table of ``con``."""
    linker = _linker(con, settings())
    linker.training.estimate_probability_two_random_records_match(
        list(blocking.DETERMINISTIC_RULES), recall=0.95
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    for rule in blocking.TRAINING_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    return linker


def floor_m(model: dict[str, Any], floor: float = M_FLOOR) -> dict[str, Any]:
    """The model with every non-null level's m probability at least ``floor`` (known error
    modes at least :data:`ERROR_MODE_FLOOR`), and the two-registrations ID level neutral."""
    for comparison in model["comparisons"]:
        out = comparison["output_column_name"]
        for level in comparison["comparison_levels"]:
            m = level.get("m_probability")
            low = ERROR_MODE_FLOOR if (out, level.get("label_for_charts")) in ERROR_MODES else floor
            if not level.get("is_null_level") and m is not None and m < low:
                level["m_probability"] = low
            if level.get("label_for_charts") == TWO_REGISTRATIONS and level.get("u_probability"):
                level["m_probability"] = level["u_probability"]
    return model


def resolve(
    lake: Path | str,
    threshold: float | None = None,
    retrain: bool = False,
    review_band: float = 6.0,
    progress: Progress | None = None,
    memory_limit: str | None = None,
) -> Result:
    """Resolve the lake's mentions to person keys; see the module docstring.

    ``threshold`` is a match probability; when absent it is calibrated. Pairs whose weight lies
    within ``review_band`` of the threshold go to the review list.
    """
    from lexradar.engine import open_engine

    say = progress or (lambda _msg: None)
    out = linkage_dir(lake)
    out.mkdir(exist_ok=True)
    result = Result()
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        result.seconds[name] = round(now - clock, 2)
        clock = now

    engine = open_engine(Path(lake), memory_limit=memory_limit)
    con = engine.con  # type: ignore[attr-defined]
    try:
        say("gathering person mentions")
        result.mentions = mentions.build(con)
        lap("mentions")
        model_path = out / MODEL_FILE
        if model_path.exists() and not retrain:
            say("loading the trained model")
            linker = _linker(con, json.loads(model_path.read_text(encoding="utf-8")))
        else:
            say("training (u by random sampling, m by EM)")
            model = floor_m(train(con).misc.save_model_to_json())
            model_path.write_text(json.dumps(model, ensure_ascii=False, indent=1), encoding="utf-8")
            linker = _linker(con, model)
            result.trained = True
        lap("train")
        say("scoring candidate pairs")
        predictions = linker.inference.predict()
        con.execute(
            "CREATE OR REPLACE TABLE _lr_pairs AS SELECT unique_id_l, unique_id_r, match_weight, "
            f"match_probability FROM {predictions.physical_name}"
        )
        result.candidate_pairs = int(con.execute("SELECT count(*) FROM _lr_pairs").fetchall()[0][0])
        lap("predict")
        judged = judgements.load(lake)
        if threshold is None:
            weight, method = calibrate(con, "_lr_pairs", judged)
        else:
            weight, method = math.log2(threshold / (1 - threshold)), "given"
        result.threshold_weight = round(weight, 3)
        result.threshold_probability = weight_to_probability(weight)
        result.threshold_method = method
        say(f"clustering at match weight {weight:.2f} ({method})")
        result.judgements_applied = judgements.apply(
            con, "_lr_pairs", judged, "_lr_edges", weight, automatic=f"NOT ({REGISTRY_PAIR})"
        )
        result.linked_pairs = int(con.execute("SELECT count(*) FROM _lr_edges").fetchall()[0][0])
        _cluster(con, linker, out / KEYS_FILE)
        result.clusters = int(
            con.execute(f"SELECT count(DISTINCT person_key) FROM '{out / KEYS_FILE}'").fetchall()[
                0
            ][0]
        )
        lo, hi = weight - review_band, weight + review_band
        con.execute(
            f"COPY (SELECT * FROM _lr_pairs WHERE match_weight BETWEEN {lo} AND {hi} "
            f"ORDER BY abs(match_weight - {weight})) TO '{out / REVIEW_FILE}' (FORMAT parquet)"
        )
        result.review_pairs = int(
            con.execute(f"SELECT count(*) FROM '{out / REVIEW_FILE}'").fetchall()[0][0]
        )
        prior = float(linker._settings_obj._probability_two_random_records_match)
        con.execute(
            REGISTRATION_PAIRS_SQL.format(
                prior=math.log2(prior / (1 - prior)),
                floor=lo,
                registry=REGISTRY_PAIR,
                path=out / REGISTRATION_PAIRS_FILE,
            )
        )
        lap("cluster")
        (out / RUN_FILE).write_text(
            json.dumps(result.as_dict(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
    finally:
        engine.close()
    return result


KEY_SQL = """
WITH c AS (SELECT unique_id, cluster_id FROM {clusters}),
k AS (
  SELECT c.cluster_id,
         coalesce(min(m.id18) FILTER (WHERE m.dataset = 'persons' AND m.status = 'active'),
                  min(m.id18) FILTER (WHERE m.dataset = 'persons'),
                  'U' || md5(min(m.unique_id))[:17]) AS person_key,
         count(*) AS cluster_size
  FROM c JOIN mentions m USING (unique_id) GROUP BY c.cluster_id
)
SELECT m.unique_id, m.dataset, m.record_id, m.role, m.recorded_id, m.name,
       k.person_key, k.cluster_size
FROM mentions m JOIN c USING (unique_id) JOIN k USING (cluster_id)
ORDER BY m.unique_id
"""


def _cluster(con: Any, linker: Any, path: Path) -> None:
    """Connected components of the edges; a cluster's key is its active registry ID (the
    smallest, for a double registration), else a stable hash of its first mention."""
    from splink.clustering import cluster_pairwise_predictions_at_threshold

    db_api = linker._db_api
    nodes = db_api.register("mentions")
    edges = db_api.register("_lr_edges")
    cc = cluster_pairwise_predictions_at_threshold(
        nodes, edges, db_api=db_api, node_id_column_name="unique_id"
    )
    sql = KEY_SQL.format(clusters=cc.physical_name)
    con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet)")
