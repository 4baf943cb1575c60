"""The evidence of a clue: its records read back from the lake, side by side, and for persons
resolved across records, why the records are one person (:func:`lexradar.linkage.explain`).

Records carry personal data, so they are masked with the casebook's own masking
(:func:`lexradar.clues.queries.mask_id`, :func:`~lexradar.clues.queries.mask_name`) unless the
page shows a clue revealed with a reason (an audited action).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lexradar.clues.queries import mask_id, mask_name
from lexradar.datasets.contract_model import CONTRACT
from lexradar.errors import LexradarError

log = logging.getLogger(__name__)
PROVENANCE = ("record_id", "batch_id", "source_file", "source_row")
MAX_RECORDS = 12
MAX_PAIRS = 2


@dataclass
class Record:
    ref: str
    dataset: str
    values: dict[str, Any]


@dataclass
class SideBySide:
    """Records as columns, fields as rows; ``differs[field][i]`` marks a differing cell."""

    records: list[Record] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    differs: dict[str, list[bool]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    problem: str = ""
    names: list[str] = field(default_factory=list, repr=False)
    """The records' unmasked names (server side only): what masking of derived texts needs."""


def refs_of(record_refs: str) -> list[tuple[str, str]]:
    """``dataset:record_id;…`` as (dataset, record id) pairs, known datasets only."""
    out = []
    for ref in filter(None, record_refs.split(";")):
        dataset, _, record = ref.partition(":")
        if dataset in CONTRACT and record:
            out.append((dataset, record))
    return out[:MAX_RECORDS]


def _mask(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    return mask_name(value) if name.endswith("name") else mask_id(value)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def side_by_side(lake: Path, record_refs: str, *, masked: bool = True) -> SideBySide:
    """The clue's records from the lake, aligned by field, differing values marked."""
    from lexradar.engine import open_engine
    from lexradar.engine.base import Step

    refs = refs_of(record_refs)
    out = SideBySide()
    if not refs:
        return out
    try:
        engine = open_engine(lake)
    except LexradarError as exc:
        out.problem = str(exc)
        return out
    try:
        wanted: dict[str, list[str]] = {}
        for dataset, record in refs:
            wanted.setdefault(dataset, []).append(record)
        found: dict[str, dict[str, Any]] = {}
        for dataset, ids in wanted.items():
            listed = ", ".join("'" + i.replace("'", "''") + "'" for i in ids)
            table = engine.run(
                Step(
                    f"evidence from {dataset}",
                    f"SELECT * FROM {dataset} WHERE record_id IN ({listed})",
                )
            )
            for row in table.to_pylist():
                found[f"{dataset}:{row['record_id']}"] = row
    except LexradarError as exc:
        out.problem = str(exc)
        return out
    finally:
        engine.close()
    for dataset, record in refs:
        ref = f"{dataset}:{record}"
        row = found.get(ref)
        if row is None:
            out.missing.append(ref)
            continue
        out.names += [v for k, v in row.items() if k.endswith("name") and isinstance(v, str) and v]
        values = {k: (_mask(k, v) if masked else v) for k, v in row.items()}
        out.records.append(Record(ref, dataset, values))
    names: list[str] = []
    for rec in out.records:
        names += [k for k in rec.values if k not in names and k not in PROVENANCE]
    out.fields = names + [p for p in PROVENANCE if any(p in r.values for r in out.records)]
    for name in out.fields:
        present = [_text(r.values.get(name)) for r in out.records if name in r.values]
        differ = name not in PROVENANCE and len(present) > 1 and len(set(present)) > 1
        out.differs[name] = [differ and name in r.values for r in out.records]
    return out


@dataclass
class PairExplanation:
    left: str
    right: str
    weight: float
    probability: float
    contributions: list[tuple[str, str, float, str]]


def person_mentions(lake: Path, refs: list[str], person_ids: list[str]) -> list[str]:
    """For each record, the mention of the clue's person (``dataset:record_id:role``).

    A record naming several persons (a marriage: husband and wife) contributes the mention
    whose recorded ID is one of the clue's persons; a record naming one person, that one.
    """
    from lexradar.engine import open_engine
    from lexradar.linkage import mentions

    wanted = {p for p in person_ids if p}
    engine = open_engine(lake)
    try:
        con = engine.con  # type: ignore[attr-defined]
        mentions.build(con)
        out = []
        for ref in refs:
            rows = con.execute(
                "SELECT unique_id, recorded_id, id18 FROM mentions "
                "WHERE unique_id = $r OR unique_id LIKE $r || ':%' ORDER BY unique_id",
                {"r": ref},
            ).fetchall()
            mine = [r[0] for r in rows if r[1] in wanted or r[2] in wanted]
            if mine:
                out.append(mine[0])
            elif len(rows) == 1:
                out.append(rows[0][0])
    finally:
        engine.close()
    return out


def resolution(
    lake: Path,
    records: list[Record],
    person_ids: list[str],
    *,
    masked: bool = True,
    names: list[str] | None = None,
) -> tuple[list[PairExplanation], str]:
    """Why the clue's person in the first record is the one in each other record (up to
    :data:`MAX_PAIRS` pairs).

    Empty, with the reason, when the lake has no trained resolution model or the records do
    not name the clue's person.
    """
    from lexradar.linkage.explain import explain
    from lexradar.linkage.resolve import MODEL_FILE, linkage_dir

    if len(records) < 2:
        return [], ""
    if not (linkage_dir(lake) / MODEL_FILE).exists():
        return [], "no trained resolution model in the lake (lexradar resolve)"
    out = []
    try:
        found = person_mentions(lake, [r.ref for r in records], person_ids)
        unique = list(dict.fromkeys(found))
        for other in unique[1 : MAX_PAIRS + 1]:
            ex = explain(lake, unique[0], other)
            rows = []
            for c in ex.contributions:
                detail = c.detail
                if masked:
                    for name in sorted(names or [], key=len, reverse=True):
                        detail = detail.replace(name, mask_name(name))
                    detail = mask_id(detail)
                rows.append((c.comparison, c.level, c.weight, detail))
            out.append(
                PairExplanation(
                    ex.left, ex.right, round(ex.match_weight, 2), ex.match_probability, rows
                )
            )
    except LexradarError as exc:
        return out, str(exc)
    return out, ""
