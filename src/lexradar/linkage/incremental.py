"""Incremental resolution: next month's batches against the clusters of the last run.

A run of :func:`lexradar.linkage.resolve.resolve` leaves in ``lake/_linkage/``, besides the keys,
what the next run needs to score only what is new:

- ``mentions.parquet``: every mention of the run, with the columns the comparisons read;
- ``pairs.parquet``: the scored pairs that can still matter — at or above the bottom of the
  review band, judged by a reviewer, or registry pairs kept for ``registration_pairs``
  (:func:`keep_pairs_sql`); the pairs far below the threshold are dropped;
- ``run.json`` → ``covered`` (:class:`Coverage`): the rows per dataset and batch the run read,
  a hash of the model, of the way mentions are built, the threshold, the review band, the
  judgements in force and the histogram of match weights (for Otsu's cut).

The next run (:func:`plan`) is incremental when all of that still holds and only batches were
added: it builds the mentions of the new batches (:func:`new_mentions`), scores the candidate
pairs with at least one new mention (the same blocking rules, each with
``AND (l._lr_new OR r._lr_new)``, over the mentions that share a blocking key with a new one,
:func:`scope_sql`; the same model; term frequencies over all mentions, :func:`tf_table_sql`),
adds them to the kept pairs and then links, anchors and clusters everything as a full run does.
Existing keys stay (:data:`STABLE_KEY_SQL`). Anything else — a batch replaced or removed, a model
trained again or changed, another threshold or review band, a judgement on two old mentions,
mentions built by other code, a region grown past :data:`GROWTH_FOR_FULL` — makes a full run,
and the progress messages and ``Result.full_reason`` say why.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from lexradar.linkage import judgements, mentions

if TYPE_CHECKING:
    from lexradar.engine.base import Engine

STATE_KEY = "covered"
"""The key of ``run.json`` that records what a run covered."""
MENTIONS_FILE = mentions.SAVED
PAIRS_FILE = "pairs.parquet"
NEW = "_lr_new"
"""The column of ``mentions`` that marks the mentions of new batches during an incremental run."""


GROWTH_FOR_FULL = 1.25
"""An incremental run that would take the mentions past this multiple of the last full run's
makes a full run instead. Pairs of earlier mentions keep the weights of the run that scored
them, while the term frequencies of names drift as the region grows (at 20,000 persons, 5 %
more mentions moved the weights of earlier pairs by 0.07 at the median, 0.93 at most); a full
run now and then scores them afresh."""


class NeedsFull(Exception):
    """Raised when an incremental run finds, midway, that only a full run gives the right
    answer (the calibrated threshold moved)."""


@dataclass
class Coverage:
    """What a run covered, for the next run to decide whether it can build on it."""

    batches: dict[str, dict[str, int]]
    model: str
    mentions_sql: str
    threshold_weight: float
    threshold_given: float | None
    review_band: float
    judged: list[list[str]]
    histogram: list[list[float]]
    candidate_pairs: int
    mentions: int
    kept_pairs: int
    full_run_mentions: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Coverage | None:
        """The record, or None when it lacks a field (written by another version)."""
        if not all(k in data for k in cls.__dataclass_fields__):
            return None
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


@dataclass
class Plan:
    """Whether this run is incremental, and why not when it is not."""

    incremental: bool
    reason: str = ""
    new_batches: dict[str, list[str]] = field(default_factory=dict)
    previous: Coverage | None = None

    def batch_count(self) -> int:
        return sum(len(v) for v in self.new_batches.values())


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def mentions_fingerprint() -> str:
    """A hash of the SQL that builds mentions: stored mentions built by other SQL are not
    comparable with new ones."""
    return sha(
        "\n".join((mentions.raw_mentions_sql(), mentions.MENTIONS_SQL, *mentions.RAW_COLUMNS))
    )


def batch_rows(engine: Engine) -> dict[str, dict[str, int]]:
    """Rows per batch of every dataset, as the engine's views show them."""
    from lexradar.datasets.contract_model import CONTRACT

    out: dict[str, dict[str, int]] = {}
    for name in CONTRACT:
        rows = engine.rows(
            f"SELECT coalesce(batch_id, ''), count(*) FROM {name} GROUP BY 1", f"batches of {name}"
        )
        if rows:
            out[name] = {str(b): int(n) for b, n in rows}
    return out


def judged_rows(judged: list[judgements.Judgement]) -> list[list[str]]:
    return sorted([*j.key(), j.decision] for j in judged)


def load(engine: Engine, out: str, run_file: str) -> Coverage | None:
    text = engine.read_text(f"{out}/{run_file}")
    if text is None:
        return None
    data = json.loads(text).get(STATE_KEY)
    return Coverage.from_dict(data) if isinstance(data, dict) else None


