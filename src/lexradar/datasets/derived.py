"""Derived views: what resolution adds to the contract — ``person_keys``,
``persons_resolved`` and ``registration_pairs``.
Views that expose resolution to models: ``person_keys``, ``persons_resolved`` and
``registration_pairs``.

Every engine creates them when it opens a lake (:meth:`lexradar.engine.Engine.open_views`), so
they exist for every model run, resolved or not, on DuckDB and on Spark alike:

- ``person_keys(dataset, record_id, role, recorded_id, name, person_key, cluster_size,
  resolved)``: one row per person mention of every dataset, built from the datasets themselves
  and completed with ``lake/_linkage/person_keys.parquet`` when :func:`lexradar.linkage.resolve.
  resolve` has written it. Payments (pension, allowance) have one row per payment record, keyed
  through their payee mention. A model joins it on ``dataset``, ``record_id`` and ``role``
  (``husband``/``wife`` for marriages, ``party`` for judgments, ``registrant`` for the registry,
  ``holder``, ``deceased``, ``payee``, ``recipient``, ``inmate``) and compares ``person_key``
  where it compared IDs.

  **Fallback.** A mention the resolution has not keyed — the lake was never resolved, or the
  record arrived in a batch after the last ``lexradar resolve`` — has ``person_key`` = its
  normalized resident ID (``upper(trim(id))``), ``cluster_size`` 1 and ``resolved`` false: a
  model then matches on IDs exactly as it would without resolution.
- ``persons_resolved``: every registry row with its ``person_key``, the number of registrations
  the natural person holds (``registrations``) and how many are active
  (``active_registrations``). Registry entries are linked to each other only by a reviewer's
  "same person" judgement (see :data:`lexradar.linkage.resolve.REGISTRY_PAIR`).
- ``registration_pairs(unique_id_l, unique_id_r, person_id_l, person_id_r, name_l, name_r,
  birth_date_l, birth_date_r, status_l, status_r, match_weight, evidence_weight,
  match_probability, name_relation)``: pairs of registry entries that may be one natural person,
  never linked automatically; ``evidence_weight`` is the match weight without the prior, so it
  does not move with the size of the region; ``name_relation`` is how the names agree
  (``exact``, ``same_without_dots``, ``transliteration_variant``, ``same_pinyin``,
  ``different``). Empty when the lake is not resolved; a key file written before
  ``name_relation`` existed reads it as null.

The SQL is plain (joins, ``coalesce``, window counts), written in DuckDB's dialect and carried
into Spark's by :mod:`lexradar.engine.sparksql`. This module is part of the contract: which
records mention a person (:data:`SOURCES`), where resolution leaves its files in the lake
(:data:`LINKAGE_DIR`), and the views' names and columns, for checking model SQL. It imports
nothing heavy, so that loading models stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

LINKAGE_DIR = "_linkage"
"""The lake's folder for resolution's model, keys, judgements and review list."""
KEYS_FILE = "person_keys.parquet"
REGISTRATION_PAIRS_FILE = "registration_pairs.parquet"


def linkage_dir(lake: Path | str) -> Path:
    """Where resolution keeps its model, keys, judgements and review list."""
    return Path(lake) / LINKAGE_DIR


@dataclass(frozen=True)
class Source:
    """Where a dataset keeps a person: column expressions over the dataset's view."""

    dataset: str
    role: str
    id_col: str
    name_col: str
    birth: str = "NULL::DATE"
    gender: str = "NULL::VARCHAR"
    region: str = "NULL::VARCHAR"
    household: str = "NULL::VARCHAR"
    status: str = "NULL::VARCHAR"
    per_payee: bool = False
    address: str = "NULL::VARCHAR"


SOURCES: tuple[Source, ...] = (
    Source(
        "persons", "registrant", "person_id", "name", "birth_date", "gender", "region_code",
        "household_id", "status", address="address",
    ),
    Source("marriage_events", "husband", "husband_id", "husband_name", gender="'M'"),
    Source("marriage_events", "wife", "wife_id", "wife_name", gender="'F'"),
    Source("judgments", "party", "party_id", "party_name"),
    Source("deaths", "deceased", "person_id", "name"),
    Source("travel_documents", "holder", "person_id", "name", "birth_date"),
    Source("pension_payments", "payee", "person_id", "name", per_payee=True),
    Source("allowance_payments", "recipient", "person_id", "name", per_payee=True),
    Source("driver_licenses", "holder", "person_id", "name"),
    Source("custody_records", "inmate", "person_id", "name"),
)  # fmt: skip
"""Every place a person is mentioned. Payments are reduced to one mention per payee."""

PAYMENT_DATASETS = frozenset(s.dataset for s in SOURCES if s.per_payee)


PERSON_KEYS: dict[str, str] = {
    "dataset": "VARCHAR",
    "record_id": "VARCHAR",
    "role": "VARCHAR",
    "recorded_id": "VARCHAR",
    "name": "VARCHAR",
    "person_key": "VARCHAR",
    "cluster_size": "BIGINT",
    "resolved": "BOOLEAN",
}

