"""Person mentions: every record of every dataset that names a person, in one table.

A mention is one person as one record states them: the registry entry, the husband and the wife
of a marriage registration, a party of a judgment, a deceased, a travel-document holder, a
licence holder, an inmate, and a payee of pension or allowance. Payments repeat the payee every
month, so a payee is one mention per distinct (person_id, name) of that dataset, referenced by
its first record.

A damaged ID's birth date and county are kept (most typos fall elsewhere, and they then carry
real evidence); a mistyped birth digit is then scored twice, as an ID typo and as a birth date
one field off, which is why that level keeps a floor on its m probability
(:data:`lexradar.linkage.comparisons.ERROR_MODE_FLOOR`). The gender of a damaged ID is dropped:
it rests on one digit.

The table is built in DuckDB SQL over the lake; Python runs only on distinct names (pinyin,
transliteration key) and distinct 15-digit IDs. Columns:

``unique_id`` (``dataset:record_id:role``), ``dataset``, ``record_id``, ``role``,
``recorded_id`` (as in the lake), ``id18`` (18 characters, 15-digit forms converted; null when
not an ID), ``id_from15``, ``id_region_now`` (today's county of the ID's address code),
``name`` (clean), ``name_nodot``, ``name_vkey`` (transliteration key), ``name_pinyin``,
``surname_py`` (first pinyin syllable), ``birth_date``, ``birth_any`` and ``birth_year``
(stated, else implied by the ID), ``birth_stated`` (whether the record states it),
``gender`` (stated, else implied by a valid ID: one mistyped digit flips it), ``region``
(registered county for registry entries, else the ID's county, today's code),
``city``, ``household_id``, ``status``, ``address`` (the registered address, normalized:
full-width digits and brackets made half-width, white space dropped; only the household
registry has one, null elsewhere) and ``address_street`` (the address up to its first digit:
county, street or village, without the house number).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from lexradar.engine.base import Step


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


def _raw_sql(source: Source) -> str:
    cols = (
        f"'{source.dataset}' AS dataset, {{rid}} AS record_id, '{source.role}' AS role, "
        f"{source.id_col} AS recorded_id, {source.name_col} AS raw_name, "
        f"{source.birth} AS stated_birth, {source.gender} AS stated_gender, "
        f"{source.region} AS stated_region, {source.household} AS household_id, "
        f"{source.status} AS status, {source.address} AS address"
    )
    if source.per_payee:
        return (
            f"SELECT {cols.format(rid='min(record_id)')} FROM {source.dataset} "
            f"GROUP BY {source.id_col}, {source.name_col}"
        )
    return f"SELECT {cols.format(rid='record_id')} FROM {source.dataset}"


def raw_mentions_sql(sources: tuple[Source, ...] = SOURCES) -> str:
    """The SQL that gathers raw mentions (before names and IDs are worked out)."""
    return "\nUNION ALL\n".join(_raw_sql(s) for s in sources)


def _name_table(names: list[str | None]) -> pa.Table:
    from lexradar.errors import NormalizeError
    from lexradar.linkage.variants import variant_key
    from lexradar.normalize import name as nm

    rows: dict[str, list[Any]] = {k: [] for k in ("raw_name", "name", "name_vkey", "name_pinyin")}
    for raw in names:
        if raw is None:
            continue
        try:
            clean = nm.clean(raw)
        except NormalizeError:
            continue
        rows["raw_name"].append(raw)
        rows["name"].append(clean)
        rows["name_vkey"].append(variant_key(clean))
        rows["name_pinyin"].append(nm.pinyin(clean))
    return pa.table(rows, schema=pa.schema([(k, pa.string()) for k in rows]))


def _id15_table(ids: list[str]) -> pa.Table:
    from lexradar.normalize import resident_id as rid

    pairs = [(i, rid.to18(i)) for i in ids]
    return pa.table(
        {"recorded_id": [a for a, _ in pairs], "id18": [b for _, b in pairs]},
        schema=pa.schema([("recorded_id", pa.string()), ("id18", pa.string())]),
    )


def _renumbered_table() -> pa.Table:
    from lexradar.normalize import region_code as rc

    old_new = rc.renumbered()
    return pa.table({"old": list(old_new), "now": list(old_new.values())})


CHECK_SQL = (
    "substr({id}, 1, 17) || substr('10X98765432', 1 + CAST(list_sum(list_transform(range(1, 18), "
    "lambda k: try_cast(substr({id}, k, 1) AS INTEGER) "
    "* [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2][k])) AS BIGINT) % 11, 1)"
)
"""The 18-character ID rebuilt with its correct ISO 7064 MOD 11-2 check character, in SQL."""

MENTIONS_SQL = r"""
SELECT
  r.dataset || ':' || r.record_id || ':' || r.role AS unique_id,
  r.dataset, r.record_id, r.role, r.recorded_id,
  i.id18,
  i.id_from15,
  i.id_valid,
  substr(i.id18, 1, 17) AS id_body,
  substr(i.id18, 7, 11) AS id_tail,
  substr(i.id18, 15, 3) AS id_seq,
  coalesce(rn.now, substr(i.id18, 1, 6)) AS id_region_now,
  n.name,
  replace(replace(n.name, '·', ''), ' ', '') AS name_nodot,
  n.name_vkey,
  n.name_pinyin,
  split_part(n.name_pinyin, ' ', 1) AS surname_py,
  coalesce(r.stated_birth, i.id_birth) AS birth_date,
  coalesce(r.stated_birth, i.id_birth) AS birth_any,
  r.stated_birth IS NOT NULL AS birth_stated,
  year(coalesce(r.stated_birth, i.id_birth)) AS birth_year,
  coalesce(r.stated_gender, CASE WHEN i.id_valid THEN i.id_gender END) AS gender,
  coalesce(rg.now, r.stated_region, rn.now, substr(i.id18, 1, 6)) AS region,
  substr(coalesce(rg.now, r.stated_region, rn.now, substr(i.id18, 1, 6)), 1, 4) AS city,
  r.household_id, r.status,
  a.address, nullif(regexp_extract(a.address, '^[^0-9]*'), '') AS address_street