def _changed_batches(
    before: dict[str, dict[str, int]], now: dict[str, dict[str, int]]
) -> tuple[str, dict[str, list[str]]]:
    """(why a full run is needed or "", the new batches per dataset)."""
    for dataset, batches in before.items():
        for batch, rows in batches.items():
            have = now.get(dataset, {}).get(batch)
            if have is None:
                return (
                    f"batch {batch} of {dataset} is no longer in the lake (replaced or removed)",
                    {},
                )
            if have != rows:
                return f"batch {batch} of {dataset} has {have:,} rows, {rows:,} at the last run", {}
    new = {
        dataset: sorted(b for b in batches if b not in before.get(dataset, {}))
        for dataset, batches in now.items()
    }
    return "", {d: b for d, b in new.items() if b}


def _old_pairs_judged(
    engine: Engine, before: list[list[str]], now: list[list[str]]
) -> list[tuple[str, str]]:
    """Judged pairs added, changed or withdrawn since the last run whose two mentions both
    existed then (their scores are kept only near the threshold, and their edges may have
    shaped old clusters: a full run settles them)."""
    changed = {tuple(r) for r in before} ^ {tuple(r) for r in now}
    pairs = sorted({(r[0], r[1]) for r in changed})
    if not pairs:
        return []
    ids = sorted({u for p in pairs for u in p})
    engine.register("_lr_judged_ids", _strings("unique_id", ids))
    old = {
        r[0]
        for r in engine.rows(
            "SELECT unique_id FROM _lr_old_mentions JOIN _lr_judged_ids USING (unique_id)"
        )
    }
    return [p for p in pairs if p[0] in old and p[1] in old]


def _strings(column: str, values: list[str]) -> Any:
    import pyarrow as pa

    return pa.table({column: pa.array(values, pa.string())})


def plan(
    out: str,
    engine: Engine,
    *,
    run_file: str,
    keys_file: str,
    model_text: str | None,
    judged: list[judgements.Judgement],
    threshold_given: float | None,
    review_band: float,
    batches: dict[str, dict[str, int]],
    forced: str = "",
) -> Plan:
    """Decide whether this run can build on the last one (see the module docstring).
    ``batches`` are the lake's rows per dataset and batch now (:func:`batch_rows`). The last
    run's files are the views ``_lr_old_mentions``, ``_lr_old_pairs`` and ``_lr_old_keys``
    afterwards."""
    if forced:
        return Plan(False, forced)
    previous = load(engine, out, run_file)
    if previous is None:
        return Plan(False, "no earlier run to build on")
    files = {
        "_lr_old_mentions": MENTIONS_FILE,
        "_lr_old_pairs": PAIRS_FILE,
        "_lr_old_keys": keys_file,
    }
    if not all(engine.view_of_parquet(v, f"{out}/{f}") is not None for v, f in files.items()):
        return Plan(False, "files of the earlier run are missing")
    if model_text is None or sha(model_text) != previous.model:
        return Plan(False, "the model changed since the last run")
    if previous.mentions_sql != mentions_fingerprint():
        return Plan(False, "mentions are built differently by this version")
    if previous.review_band != review_band:
        return Plan(False, f"the review band changed ({previous.review_band:g} → {review_band:g})")
    if previous.threshold_given != threshold_given:
        return Plan(False, "the threshold is not the one of the last run")
    if (
        engine.count("_lr_old_mentions") != previous.mentions
        or engine.count("_lr_old_pairs") != previous.kept_pairs
    ):
        return Plan(False, "the files of the last run do not match its record")
    why, new = _changed_batches(previous.batches, batches)
    if why:
        return Plan(False, why)
    touched = _old_pairs_judged(engine, previous.judged, judged_rows(judged))
    if touched:
        a, b = touched[0]
        return Plan(
            False,
            f"{len(touched)} judgement(s) changed on pairs of earlier mentions ({a} / {b})",
        )
    return Plan(True, "", new, previous)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def new_mentions(
    engine: Engine,
    new: dict[str, list[str]],
    covered: dict[str, dict[str, int]],
) -> int:
    """Create ``mentions`` on ``engine``: the mentions of the last run (the view
    ``_lr_old_mentions``, see :func:`plan`) with ``_lr_new`` false, and those of the ``new``
    batches (per dataset) with ``_lr_new`` true. ``covered`` holds the batches the last run read.

    The new ones are built by :func:`lexradar.linkage.mentions.build` over views of the datasets
    that hold only the new batches. A payee (one mention per ID and name, see
    :mod:`lexradar.linkage.mentions`) already paid in an earlier batch is not new. Returns the
    number of new mentions.
    """
    payees = {s.dataset: s for s in mentions.SOURCES if s.per_payee}
    relations = {}
    for name in {s.dataset for s in mentions.SOURCES}:
        chosen = ", ".join(_quote(b) for b in new.get(name, [])) or "NULL"
        where = f"coalesce(d.batch_id, '') IN ({chosen})"
        earlier = ", ".join(_quote(b) for b in covered.get(name, {}))
        if name in payees and earlier:
            s = payees[name]
            where += (
                f" AND NOT EXISTS (SELECT 1 FROM {name} o "
                f"WHERE coalesce(o.batch_id, '') IN ({earlier}) "
                f"AND o.{s.id_col} IS NOT DISTINCT FROM d.{s.id_col} "
                f"AND o.{s.name_col} IS NOT DISTINCT FROM d.{s.name_col})"
            )
        relations[name] = f"_lr_batch_{name}"
        engine.create_view(relations[name], f"SELECT d.* FROM {name} AS d WHERE {where}")
    n = mentions.build(engine, mentions.raw_mentions_sql(relations=relations), into="_lr_fresh")
    columns = ", ".join(c for c in engine.columns("_lr_fresh"))
    engine.materialize(
        "mentions",
        f"SELECT {columns}, FALSE AS {NEW} FROM _lr_old_mentions "
        f"UNION ALL SELECT {columns}, TRUE AS {NEW} FROM _lr_fresh",
    )
    for name in [*relations.values(), "_lr_fresh"]:
        engine.drop(name)
    return n