REGISTRATION_PAIRS: dict[str, str] = {
    "unique_id_l": "VARCHAR",
    "unique_id_r": "VARCHAR",
    "person_id_l": "VARCHAR",
    "person_id_r": "VARCHAR",
    "name_l": "VARCHAR",
    "name_r": "VARCHAR",
    "birth_date_l": "DATE",
    "birth_date_r": "DATE",
    "status_l": "VARCHAR",
    "status_r": "VARCHAR",
    "match_weight": "DOUBLE",
    "evidence_weight": "DOUBLE",
    "match_probability": "DOUBLE",
    "name_relation": "VARCHAR",
}


@cache
def resolution_views(persons: tuple[tuple[str, str], ...]) -> dict[str, dict[str, str]]:
    """``{view: {column: SQL type}}`` given the registry's columns as ``(name, type)`` pairs
    (``persons_resolved`` is every registry column plus the resolution's)."""
    resolved = dict(persons) | {
        "person_key": "VARCHAR",
        "registrations": "BIGINT",
        "active_registrations": "BIGINT",
    }
    return {
        "person_keys": dict(PERSON_KEYS),
        "persons_resolved": resolved,
        "registration_pairs": dict(REGISTRATION_PAIRS),
    }


VIEW_NAMES = ("person_keys", "persons_resolved", "registration_pairs")
"""What a model may read beside the canonical datasets."""


KEY_COLUMNS = "dataset, record_id, role, recorded_id, name, person_key, cluster_size"
"""Columns of ``person_keys.parquet`` the views read."""

REGISTRATION_PAIR_COLUMNS: tuple[tuple[str, str], ...] = tuple(REGISTRATION_PAIRS.items())
"""The columns of ``registration_pairs`` (also of its empty fallback)."""


def normalized_id(column: str) -> str:
    """The fallback ``person_key`` of an ID column: the ID as ingestion normalizes it."""
    return f"upper(trim({column}))"


def _source_sql(s: Source, keys: str | None) -> str:
    head = (
        f"SELECT '{s.dataset}' AS dataset, d.record_id, '{s.role}' AS role, "
        f"d.{s.id_col} AS recorded_id, d.{s.name_col} AS name"
    )
    fallback = normalized_id(f"d.{s.id_col}")
    if keys is None:
        return (
            f"{head}, {fallback} AS person_key, 1 AS cluster_size, FALSE AS resolved "
            f"FROM {s.dataset} AS d"
        )
    tail = (
        f", coalesce(k.person_key, {fallback}) AS person_key, "
        f"coalesce(k.cluster_size, 1) AS cluster_size, k.person_key IS NOT NULL AS resolved "
        f"FROM {s.dataset} AS d "
    )
    if not s.per_payee:
        return (
            f"{head}{tail}LEFT JOIN {keys} AS k ON k.dataset = '{s.dataset}' "
            f"AND k.role = '{s.role}' AND k.record_id = d.record_id"
        )
    # a payee was resolved once, through the first payment of its (ID, name)
    payee = (
        f"SELECT p.{s.id_col} AS pid, p.{s.name_col} AS pname, k.person_key, k.cluster_size "
        f"FROM {keys} AS k JOIN {s.dataset} AS p ON p.record_id = k.record_id "
        f"WHERE k.dataset = '{s.dataset}' AND k.role = '{s.role}'"
    )
    return (
        f"{head}{tail}LEFT JOIN ({payee}) AS k "
        f"ON k.pid IS NOT DISTINCT FROM d.{s.id_col} "
        f"AND k.pname IS NOT DISTINCT FROM d.{s.name_col}"
    )


def person_keys_sql(keys: str | None = None) -> str:
    """The SELECT behind the ``person_keys`` view (datasets must be visible as views).

    ``keys`` is a relation holding the columns :data:`KEY_COLUMNS` of ``person_keys.parquet``;
    without it, the fallback (keys = normalized IDs).
    """
    return "\nUNION ALL\n".join(_source_sql(s, keys) for s in SOURCES)


PERSONS_RESOLVED_SQL = """
SELECT p.*, k.person_key,
       count(*) OVER (PARTITION BY k.person_key) AS registrations,
       sum(CASE WHEN p.status = 'active' THEN 1 ELSE 0 END) OVER (PARTITION BY k.person_key)
         AS active_registrations
FROM persons AS p
JOIN person_keys AS k ON k.dataset = 'persons' AND k.role = 'registrant'
 AND k.record_id = p.record_id
"""

EMPTY_REGISTRATION_PAIRS_SQL = "SELECT " + ", ".join(
    f"CAST(NULL AS {t}) AS {c}" for c, t in REGISTRATION_PAIR_COLUMNS
) + " WHERE 1 = 0"  # fmt: skip
"""``registration_pairs`` of a lake that was never resolved: no rows, the same columns."""


def registration_pairs_sql(relation: str | None, present: list[str] | None = None) -> str:
    """The SELECT behind ``registration_pairs``: the columns of :data:`REGISTRATION_PAIRS` from
    ``relation`` (the lake's file; a column it lacks reads as null), or no rows without it."""
    if relation is None:
        return EMPTY_REGISTRATION_PAIRS_SQL
    have = set(present or [c for c, _ in REGISTRATION_PAIR_COLUMNS])
    cols = ", ".join(
        c if c in have else f"CAST(NULL AS {t}) AS {c}" for c, t in REGISTRATION_PAIR_COLUMNS
    )
    return f"SELECT {cols} FROM {relation}"
