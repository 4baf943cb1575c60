"""Person mentions: every record of every dataset that names a person, in one table.

A mention is one person as one record states them: the registry entry, the husband and the wife
of a marriage registration, a party of a judgment, a deceased, a travel-document holder, a
licence holder, an inmate, and a payee of pension or allowance. Payments repeat the payee every
month, so a payee is one mention per distinct (person_id, name) of that dataset, referenced by
its first record.

A damaged ID's birth date and county are kept (most typos fall elsewhere, and they then carry
real evidence); where they differ from the other record's, the typo most likely fell in them,
and the comparisons give that difference no weight (``comparisons.DAMAGED_BIRTH`` and
``comparisons.DAMAGED_REGION``): the ID comparison has scored it already. The gender of a
damaged ID is dropped: it rests on one digit.

The table is built in DuckDB SQL over the lake; Python runs only on distinct names (pinyin,
transliteration key) and distinct 15-digit IDs. Columns:

``unique_id`` (``dataset:record_id:role``), ``dataset``, ``record_id``, ``role``,
``recorded_id`` (as in the lake), ``id18`` (18 characters, 15-digit forms converted; null when
not an ID), ``id_from15``, ``id_region_now`` (today's county of the ID's address code),
``name`` (clean), ``name_nodot``, ``name_vkey`` (transliteration key), ``name_pinyin``,
``surname_py`` (first pinyin syllable), ``birth_date``, ``birth_any`` and ``birth_year``
(stated, else implied by the ID), ``birth_stated`` (whether the record states it),
``gender`` (stated, else implied by a valid ID: one mistyped digit flips it), ``region``
(registered county for registry entries, else the ID's county, today's code), ``region_stated``
(whether the record states it),
``city``, ``household_id``, ``status``, ``address`` (the registered address, normalized:
full-width digits and brackets made half-width, white space dropped; only the household
registry has one, null elsewhere) and ``address_street`` (the address up to its first digit:
county, street or village, without the house number).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from lexradar.datasets.derived import LINKAGE_DIR, PAYMENT_DATASETS, SOURCES, Source
from lexradar.engine.base import Engine, Step
from lexradar.normalize.resident_id import CHECK_SQL

__all__ = ["PAYMENT_DATASETS", "SOURCES", "Source", "build", "raw_mentions_sql"]


def _raw_sql(source: Source, relation: str) -> str:
    cols = (
        f"'{source.dataset}' AS dataset, {{rid}} AS record_id, '{source.role}' AS role, "
        f"{source.id_col} AS recorded_id, {source.name_col} AS raw_name, "
        f"{source.birth} AS stated_birth, {source.gender} AS stated_gender, "
        f"{source.region} AS stated_region, {source.household} AS household_id, "
        f"{source.status} AS status, {source.address} AS address"
    )
    if source.per_payee:
        return (
            f"SELECT {cols.format(rid='min(record_id)')} FROM {relation} "
            f"GROUP BY {source.id_col}, {source.name_col}"
        )
    return f"SELECT {cols.format(rid='record_id')} FROM {relation}"


def raw_mentions_sql(
    sources: tuple[Source, ...] = SOURCES, relations: Mapping[str, str] | None = None
) -> str:
    """The SQL that gathers raw mentions (before names and IDs are worked out); ``relations``
    names what to read for a dataset other than its view (an incremental run's new batches)."""
    where = relations or {}
    return "\nUNION ALL\n".join(_raw_sql(s, where.get(s.dataset, s.dataset)) for s in sources)


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


EXCEL_SQL = (
    "CASE WHEN regexp_full_match(recorded_id, '[0-9][.][0-9]{13,14}[eE][+]?17') "
    "THEN rpad(replace(regexp_extract(recorded_id, '^([0-9][.][0-9]+)', 1), '.', ''), 15, '0') "
    "WHEN regexp_full_match(recorded_id, '[0-9]{15}000') AND recorded_id <> {check} "
    "AND try_strptime(substr(recorded_id, 7, 8), '%Y%m%d')::DATE "
    "BETWEEN DATE '1900-01-01' AND current_date "
    "THEN substr(recorded_id, 1, 15) END"
).replace("{check}", CHECK_SQL.format(id="recorded_id"))
"""The digits an ID kept when Excel stored it as a number (``1.50404199001011E+17``, or the
same written out as ``150404199001011000`` with a failing check character and a real birth date,
as :func:`lexradar.normalize.resident_id.parse` reads it): its 15 significant digits, the last
one rounded, the three after it lost. Such a mention has no ``id18`` (the lost digits are never
guessed) but an ``id_excel``: the address code and the birth date it carries count as the
person's, and the ID comparison's ``excel_digits`` level links it to an ID that agrees on those
15 digits. Fewer than 14 significant digits say too little and are ignored. Written out with a
birth date that is not a date (``152131194206894000``, digit 13 mistyped in a death record), it
is an ID mistyped, not a number Excel rounded (Excel keeps the birth digits as they were): it
keeps its 18 digits and meets the typo levels."""

MENTIONS_SQL = r"""
SELECT
  r.dataset || ':' || r.record_id || ':' || r.role AS unique_id,
  r.dataset, r.record_id, r.role, r.recorded_id,
  i.id18,
  i.id_from15,
  i.id_valid,
  i.id_excel,
  substr(i.id18, 1, 17) AS id_body,
  substr(i.id18, 7, 11) AS id_tail,
  substr(i.id18, 15, 3) AS id_seq,
  coalesce(rn.now, substr(coalesce(i.id18, i.id_excel), 1, 6)) AS id_region_now,
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
  coalesce(rg.now, r.stated_region, rn.now, substr(coalesce(i.id18, i.id_excel), 1, 6))
    AS region,
  r.stated_region IS NOT NULL AS region_stated,
  substr(coalesce(rg.now, r.stated_region, rn.now, substr(coalesce(i.id18, i.id_excel), 1, 6)),
         1, 4) AS city,
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
  SELECT recorded_id, id18, id_from15, id_excel,
         id18 = {check_sql} AS id_valid,
         CASE WHEN try_strptime(substr(coalesce(id18, id_excel), 7, 8), '%Y%m%d')::DATE
                   BETWEEN DATE '1900-01-01' AND current_date
              THEN try_strptime(substr(coalesce(id18, id_excel), 7, 8), '%Y%m%d')::DATE END
           AS id_birth,
         CASE WHEN try_cast(substr(id18, 17, 1) AS INTEGER) % 2 = 1 THEN 'M' ELSE 'F' END
           AS id_gender
  FROM (
    SELECT recorded_id, CASE WHEN excel IS NULL THEN id18 END AS id18, id_from15,
           excel AS id_excel
    FROM (
      SELECT DISTINCT recorded_id,
        CASE WHEN regexp_full_match(recorded_id, '[0-9]{17}[0-9X]') THEN recorded_id
             ELSE f.id18 END AS id18,
        f.id18 IS NOT NULL AS id_from15,
        {excel_sql} AS excel
      FROM _lr_raw_mentions LEFT JOIN _lr_id15 f USING (recorded_id)
    ) AS d
  ) AS e WHERE id18 IS NOT NULL OR id_excel IS NOT NULL
) i USING (recorded_id)
LEFT JOIN _lr_names n USING (raw_name)
LEFT JOIN _lr_renumbered rn ON rn.old = substr(coalesce(i.id18, i.id_excel), 1, 6)
LEFT JOIN _lr_renumbered rg ON rg.old = r.stated_region
WHERE n.name IS NOT NULL OR i.id18 IS NOT NULL OR i.id_excel IS NOT NULL
""".replace("{check_sql}", CHECK_SQL.format(id="id18")).replace("{excel_sql}", EXCEL_SQL)


RAW_COLUMNS = (
    "dataset", "record_id", "role", "recorded_id", "raw_name", "stated_birth", "stated_gender",
    "stated_region", "household_id", "status",
)  # fmt: skip
"""Columns of the raw mentions that :func:`build` works on."""

OPTIONAL_COLUMNS: dict[str, str] = {"address": "VARCHAR"}
"""Raw columns that a ``raw_sql`` may leave out (they are then null): only the registry has an
address."""


def build(engine: Engine, raw_sql: str | None = None, into: str = "mentions") -> int:
    """Create the table ``into`` (``mentions``) on an engine where the datasets are views.

    ``raw_sql`` replaces the gathering from the datasets with any SELECT of
    :data:`RAW_COLUMNS` (tests, incremental batches). Returns the number of mentions.
    """
    raw = raw_sql or raw_mentions_sql()
    have = set(engine.columns(f"({raw}) AS _lr_r"))
    missing = [f"CAST(NULL AS {t}) AS {c}" for c, t in OPTIONAL_COLUMNS.items() if c not in have]
    if missing:
        raw = f"SELECT *, {', '.join(missing)} FROM ({raw}) AS _lr_r"
    engine.materialize("_lr_raw_mentions", raw)
    names = [r[0] for r in engine.rows("SELECT DISTINCT raw_name FROM _lr_raw_mentions")]
    engine.register("_lr_names", _name_table(names))
    ids15 = [
        r[0]
        for r in engine.rows(
            "SELECT DISTINCT recorded_id FROM _lr_raw_mentions "
            "WHERE regexp_full_match(recorded_id, '[0-9]{15}')"
        )
    ]
    engine.register("_lr_id15", _id15_table(ids15))
    engine.register("_lr_renumbered", _renumbered_table())
    engine.drop(into)  # the saved mentions may be open under that name (open_saved)
    engine.materialize(into, MENTIONS_SQL)
    engine.drop("_lr_raw_mentions")
    return engine.count(into)


SAVED = "mentions.parquet"
"""Under ``lake/_linkage``: the mentions of the last resolution, as it scored them."""


def of_record(ref: str) -> str:
    """A condition on ``unique_id`` for the mentions of a record ``dataset:record_id`` (or one
    mention ``dataset:record_id:role``), as a range the saved mentions' row groups can skip by
    (they are written in ``unique_id`` order)."""
    from lexradar.engine import literal

    return (
        f"(unique_id = {literal(ref)} "
        f"OR (unique_id >= {literal(ref + ':')} AND unique_id < {literal(ref + ';')}))"
    )


def open_saved(engine: Engine, *, build_if_absent: bool = True) -> bool:
    """``mentions`` on ``engine``: the last resolution's (fast: no names or IDs worked out
    again), else built from the lake when ``build_if_absent``. Returns whether the saved ones
    were used."""
    saved = engine.path(LINKAGE_DIR, SAVED)
    if engine.view_of_parquet("mentions", saved) is not None:
        return True
    if build_if_absent:
        build(engine)
    return False


BY_PERSON = "by_person.parquet"
"""Under ``lake/_linkage``: every mention's person key, in ``person_key`` order — a person's
mentions are then a lookup that reads one row group, not a scan of the keys."""
LINKS = "links.parquet"
"""Under ``lake/_linkage``: the links clustering joined each person's mentions with
(``person_key, unique_id_l, unique_id_r, match_weight``; the weight is null for a link only a
reviewer's "same" judgement made), in ``person_key`` order: how a person's records were linked,
read by one lookup."""


def write_person_index(
    engine: Engine,
    out: str,
    keys: str = "_lr_keys",
    edges: str = "_lr_edges",
) -> None:
    """Write :data:`BY_PERSON` and :data:`LINKS` under ``out`` from resolution's ``keys``
    (``unique_id, person_key``) and the ``edges`` it clustered (with their weights), in
    small row groups (:data:`LOOKUP_ROW_GROUP`, as the saved mentions and the keys file), for
    the workbench's lookups by key."""
    engine.write_parquet(
        f"SELECT person_key, unique_id FROM {keys} ORDER BY person_key, unique_id",
        f"{out}/{BY_PERSON}",
        LOOKUP_ROW_GROUP,
    )
    engine.write_parquet(
        f"""
        SELECT k.person_key, e.unique_id_l, e.unique_id_r, e.match_weight
        FROM {edges} e
        JOIN {keys} k ON k.unique_id = e.unique_id_l
        ORDER BY k.person_key, e.unique_id_l, e.unique_id_r
        """,
        f"{out}/{LINKS}",
        LOOKUP_ROW_GROUP,
    )


LOOKUP_ROW_GROUP = 16_384
"""Rows per row group of the saved files the workbench looks up by key: a lookup reads one
row group of every column it selects, and a mention has some thirty columns (at DuckDB's
default of 122,880 rows a lookup of one mention took ~90-150 ms at 1,500,000 persons, at
16,384 ~25-40 ms; at 4,096 the footer of ~700 row groups costs more than it saves)."""


def ensure(engine: Engine) -> bool:
    """``mentions`` on ``engine`` unless it is there already (an engine kept open between
    requests opens them once): :func:`open_saved`. Returns whether it was there."""
    from lexradar.errors import LexradarError

    try:
        engine.columns("mentions")
        return True
    except LexradarError:
        open_saved(engine)
        return False


def mentions_step() -> Step:
    """The raw-mentions SQL as a named step, for ``show SQL``."""
    return Step("raw_mentions", raw_mentions_sql())
