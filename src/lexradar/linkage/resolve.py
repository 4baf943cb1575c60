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
6. keeps each mention's best link to the registry (:data:`ANCHOR_SQL`), clusters the links
   into connected components and writes ``lake/_linkage/person_keys.parquet``,
   the scored pairs near the threshold (``review.parquet``) and the pairs of registry entries
   that may be one person (``registration_pairs.parquet``, see :data:`REGISTRY_PAIR`).

When the last run's record (``run.json`` → ``covered``, ``mentions.parquet``,
``pairs.parquet``) still holds and only batches were added, steps 1 and 3 cover only the
mentions of the new batches and the pairs with at least one of them, and the keys of existing
clusters stay (:mod:`lexradar.linkage.incremental`); otherwise, or with ``full=True``, every
mention is scored and the result says why.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lexradar.datasets.derived import KEYS_FILE, LINKAGE_DIR, REGISTRATION_PAIRS_FILE, linkage_dir
from lexradar.engine import Engine, open_engine
from lexradar.linkage import blocking, incremental, judgements, mentions
from lexradar.linkage.comparisons import (
    ERROR_MODE_FLOOR,
    ERROR_MODES,
    M_FLOOR,
    TWO_REGISTRATIONS,
    person_comparisons,
)

__all__ = [
    "KEYS_FILE",
    "LINKAGE_DIR",
    "REGISTRATION_PAIRS_FILE",
    "Result",
    "linkage_dir",
    "resolve",
]

MODEL_FILE = "model.json"
REVIEW_FILE = "review.parquet"
RUN_FILE = "run.json"

REGISTRY_PAIR = "unique_id_l LIKE 'persons:%' AND unique_id_r LIKE 'persons:%'"
"""Two household-registry entries. They are never linked automatically: a namesake born the
same day looks exactly like a second registration of one person (at 200,000 persons, linking
them merged ~230 pairs of strangers for ~100 real double registrations). Such pairs are written
to ``registration_pairs.parquet`` for ``identity.double_registration`` and the review, and a
reviewer's "same" judgement links them. Two entries of one household with different names
(twins) are left out of the list."""

REGISTRATION_PAIRS_SQL = """
  SELECT p.unique_id_l, p.unique_id_r, a.id18 AS person_id_l, b.id18 AS person_id_r,
         a.name AS name_l, b.name AS name_r, a.birth_date AS birth_date_l,
         b.birth_date AS birth_date_r, a.status AS status_l, b.status AS status_r,
         p.match_weight, p.match_weight - {prior} AS evidence_weight, p.match_probability,
         CASE WHEN a.name = b.name THEN 'exact'
              WHEN a.name_nodot = b.name_nodot THEN 'same_without_dots'
              WHEN a.name_vkey = b.name_vkey THEN 'transliteration_variant'
              WHEN a.name_pinyin = b.name_pinyin THEN 'same_pinyin'
              ELSE 'different' END AS name_relation
  FROM _lr_pairs p
  JOIN mentions a ON a.unique_id = p.unique_id_l
  JOIN mentions b ON b.unique_id = p.unique_id_r
  WHERE {registry}
    AND (p.match_weight >= {floor} OR p.match_weight - {prior} >= @EVIDENCE_FLOOR@)
    -- one household, two given names: family members (twins), never one person twice; an
    -- export without household numbers says nothing either way (NULL must not drop the pair)
    AND NOT coalesce(a.household_id = b.household_id AND a.name <> b.name, FALSE)
  ORDER BY p.match_weight DESC
"""

REGISTRATION_EVIDENCE_FLOOR = 10.0
"""Registry pairs with at least this evidence weight (match weight without the prior) are kept
in ``registration_pairs`` whatever the prior: a second registration under a variant spelling of
the name, born the same day, has evidence ~17 but a match weight below 0 in a region of 200,000
persons, and the prior only falls as the region grows."""
REGISTRATION_PAIRS_SQL = REGISTRATION_PAIRS_SQL.replace(
    "@EVIDENCE_FLOOR@", str(REGISTRATION_EVIDENCE_FLOOR)
)

