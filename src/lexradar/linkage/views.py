"""Views that expose resolution to models: ``person_keys``, ``persons_resolved`` and
``registration_pairs``.

Every DuckDB engine calls :func:`create_views` when it opens a lake, so the views exist for every
model run, resolved or not:

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

The SQL is plain (joins, ``coalesce``, window counts), so that the Spark engine can carry it
across with SQLGlot; only the relation that reads the key file (:func:`keys_relation`) is
backend-specific.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lexradar.linkage.catalog import REGISTRATION_PAIRS
from lexradar.linkage.mentions import SOURCES, Source
from lexradar.linkage.resolve import KEYS_FILE, REGISTRATION_PAIRS_FILE, linkage_dir

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


def keys_relation(lake: Path | str) -> str | None:
    """A DuckDB relation over the lake's key file, or None when the lake is not resolved."""
    path = linkage_dir(lake) / KEYS_FILE
    if not path.exists():
        return None
    quoted = str(path).replace("'", "''")
    return f"(SELECT {KEY_COLUMNS} FROM read_parquet('{quoted}'))"


def person_keys_sql(lake: Path | str | None = None, keys: str | None = None) -> str:
    """The SELECT behind the ``person_keys`` view (datasets must be visible as views).

    ``keys`` is a relation holding ``person_keys.parquet`` (any engine); by default the lake's
    key file read by DuckDB, and the fallback (keys = normalized IDs) when there is none.
    """
    if keys is None and lake is not None:
        keys = keys_relation(lake)
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


def registration_pairs_sql(lake: Path | str) -> str:
    """The SELECT behind ``registration_pairs`` (DuckDB reads the lake's file)."""
    path = linkage_dir(lake) / REGISTRATION_PAIRS_FILE
    if not path.exists():
        return EMPTY_REGISTRATION_PAIRS_SQL
    import pyarrow.parquet as pq

    present = set(pq.read_schema(path).names)
    cols = ", ".join(
        c if c in present else f"CAST(NULL AS {t}) AS {c}" for c, t in REGISTRATION_PAIR_COLUMNS
    )
    quoted = str(path).replace("'", "''")
    return f"SELECT {cols} FROM read_parquet('{quoted}')"


VIEWS = ("person_keys", "persons_resolved", "registration_pairs")
"""The names :func:`create_views` creates."""


def create_views(con: Any, lake: Path | str) -> bool:
    """Create ``person_keys``, ``persons_resolved`` and ``registration_pairs`` on ``con`` (a
    DuckDB connection where the datasets are views). Returns whether the lake is resolved;
    when it is not, the views hold the fallback (see the module docstring)."""
    keys = keys_relation(lake)
    con.execute(f"CREATE OR REPLACE VIEW person_keys AS {person_keys_sql(keys=keys)}")
    con.execute(f"CREATE OR REPLACE VIEW persons_resolved AS {PERSONS_RESOLVED_SQL}")
    con.execute(f"CREATE OR REPLACE VIEW registration_pairs AS {registration_pairs_sql(lake)}")
    return keys is not None