def rules_of(model: dict[str, Any]) -> list[str]:
    """The model's blocking rules as SQL strings."""
    return [
        r.get("blocking_rule", r) if isinstance(r, dict) else r
        for r in model["blocking_rules_to_generate_predictions"]
    ]


def new_pair_settings(model: dict[str, Any]) -> dict[str, Any]:
    """The model with each blocking rule limited to pairs with at least one new mention.

    Splink drops a pair that an earlier rule produced with ``NOT (earlier rule)``; the added
    condition is the same on every rule, so for pairs with a new mention that is the same as
    in a full run."""
    settings: dict[str, Any] = json.loads(json.dumps(model))
    rules = rules_of(model)
    settings["blocking_rules_to_generate_predictions"] = [
        f"({rule}) AND (l.{NEW} OR r.{NEW})" for rule in rules
    ]
    return settings


def keep_pairs_sql(
    pairs: str, floor: float, registry: str, prior: float, evidence_floor: float
) -> str:
    """The scored pairs a later incremental run still needs: at or above ``floor`` (the bottom
    of the review band), judged (``_lr_judged``), or a registry pair with at least
    ``evidence_floor`` of evidence (kept in ``registration_pairs``)."""
    return (
        "SELECT unique_id_l, unique_id_r, match_weight, match_probability FROM ("
        "SELECT p.unique_id_l, p.unique_id_r, p.match_weight, p.match_probability, "
        f"j.decision AS judged FROM {pairs} p LEFT JOIN _lr_judged j "
        "ON j.unique_id_l = least(p.unique_id_l, p.unique_id_r) "
        "AND j.unique_id_r = greatest(p.unique_id_l, p.unique_id_r)) "
        f"WHERE match_weight >= {floor} OR judged IS NOT NULL "
        f"OR (({registry}) AND match_weight - {prior} >= {evidence_floor})"
    )


def histogram(engine: Engine, table: str, bin_width: float = 0.5) -> list[list[float]]:
    """Counts of match weights per bin (``floor(weight / bin_width)``), for Otsu's cut."""
    rows = engine.rows(
        f"SELECT floor(match_weight / {bin_width}) AS b, count(*) FROM {table} "
        "WHERE match_weight IS NOT NULL GROUP BY 1 ORDER BY 1",
        f"histogram of {table}",
    )
    return [[float(b), float(n)] for b, n in rows]