ANCHOR_SQL = """
WITH e AS (
  SELECT e.unique_id_l, e.unique_id_r, e.match_weight,
         CASE WHEN j.decision = 'same' THEN 1e9 ELSE coalesce(e.match_weight, 1e9) END AS w,
         e.unique_id_l LIKE 'persons:%' AS reg_l, e.unique_id_r LIKE 'persons:%' AS reg_r
  FROM {links} e
  LEFT JOIN {judged} j ON j.unique_id_l = e.unique_id_l AND j.unique_id_r = e.unique_id_r
),
towards AS (
  SELECT unique_id_l AS m, unique_id_r AS reg, w FROM e WHERE reg_r AND NOT reg_l
  UNION ALL
  SELECT unique_id_r, unique_id_l, w FROM e WHERE reg_l AND NOT reg_r
),
anchor AS (
  SELECT m, reg FROM (
    SELECT m, reg, row_number() OVER (PARTITION BY m ORDER BY w DESC, reg) AS rn FROM towards
  ) t WHERE rn = 1
),
loose AS (
  SELECT unique_id_l AS u, unique_id_r AS v, w FROM e WHERE NOT reg_l AND NOT reg_r
  UNION ALL
  SELECT unique_id_r, unique_id_l, w FROM e WHERE NOT reg_l AND NOT reg_r
),
attach AS (
  SELECT u, v FROM (
    SELECT l.u, l.v, row_number() OVER (PARTITION BY l.u ORDER BY l.w DESC, l.v) AS rn
    FROM loose l JOIN anchor a ON a.m = l.v LEFT JOIN anchor b ON b.m = l.u
    WHERE b.m IS NULL
  ) t WHERE rn = 1
),
kept AS (
  SELECT unique_id_l, unique_id_r FROM e WHERE reg_l AND reg_r
  UNION
  SELECT least(m, reg), greatest(m, reg) FROM anchor
  UNION
  SELECT least(u, v), greatest(u, v) FROM attach
  UNION
  SELECT l.u, l.v FROM loose l
  LEFT JOIN anchor a ON a.m = l.u LEFT JOIN anchor b ON b.m = l.v
  WHERE a.m IS NULL AND b.m IS NULL AND l.u < l.v
)
SELECT e.unique_id_l, e.unique_id_r, e.match_weight
FROM kept k JOIN e USING (unique_id_l, unique_id_r)
"""
"""The registry is the reference: a mention that links to registry entries keeps only its edge
to the best of them (a reviewer's "same" first, then the highest match weight); a mention that
links to no registry entry keeps its edges to other such mentions and its best edge to a
mention that has a registry entry. Connected components of all links chained namesakes: a
marriage record under one 那顺's ID also scored above the threshold against another 那顺 born
the same day in the same county, which joined two registry entries into one person (13 such
clusters at 200,000 persons, each a false clue of ``marriage.bigamy``). Placeholders: ``links``
(all links, ``unique_id_l < unique_id_r``, with the ``match_weight`` they were scored at),
``edges`` (the table written), ``judged`` (``unique_id_l, unique_id_r, decision``, as
:mod:`lexradar.linkage.judgements` registers it); the query's rows replace ``edges``."""


def anchor(engine: Engine, edges: str = "_lr_edges") -> int:
    """Rewrite ``edges`` (as :func:`lexradar.linkage.judgements.apply` made them) with
    :data:`ANCHOR_SQL`; returns the edges left."""
    engine.materialize("_lr_links", f"SELECT * FROM {edges}")
    engine.materialize(edges, ANCHOR_SQL.format(links="_lr_links", judged="_lr_judged"))
    return engine.count(edges)


Progress = Callable[[str], None]


START_TAG = re.compile(r" \[start ([0-9a-f]{12})\]$")
"""The tag :func:`floor_m` appends to each comparison's description in the saved model: a hash
of the comparison as this version defines it, start values included, so that :func:`stale`
can tell when start values changed. (Splink does not keep a custom comparison's description
through training, so the tag is put back on the saved model.)"""