FROM _lr_raw_mentions r
LEFT JOIN (
  SELECT DISTINCT address AS raw_address,
         nullif(regexp_replace(translate(address, '０１２３４５６７８９（）－', '0123456789()-'),
                               '\s+', '', 'g'), '') AS address
  FROM _lr_raw_mentions WHERE address IS NOT NULL
) a ON a.raw_address = r.address
LEFT JOIN (
  SELECT recorded_id, id18, id_from15,
         id18 = {check_sql} AS id_valid,
         CASE WHEN try_strptime(substr(id18, 7, 8), '%Y%m%d')::DATE
                   BETWEEN DATE '1900-01-01' AND current_date
              THEN try_strptime(substr(id18, 7, 8), '%Y%m%d')::DATE END AS id_birth,
         CASE WHEN try_cast(substr(id18, 17, 1) AS INTEGER) % 2 = 1 THEN 'M' ELSE 'F' END
           AS id_gender
  FROM (
    SELECT DISTINCT recorded_id,
      CASE WHEN regexp_full_match(recorded_id, '[0-9]{17}[0-9X]') THEN recorded_id
           ELSE f.id18 END AS id18,
      f.id18 IS NOT NULL AS id_from15
    FROM _lr_raw_mentions LEFT JOIN _lr_id15 f USING (recorded_id)
  ) WHERE id18 IS NOT NULL
) i USING (recorded_id)
LEFT JOIN _lr_names n USING (raw_name)
LEFT JOIN _lr_renumbered rn ON rn.old = substr(i.id18, 1, 6)
LEFT JOIN _lr_renumbered rg ON rg.old = r.stated_region
WHERE n.name IS NOT NULL OR i.id18 IS NOT NULL
""".replace("{check_sql}", CHECK_SQL.format(id="id18"))


RAW_COLUMNS = (
    "dataset", "record_id", "role", "recorded_id", "raw_name", "stated_birth", "stated_gender",
    "stated_region", "household_id", "status",
)  # fmt: skip
"""Columns of the raw mentions that :func:`build` works on."""

OPTIONAL_COLUMNS: dict[str, str] = {"address": "VARCHAR"}
"""Raw columns that a ``raw_sql`` may leave out (they are then null): only the registry has an
address."""


def build(con: Any, raw_sql: str | None = None) -> int:
    """Create the table ``mentions`` on a DuckDB connection where the datasets are views.

    ``raw_sql`` replaces the gathering from the datasets with any SELECT of
    :data:`RAW_COLUMNS` (tests, incremental batches). Returns the number of mentions.
    """
    raw = raw_sql or raw_mentions_sql()
    con.execute(f"CREATE OR REPLACE TEMP TABLE _lr_raw_mentions AS {raw}")
    have = {r[0] for r in con.execute("DESCRIBE _lr_raw_mentions").fetchall()}
    for col, typ in OPTIONAL_COLUMNS.items():
        if col not in have:
            con.execute(f"ALTER TABLE _lr_raw_mentions ADD COLUMN {col} {typ}")
    names = [r[0] for r in con.execute("SELECT DISTINCT raw_name FROM _lr_raw_mentions").fetchall()]
    con.register("_lr_names_arrow", _name_table(names))
    ids15 = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT recorded_id FROM _lr_raw_mentions "
            "WHERE regexp_full_match(recorded_id, '[0-9]{15}')"
        ).fetchall()
    ]
    con.register("_lr_id15", _id15_table(ids15))
    con.register("_lr_names", con.sql("SELECT * FROM _lr_names_arrow").to_arrow_table())
    con.register("_lr_renumbered", _renumbered_table())
    con.execute(f"CREATE OR REPLACE TABLE mentions AS {MENTIONS_SQL}")
    con.execute("DROP TABLE _lr_raw_mentions")
    return int(con.execute("SELECT count(*) FROM mentions").fetchall()[0][0])


def mentions_step() -> Step:
    """The raw-mentions SQL as a named step, for ``show SQL``."""
    return Step("raw_mentions", raw_mentions_sql())
