"""Views that expose resolution to models: ``person_keys`` and ``persons_resolved``.

The engine (or anyone holding a DuckDB connection whose datasets are views) calls
:func:`create_views` after :func:`lexradar.linkage.resolve.resolve` has written
``lake/_linkage/person_keys.parquet``:

- ``person_keys(dataset, record_id, role, recorded_id, name, person_key, cluster_size)``: one row
  per person mention of every dataset; payments (pension, allowance) have one row per payment
  record, keyed through their payee mention. A model joins it on ``dataset``, ``record_id`` and
  ``role`` (``husband``/``wife`` for marriages, ``party`` for judgments, ``registrant`` for the
  registry, ``holder``, ``deceased``, ``payee``, ``recipient``, ``inmate``).
- ``persons_resolved``: every registry row with its ``person_key`` and the number of
  registrations the natural person holds (``registrations``) — two active registrations under
  one key are a double registration (linked by a reviewer's judgement).
- ``registration_pairs(unique_id_l, unique_id_r, person_id_l, person_id_r, name_l, name_r,
  birth_date_l, birth_date_r, status_l, status_r, match_weight, evidence_weight,
  match_probability)``: pairs of registry entries that may be one natural person, never linked
  automatically (a namesake born the same day looks the same); ``evidence_weight`` is the match
  weight without the prior, so it does not move with the size of the region.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lexradar.linkage.mentions import SOURCES
from lexradar.linkage.resolve import KEYS_FILE, REGISTRATION_PAIRS_FILE, linkage_dir


def person_keys_sql(lake: Path | str) -> str:
    """The SELECT behind the ``person_keys`` view (datasets must be visible as views)."""
    path = str(linkage_dir(lake) / KEYS_FILE).replace("'", "''")
    keys = f"read_parquet('{path}')"
    cols = "dataset, record_id, role, recorded_id, name, person_key, cluster_size"
    parts = [f"SELECT {cols} FROM {keys} WHERE dataset NOT IN ({{payments}})"]
    payments = []
    for s in SOURCES:
        if not s.per_payee:
            continue
        payments.append(f"'{s.dataset}'")
        parts.append(
            f"SELECT '{s.dataset}' AS dataset, p.record_id, '{s.role}' AS role, "
            f"p.{s.id_col} AS recorded_id, k.name, k.person_key, k.cluster_size "
            f"FROM {s.dataset} p JOIN (SELECT k.*, d.{s.id_col} AS pid, d.{s.name_col} AS pname "
            f"FROM {keys} k JOIN {s.dataset} d ON d.record_id = k.record_id "
            f"WHERE k.dataset = '{s.dataset}') k "
            f"ON k.pid IS NOT DISTINCT FROM p.{s.id_col} "
            f"AND k.pname IS NOT DISTINCT FROM p.{s.name_col}"
        )
    parts[0] = parts[0].format(payments=", ".join(payments))
    return "\nUNION ALL\n".join(parts)


PERSONS_RESOLVED_SQL = """
SELECT p.*, k.person_key,
       count(*) OVER (PARTITION BY k.person_key) AS registrations,
       count(*) FILTER (WHERE p.status = 'active') OVER (PARTITION BY k.person_key)
         AS active_registrations
FROM persons p
JOIN person_keys k ON k.dataset = 'persons' AND k.record_id = p.record_id
"""


def create_views(con: Any, lake: Path | str) -> bool:
    """Create ``person_keys``, ``persons_resolved`` and ``registration_pairs`` on ``con``;
    False (and nothing created) when the lake has not been resolved yet."""
    if not (linkage_dir(lake) / KEYS_FILE).exists():
        return False
    con.execute(f"CREATE OR REPLACE VIEW person_keys AS {person_keys_sql(lake)}")
    con.execute(f"CREATE OR REPLACE VIEW persons_resolved AS {PERSONS_RESOLVED_SQL}")
    pairs = str(linkage_dir(lake) / REGISTRATION_PAIRS_FILE).replace("'", "''")
    con.execute(f"CREATE OR REPLACE VIEW registration_pairs AS SELECT * FROM '{pairs}'")
    return True