def start_fingerprint(comparison: dict[str, Any]) -> str:
    """A hash of a comparison's definition: level conditions and starting m/u values."""
    text = json.dumps(comparison, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


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
    threshold_evidence: float = 0.0
    prior_weight: float = 0.0
    otsu_weight: float = 0.0
    clusters: int = 0
    linked_pairs: int = 0
    review_pairs: int = 0
    band_pairs: int = 0
    judgements_applied: int = 0
    trained: bool = False
    incremental: bool = False
    full_reason: str = ""
    new_batches: int = 0
    new_mentions: int = 0
    new_pairs: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def mode(self) -> str:
        """One line: incremental (what it scored) or full (and why)."""
        if self.incremental:
            return (
                f"incremental: {self.new_mentions:,} new mentions from {self.new_batches} new "
                f"batch(es), {self.new_pairs:,} new candidate pairs scored"
            )
        return f"full run: {self.full_reason or 'every mention scored'}"


def weight_to_probability(weight: float) -> float:
    odds: float = 2.0 ** (-weight)
    return 1.0 / (1.0 + odds)


def otsu(engine: Engine, table: str, column: str = "match_weight", bin_width: float = 0.5) -> float:
    """Otsu's threshold over a histogram of match weights: the cut that best separates the
    candidate pairs into two groups (least within-group variance).

    The weights of blocked pairs are bimodal (non-matches that share a block, and matches).
    Unlike a fixed match probability, the valley between the modes does not move with the size
    of the table, which changes the prior and so every probability.
    Known limit: at 1,500,000 persons non-matches outnumber matches ~10:1 among candidate pairs
    and the cut slid to 0.5 (precision 0.946); weighing bins by log counts did not move it.
    """
    rows = engine.rows(
        f"SELECT floor({column} / {bin_width}) AS b, count(*) FROM {table} GROUP BY 1 ORDER BY 1"
    )
    return otsu_cut([(float(b), float(n)) for b, n in rows if b is not None], bin_width)


def otsu_cut(rows: Any, bin_width: float = 0.5) -> float:
    """:func:`otsu` over a histogram given as ``(bin, count)`` rows in bin order (an incremental
    run adds the new pairs' histogram to the last run's)."""
    rows = [(b, n) for b, n in rows]
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


EVIDENCE_THRESHOLD = 22.0
"""The default link threshold on the *evidence weight* (match weight without the prior): the
records must be at least 2^22 times likelier under "one person" than under "two persons". The
prior falls as the region grows (2^-18.0 at 200,000 persons, 2^-20.9 at 1,500,000), and every
match weight and probability with it; the evidence of a pair does not move. Chosen on the
synthetic truth at 200,000 persons, where pairwise F1 is flat (0.9997) for evidence 22-27
(match weight 4-9) once each mention keeps only its best registry link (:data:`ANCHOR_SQL`);
the low end keeps a mistyped birth digit under a common name (乌兰, evidence 25.7)."""


def calibrate(
    engine: Engine,
    table: str,
    judged: list[judgements.Judgement],
    prior_weight: float | None = None,
    evidence: float = EVIDENCE_THRESHOLD,
) -> tuple[float, str]:
    """The match-weight threshold and how it was chosen.

    1. With at least 20 judged pairs of each kind among the scored pairs: the weight that best
       separates them (best F1 on the judgements).
    2. Otherwise, given the model's prior as a weight (``log2(p / (1 - p))``): the weight at
       which the evidence reaches ``evidence`` (:data:`EVIDENCE_THRESHOLD`), i.e.
       ``evidence + prior_weight``.
    3. Without a prior: Otsu's cut of the match-weight histogram (:func:`otsu`).
    """
    scored = judgements.scored(engine, table, judged)
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
    if prior_weight is not None:
        return evidence + prior_weight, (
            f"evidence weight {evidence:g} (Bayes factor 2^{evidence:g}) + prior {prior_weight:.2f}"
        )
    return otsu(engine, table), "Otsu cut of the match-weight histogram"


def prior_weight(linker: Any) -> float:
    """The model's prior as a match weight: ``log2(p / (1 - p))``."""
    prior = float(linker._settings_obj._probability_two_random_records_match)
    return math.log2(prior / (1 - prior))


def in_dialect(engine: Engine, model: dict[str, Any]) -> dict[str, Any]:
    """Splink settings (or a saved model) with every SQL condition and blocking rule in the
    engine's dialect; everything else (m, u, labels, order) as it is. Models are saved in
    DuckDB's dialect, so one trained on either engine scores on the other."""
    if engine.dialect == "duckdb":
        return model
    out: dict[str, Any] = json.loads(json.dumps(model))
    for comparison in out["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level["sql_condition"] != "ELSE":
                level["sql_condition"] = engine.translate(level["sql_condition"])
    rules = out.get("blocking_rules_to_generate_predictions", [])
    for i, rule in enumerate(rules):
        if isinstance(rule, str):
            rules[i] = engine.translate(rule)
        else:
            rule["blocking_rule"] = engine.translate(rule["blocking_rule"])
            rule.pop("sql_dialect", None)
    out.pop("sql_dialect", None)
    return out


def as_authored(trained: dict[str, Any], template: dict[str, Any]) -> dict[str, Any]:
    """A trained model in DuckDB's dialect: ``template``'s SQL (the settings it was trained
    from) with ``trained``'s probabilities, level by level."""
    out: dict[str, Any] = json.loads(json.dumps(trained))
    for comparison, original in zip(out["comparisons"], template["comparisons"], strict=True):
        levels = comparison["comparison_levels"]
        for level, source in zip(levels, original["comparison_levels"], strict=True):
            level["sql_condition"] = source["sql_condition"]
    out["blocking_rules_to_generate_predictions"] = json.loads(
        json.dumps(template["blocking_rules_to_generate_predictions"])
    )
    out.pop("sql_dialect", None)
    return out


def _linker(engine: Engine, model: dict[str, Any], table: str = "mentions") -> Any:
    from splink import Linker

    db_api = engine.splink_api()
    # Splink sets its logger's level to the one given: WARNING, unless a caller (the demo)
    # has asked for less, which a fixed level would undo.
    level = max(logging.getLogger("splink").getEffectiveLevel(), logging.WARNING)
    return Linker(db_api.register(table), in_dialect(engine, model), log_level=level)


def train(
    engine: Engine,
    max_pairs: float | None = None,
    seed: int = 1,
    max_iterations: int | None = None,
) -> Any:
    """A trained linker on the ``mentions`` table of ``engine``; u from ``max_pairs`` random
    pairs (default :func:`lexradar.linkage.blocking.u_max_pairs` of the mentions, in chunks of a
    million pairs: :func:`lexradar.linkage.blocking.u_chunks`); ``max_iterations`` caps each EM
    pass (Splink's default is 25)."""
    base = settings()
    if max_iterations is not None:
        base["max_iterations"] = max_iterations
    linker = _linker(engine, base)
    linker.training.estimate_probability_two_random_records_match(
        [engine.translate(r) for r in blocking.DETERMINISTIC_RULES], recall=0.95
    )
    if max_pairs is None:
        max_pairs = blocking.u_max_pairs(engine.count("mentions"))
    linker.training.estimate_u_using_random_sampling(
        max_pairs=max_pairs, seed=seed, num_chunks=blocking.u_chunks(max_pairs)
    )
    for rule in blocking.TRAINING_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(
            engine.translate(rule), estimate_without_term_frequencies=True
        )
    return linker


def stale(model: dict[str, Any]) -> bool:
    """Whether a saved model's comparisons or blocking rules differ from this version's (then
    it is trained again: its weights belong to other levels, or were estimated from other
    starting values). Level conditions and rules are compared directly; starting m/u values
    through the tag :func:`floor_m` puts in each description (a model saved without the tags
    is stale)."""

    def levels(comparisons: list[dict[str, Any]]) -> list[list[str]]:
        return [[lv["sql_condition"] for lv in c["comparison_levels"]] for c in comparisons]

    def tags(comparisons: list[dict[str, Any]]) -> list[str | None]:
        found = [START_TAG.search(c.get("comparison_description") or "") for c in comparisons]
        return [m.group(1) if m else None for m in found]

    saved = model.get("comparisons", [])
    current = person_comparisons()
    rules = [r.get("blocking_rule", r) if isinstance(r, dict) else r
             for r in model.get("blocking_rules_to_generate_predictions", [])]  # fmt: skip
    return (
        levels(saved) != levels(current)
        or tags(saved) != [start_fingerprint(c) for c in current]
        or rules != list(blocking.BLOCKING_RULES.values())
    )


def floor_m(model: dict[str, Any], floor: float = M_FLOOR) -> dict[str, Any]:
    """The model with every non-null level's m probability at least ``floor`` (known error
    modes at least :data:`ERROR_MODE_FLOOR`), the two-registrations ID level neutral, and each
    comparison's description tagged with the fingerprint of its start values
    (:data:`START_TAG`). Every freshly trained model passes through here before it is saved."""
    current = {c["output_column_name"]: c for c in person_comparisons()}
    for comparison in model["comparisons"]:
        out = comparison["output_column_name"]
        if out in current:
            desc = current[out].get("comparison_description") or out
            tag = start_fingerprint(current[out])
            comparison["comparison_description"] = f"{desc} [start {tag}]"
        for level in comparison["comparison_levels"]:
            m = level.get("m_probability")
            low = ERROR_MODE_FLOOR if (out, level.get("label_for_charts")) in ERROR_MODES else floor
            if not level.get("is_null_level") and m is not None and m < low:
                level["m_probability"] = low
            if level.get("label_for_charts") == TWO_REGISTRATIONS and level.get("u_probability"):
                level["m_probability"] = level["u_probability"]
    return model


def resolve(
    lake: Path | str | Engine,
    threshold: float | None = None,
    retrain: bool = False,
    review_band: float = 6.0,
    progress: Progress | None = None,
    full: bool = False,
    *,
    engine: str = "duckdb",
    max_pairs: float | None = None,
    max_iterations: int | None = None,
    **options: object,
) -> Result:
    """Resolve the lake's mentions to person keys; see the module docstring.

    ``lake`` is a lake folder (or URI), opened on ``engine`` (``duckdb`` or ``spark``, with
    ``options`` as :func:`lexradar.engine.open_engine` takes them), or an open engine, which is
    left open with its derived views showing the new keys. The steps, files and figures are the
    same on every engine.

    ``threshold`` is a match probability; when absent it is calibrated. Pairs whose weight lies
    within ``review_band`` of the threshold go to the review list. When the last run left its
    record and only batches were added since, only the new mentions are scored
    (:mod:`lexradar.linkage.incremental`); ``full`` scores everything whatever the record says.
    ``max_pairs`` is the sample for u; ``max_iterations`` caps each EM pass.
    """
    say = progress or (lambda _msg: None)
    own = not isinstance(lake, Engine)
    backend = lake if isinstance(lake, Engine) else open_engine(lake, engine, **options)
    forced = "asked for (--full)" if full else ""
    run = Run(backend, threshold, retrain, review_band, say, max_pairs, max_iterations)
    try:
        try:
            return run.go(forced)
        except incremental.NeedsFull as why:
            say(f"full run: {why}")
            backend.cleanup()
            return run.go(str(why))
    finally:
        backend.cleanup()
        if own:
            backend.close()
        else:
            backend.open_views()


@dataclass
class Run:
    """One resolution of an engine's lake (:func:`resolve`)."""

    engine: Engine
    threshold: float | None
    retrain: bool
    review_band: float
    say: Progress
    max_pairs: float | None = None
    max_iterations: int | None = None

    def go(self, forced: str) -> Result:
        engine, say = self.engine, self.say
        out = engine.path(LINKAGE_DIR)
        local = not engine.remote
        engine.makedirs(out)
        result = Result()
        clock = time.perf_counter()

        def lap(name: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            result.seconds[name] = round(now - clock, 2)
            clock = now

        retrain = self.retrain
        review_band = self.review_band
        model_path = f"{out}/{MODEL_FILE}"
        model_text = engine.read_text(model_path)
        if model_text is not None and not retrain and stale(json.loads(model_text)):
            say("the saved model has other comparisons than this version: training again")
            retrain = True
        if model_text is None:
            forced = forced or "no trained model yet"
        elif retrain:
            forced = forced or "the model is trained again"
        judged = judgements.load(engine.lake.path) if local else []
        threshold = self.threshold
        given = None if threshold is None else math.log2(threshold / (1 - threshold))
        # the batches this run covers: read once, before any mention is gathered
        batches = incremental.batch_rows(engine)
        plan = incremental.plan(
            out,
            engine,
            run_file=RUN_FILE,
            keys_file=KEYS_FILE,
            model_text=model_text,
            judged=judged,
            threshold_given=given,
            review_band=review_band,
            batches=batches,
            forced=forced,
        )
        result.incremental = plan.incremental
        if plan.incremental:
            assert plan.previous is not None and model_text is not None
            previous = plan.previous
            result.new_batches = plan.batch_count()
            say(f"incremental: gathering the mentions of {result.new_batches} new batch(es)")
            engine.materialize(
                "_lr_previous_keys", "SELECT unique_id, person_key FROM _lr_old_keys"
            )
            result.new_mentions = incremental.new_mentions(
                engine, plan.new_batches, previous.batches
            )
            result.mentions = engine.count("mentions")
            if result.mentions > incremental.GROWTH_FOR_FULL * previous.full_run_mentions:
                raise incremental.NeedsFull(
                    f"{result.mentions:,} mentions, more than {incremental.GROWTH_FOR_FULL:g} × "
                    f"the {previous.full_run_mentions:,} of the last full run"
                )
            lap("mentions")
            model = json.loads(model_text)
            table = _scope(engine, model) if result.new_mentions else "mentions"
            linker = _linker(engine, incremental.new_pair_settings(model), table)
            if table != "mentions":
                # term frequencies of all mentions, not only of those in scope
                for column in incremental.tf_columns(model):
                    engine.materialize(f"_lr_tf_{column}", incremental.tf_table_sql(column))
                    linker.table_management.register_term_frequency_lookup(
                        linker._db_api.register(f"_lr_tf_{column}"), column
                    )
            lap("train")
            scope = (
                f" ({engine.count(table):,} mentions share a blocking key with them)"
                if table != "mentions"
                else ""
            )
            say(f"scoring the candidate pairs of {result.new_mentions:,} new mentions{scope}")
            if result.new_mentions:
                source = linker.inference.predict().physical_name
            else:
                source = "_lr_old_pairs WHERE FALSE"
            engine.materialize(
                "_lr_new_pairs",
                f"SELECT unique_id_l, unique_id_r, match_weight, match_probability FROM {source}",
            )
            result.new_pairs = engine.count("_lr_new_pairs")
            engine.materialize(
                "_lr_pairs",
                "SELECT unique_id_l, unique_id_r, match_weight, match_probability "
                "FROM _lr_old_pairs UNION ALL "
                "SELECT unique_id_l, unique_id_r, match_weight, match_probability "
                "FROM _lr_new_pairs",
            )
            result.candidate_pairs = previous.candidate_pairs + result.new_pairs
            hist = incremental.merge_histograms(
                previous.histogram, incremental.histogram(engine, "_lr_new_pairs")
            )
            lap("predict")
        else:
            result.full_reason = plan.reason
            say(f"full run: {plan.reason}; gathering person mentions")
            result.mentions = mentions.build(engine)
            result.new_mentions = result.mentions
            lap("mentions")
            if model_text is not None and not retrain:
                say("loading the trained model")
                linker = _linker(engine, json.loads(model_text))
            else:
                say("training (u by random sampling, m by EM)")
                trained = train(engine, self.max_pairs, max_iterations=self.max_iterations)
                model = floor_m(as_authored(trained.misc.save_model_to_json(), settings()))
                model_text = json.dumps(model, ensure_ascii=False, indent=1)
                engine.write_text(model_path, model_text)
                linker = _linker(engine, model)
                result.trained = True
            lap("train")
            say("scoring candidate pairs")
            predictions = linker.inference.predict()
            engine.materialize(
                "_lr_pairs",
                "SELECT unique_id_l, unique_id_r, match_weight, match_probability "
                f"FROM {predictions.physical_name}",
            )
            result.candidate_pairs = engine.count("_lr_pairs")
            result.new_pairs = result.candidate_pairs
            hist = incremental.histogram(engine, "_lr_pairs")
            lap("predict")
        prior = prior_weight(linker)
        weight = choose_threshold(engine, result, judged, prior, given, otsu_cut(hist))
        if (
            plan.incremental
            and plan.previous
            and abs(weight - plan.previous.threshold_weight) > 1e-9
        ):
            raise incremental.NeedsFull(
                f"the calibrated threshold moved from {plan.previous.threshold_weight:.3f} to "
                f"{weight:.3f}"
            )
        say(f"clustering at match weight {weight:.2f} ({result.threshold_method})")
        # from here on the files change: the record of the last run no longer describes them
        engine.remove(f"{out}/{RUN_FILE}")
        key_sql = (
            incremental.STABLE_KEY_SQL.replace("{previous}", "_lr_previous_keys")
            if plan.incremental
            else KEY_SQL
        )
        lo = link_cluster_and_list(
            engine, linker, result, judged, weight, prior, review_band, out, key_sql
        )
        lap("cluster")
        kept = incremental.keep_pairs_sql(
            "_lr_pairs", lo, REGISTRY_PAIR, prior, REGISTRATION_EVIDENCE_FLOOR
        )
        pairs_path = f"{out}/{incremental.PAIRS_FILE}"
        engine.write_parquet(kept, pairs_path)
        for column in incremental.tf_columns(json.loads(model_text)):
            # term frequencies as scoring saw them, for explaining a pair without a scan
            engine.write_parquet(
                f"{incremental.tf_table_sql(column)} ORDER BY {column}",
                f"{out}/tf_{column}.parquet",
            )
        if not plan.incremental or result.new_mentions:
            columns = ", ".join(c for c in engine.columns("mentions") if c != incremental.NEW)
            engine.write_parquet(
                f"SELECT {columns} FROM mentions ORDER BY unique_id",  # lookups skip row groups
                f"{out}/{incremental.MENTIONS_FILE}",
                mentions.LOOKUP_ROW_GROUP,
            )
        if plan.incremental and plan.previous is not None:
            # the batches of the last run and the new ones read here, not any that arrived since
            for dataset, names in plan.new_batches.items():
                covered_now = plan.previous.batches.setdefault(dataset, {})
                covered_now.update({b: batches[dataset][b] for b in names})
            batches = plan.previous.batches
        engine.view_of_parquet("_lr_kept_pairs", pairs_path)
        covered = incremental.Coverage(
            batches=batches,
            model=incremental.sha(model_text),
            mentions_sql=incremental.mentions_fingerprint(),
            threshold_weight=weight,
            threshold_given=given,
            review_band=review_band,
            judged=incremental.judged_rows(judged),
            histogram=hist,
            candidate_pairs=result.candidate_pairs,
            mentions=result.mentions,
            full_run_mentions=(
                plan.previous.full_run_mentions
                if plan.incremental and plan.previous is not None
                else result.mentions
            ),
            kept_pairs=engine.count("_lr_kept_pairs"),
        )
        lap("save")
        engine.write_text(
            f"{out}/{RUN_FILE}",
            json.dumps(
                result.as_dict()
                | {"engine": engine.name, incremental.STATE_KEY: covered.as_dict()},
                ensure_ascii=False,
                indent=2,
            ),
        )
        return result


def choose_threshold(
    engine: Engine,
    result: Result,
    judged: list[judgements.Judgement],
    prior: float,
    given: float | None,
    otsu_weight: float,
) -> float:
    """The link threshold as a match weight — ``given``, else :func:`calibrate` on the scored
    pairs ``_lr_pairs`` — written into ``result`` with how it was chosen."""
    result.prior_weight = round(prior, 3)
    result.otsu_weight = otsu_weight
    if given is None:
        weight, method = calibrate(engine, "_lr_pairs", judged, prior)
    else:
        weight, method = given, "given"
    result.threshold_weight = round(weight, 3)
    result.threshold_probability = weight_to_probability(weight)
    result.threshold_method = method
    result.threshold_evidence = round(weight - prior, 3)
    return weight


REVIEW_LIMIT = 2000
"""At most this many pairs in the review list: what a reviewer can judge in a few days."""

REVIEW_SQL = """
SELECT p.unique_id_l, p.unique_id_r, p.match_weight, p.match_probability,
       CASE WHEN kl.person_key <> kr.person_key THEN 'merge' ELSE 'split' END AS decides
FROM _lr_pairs p
JOIN _lr_keys kl ON kl.unique_id = p.unique_id_l
JOIN _lr_keys kr ON kr.unique_id = p.unique_id_r
LEFT JOIN _lr_edges e
  ON e.unique_id_l = least(p.unique_id_l, p.unique_id_r)
 AND e.unique_id_r = greatest(p.unique_id_l, p.unique_id_r)
WHERE p.match_weight BETWEEN {lo} AND {hi}
  AND (kl.person_key <> kr.person_key OR e.unique_id_l IS NOT NULL)
ORDER BY
  -- a record against a registry entry: whose record it is moves clues (bigamy, benefits after
  -- death); then two registry entries (double registration); then the rest
  CASE WHEN (p.unique_id_l LIKE 'persons:%') <> (p.unique_id_r LIKE 'persons:%') THEN 0
       WHEN {registry} THEN 1 ELSE 2 END,
  abs(p.match_weight - {weight}), p.unique_id_l, p.unique_id_r
LIMIT {limit}
"""
"""The review list: the scored pairs of the review band whose judgement changes who is who —
two mentions now of two persons (a "same" merges them) or a direct link now holding one person
together (a "different" may split it). A pair of mentions that other links already join, with
no edge of its own, is left out: no judgement on it moves a key. Ranked by what the decision
moves (see the ORDER BY), then by closeness to the threshold, and capped at
:data:`REVIEW_LIMIT`; ``Result.band_pairs`` counts the whole band."""


def link_cluster_and_list(
    engine: Engine,
    linker: Any,
    result: Result,
    judged: list[judgements.Judgement],
    weight: float,
    prior: float,
    review_band: float,
    out: str,
    key_sql: str,
) -> float:
    """The steps after scoring: the links at ``weight`` with the judgements applied, anchored
    to the registry (:data:`ANCHOR_SQL`), clustered and keyed by ``key_sql`` into the person
    keys; the pairs of the review band and ``registration_pairs`` written under ``out``.
    Returns the review band's lower bound."""
    result.judgements_applied = judgements.apply(
        engine, "_lr_pairs", judged, "_lr_edges", weight, automatic=f"NOT ({REGISTRY_PAIR})"
    )
    result.linked_pairs = anchor(engine)
    _cluster(engine, linker, key_sql)
    engine.write_parquet(
        "SELECT * FROM _lr_keys ORDER BY unique_id", f"{out}/{KEYS_FILE}", mentions.LOOKUP_ROW_GROUP
    )
    mentions.write_person_index(engine, out)  # a person's mentions and links, by one lookup
    result.clusters = engine.count("(SELECT DISTINCT person_key FROM _lr_keys) AS k")
    lo, hi = weight - review_band, weight + review_band
    band = f"_lr_pairs WHERE match_weight BETWEEN {lo} AND {hi}"
    result.band_pairs = engine.count(band)
    listed = REVIEW_SQL.format(
        lo=lo,
        hi=hi,
        weight=weight,
        registry=REGISTRY_PAIR.replace("unique_id_", "p.unique_id_"),
        limit=REVIEW_LIMIT,
    )
    engine.write_parquet(listed, f"{out}/{REVIEW_FILE}")
    engine.view_of_parquet("_lr_review", f"{out}/{REVIEW_FILE}")
    result.review_pairs = engine.count("_lr_review")
    engine.write_parquet(
        REGISTRATION_PAIRS_SQL.format(prior=prior, floor=lo, registry=REGISTRY_PAIR),
        f"{out}/{REGISTRATION_PAIRS_FILE}",
    )
    return lo


def _scope(engine: Engine, model: dict[str, Any]) -> str:
    """The table to score an incremental run on: the mentions that share the key of a
    blocking rule with a new mention (:func:`lexradar.linkage.incremental.scope_sql`), or all
    mentions when a rule is not an equi-join."""
    sql = incremental.scope_sql(incremental.rules_of(model))
    if sql is None:
        return "mentions"
    engine.materialize("_lr_scope", f"SELECT * FROM mentions WHERE unique_id IN ({sql})")
    return "_lr_scope"


KEY_SQL = """
WITH c AS (SELECT unique_id, cluster_id FROM {clusters}),
k AS (
  SELECT c.cluster_id,
         coalesce(min(m.id18) FILTER (WHERE m.dataset = 'persons' AND m.status = 'active'),
                  min(m.id18) FILTER (WHERE m.dataset = 'persons')) AS registry_key,
         min(m.id18) FILTER (WHERE m.id_valid) AS id_key,
         'U' || substr(md5(min(m.unique_id)), 1, 17) AS hash_key,
         count(*) AS cluster_size
  FROM c JOIN mentions m USING (unique_id) GROUP BY c.cluster_id
),
taken AS (SELECT DISTINCT registry_key FROM k WHERE registry_key IS NOT NULL),
keyed AS (
  SELECT k.cluster_id, k.cluster_size,
         coalesce(k.registry_key,
                  CASE WHEN t.registry_key IS NULL THEN k.id_key END,
                  k.hash_key) AS person_key
  FROM k LEFT JOIN taken t ON t.registry_key = k.id_key
)
SELECT m.unique_id, m.dataset, m.record_id, m.role, m.recorded_id, m.name,
       k.person_key, k.cluster_size
FROM mentions m JOIN c USING (unique_id) JOIN keyed k USING (cluster_id)
ORDER BY m.unique_id
"""
"""A cluster's ``person_key``: its active registry ID (the smallest, for a double registration
linked by a reviewer), else any registry ID; a cluster without a registry entry takes the
smallest valid ID among its mentions unless a registry cluster holds that ID, else ``U`` and a
stable hash of its first mention. So a key is a resident ID whenever one can stand for the
person, like the fallback key of an unresolved lake (:mod:`lexradar.datasets.derived`)."""


def _cluster(engine: Engine, linker: Any, key_sql: str = KEY_SQL) -> None:
    """Connected components of ``_lr_edges`` by Splink, keyed by ``key_sql`` (:data:`KEY_SQL`,
    or :data:`lexradar.linkage.incremental.STABLE_KEY_SQL` in an incremental run) into the
    table ``_lr_keys``."""
    from splink.clustering import cluster_pairwise_predictions_at_threshold

    db_api = linker._db_api
    nodes = db_api.register("mentions", table_name="_lr_nodes")
    edges = db_api.register("_lr_edges", table_name="_lr_edge_input")
    cc = cluster_pairwise_predictions_at_threshold(
        nodes, edges, db_api=db_api, node_id_column_name="unique_id"
    )
    engine.materialize("_lr_keys", key_sql.replace("{clusters}", cc.physical_name))