def merge_histograms(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    total: dict[float, float] = {}
    for bin_, n in [*a, *b]:
        total[bin_] = total.get(bin_, 0.0) + n
    return [[k, total[k]] for k in sorted(total)]


STABLE_KEY_SQL = """
WITH c AS (SELECT unique_id, cluster_id FROM {clusters}),
k AS (
  SELECT c.cluster_id,
         coalesce(min(m.id18) FILTER (WHERE m.dataset = 'persons' AND m.status = 'active'),
                  min(m.id18) FILTER (WHERE m.dataset = 'persons')) AS registry_key,
         min(m.id18) FILTER (WHERE m.id_valid) AS id_key,
         'U' || substr(md5(min(m.unique_id)), 1, 17) AS hash_key,
         count(*) AS cluster_size,
         count(DISTINCT o.person_key) AS previous_keys,
         min(o.person_key) AS previous_key
  FROM c JOIN mentions m USING (unique_id) LEFT JOIN {previous} o USING (unique_id)
  GROUP BY c.cluster_id
),
taken AS (SELECT DISTINCT registry_key FROM k WHERE registry_key IS NOT NULL),
holders AS (
  SELECT o.person_key, count(DISTINCT c.cluster_id) AS clusters
  FROM c JOIN {previous} o USING (unique_id) GROUP BY o.person_key
),
keyed AS (
  SELECT k.cluster_id, k.cluster_size,
         CASE WHEN k.previous_keys = 1 AND h.clusters = 1
                   AND coalesce(k.registry_key = k.previous_key, p.registry_key IS NULL)
              THEN k.previous_key
              ELSE coalesce(k.registry_key,
                            CASE WHEN t.registry_key IS NULL THEN k.id_key END,
                            k.hash_key) END AS person_key
  FROM k LEFT JOIN taken t ON t.registry_key = k.id_key
  LEFT JOIN taken p ON p.registry_key = k.previous_key
  LEFT JOIN holders h ON h.person_key = k.previous_key
)
SELECT m.unique_id, m.dataset, m.record_id, m.role, m.recorded_id, m.name,
       k.person_key, k.cluster_size
FROM mentions m JOIN c USING (unique_id) JOIN keyed k USING (cluster_id)
ORDER BY m.unique_id
"""
"""Keys of an incremental run: a cluster keeps the key its earlier mentions had when they all
had one key, no other cluster holds mentions of that key, and no registry entry says otherwise
(the cluster's registry ID is that key, or it has none and no other cluster is keyed by it as
a registry ID). Otherwise — clusters merged, a cluster split, a registry entry joined a cluster
keyed by another ID — :data:`lexradar.linkage.resolve.KEY_SQL`'s rule decides. ``previous``
holds ``unique_id, person_key`` of the last run."""


def _rule_keys(rule: str) -> list[exp.Expression] | None:
    """The key expressions of an equi-join rule (``l.a = r.a AND f(l.b) = f(r.b)``), written
    over the left record, or None when the rule is not such a conjunction."""
    tree = sqlglot.parse_one(rule, read="duckdb")
    conjuncts = list(tree.flatten()) if isinstance(tree, exp.And) else [tree]
    keys: list[exp.Expression] = []
    for c in conjuncts:
        if not isinstance(c, exp.EQ):
            return None
        sides = {}
        for side in (c.this, c.expression):
            tables = {col.table for col in side.find_all(exp.Column)}
            if len(tables) != 1:
                return None
            sides[tables.pop()] = side
        if set(sides) != {"l", "r"}:
            return None
        left, right = sides["l"].copy(), sides["r"].copy()
        for col in right.find_all(exp.Column):
            col.set("table", exp.to_identifier("l"))
        if left.sql() != right.sql():
            return None
        keys.append(left)
    return keys


def _over(key: exp.Expression, alias: str) -> str:
    out = key.copy()
    for col in out.find_all(exp.Column):
        col.set("table", exp.to_identifier(alias))
    return out.sql(dialect="duckdb")


def scope_sql(rules: list[str]) -> str | None:
    """SELECT of the ``unique_id`` of every mention that shares the key of some blocking rule
    with a new mention (new ones included): the only mentions a pair with a new mention can
    involve. None when a rule is not an equi-join (then every mention is in scope)."""
    parts = []
    for rule in rules:
        keys = _rule_keys(rule)
        if keys is None:
            return None
        new = ", ".join(f"{_over(k, 'n')} AS k{i}" for i, k in enumerate(keys))
        on = " AND ".join(f"{_over(k, 'm')} = s.k{i}" for i, k in enumerate(keys))
        parts.append(
            f"SELECT m.unique_id FROM mentions m SEMI JOIN "
            f"(SELECT DISTINCT {new} FROM mentions n WHERE n.{NEW}) s ON {on}"
        )
    return "\nUNION\n".join(parts)


def tf_columns(model: dict[str, Any]) -> list[str]:
    """The columns whose term frequencies the model adjusts for."""
    return sorted(
        {
            lv["tf_adjustment_column"]
            for c in model["comparisons"]
            for lv in c["comparison_levels"]
            if lv.get("tf_adjustment_column")
        }
    )


def tf_table_sql(column: str) -> str:
    """Term frequencies of ``column`` over all mentions, as Splink computes them from its input
    (so that scoring the mentions in scope gives the weights of a run over all of them)."""
    return (
        f"SELECT {column}, CAST(count(*) AS DOUBLE) / "
        f"(SELECT count({column}) FROM mentions) AS tf_{column} "
        f"FROM mentions WHERE {column} IS NOT NULL GROUP BY {column}"
    )
