"""What the studio shows of a person: masked, as everywhere in lexradar, by the one masking
function (:mod:`lexradar.normalize.masking`: ``150404********123X``, ``张*``, ``欧阳**``, an
address down to its county, a birth date to its year). Rules are built on the records, not on
who they are, so the studio has no reveal; golden examples made from the lake are pseudonymised
before they are stored (:mod:`lexradar.studio.golden`)."""

from __future__ import annotations

import json
from typing import Any

from lexradar.normalize.masking import (
    column_type,
    known_values,
    mask,
    mask_record,
    mask_row,
    mask_text,
)

NAME_COLUMNS = ("name", "party_name", "husband_name", "wife_name", "person_name")
"""Columns the studio's pages treat as names (each typed ``name`` by
:func:`lexradar.normalize.masking.column_type`; a test keeps them so)."""


def mask_value(column: str, value: Any) -> Any:
    """A record's value as shown: masked by the value type of its column."""
    return mask(column_type(column), value)


def masked_row(row: dict[str, Any], dataset: str | None = None) -> dict[str, Any]:
    """A record as shown: every column masked by its value type (the contract's, when the
    record's ``dataset`` is given)."""
    return mask_row(dataset, row) if dataset is not None else mask_record(row)


def masked_hit(row: dict[str, Any]) -> dict[str, Any]:
    """A hit (a clue row) with the personal values in its texts and evidence masked."""
    evidence = json.loads(row.get("evidence") or "{}")
    known = known_values(evidence)
    texts = {k: mask_text(str(row.get(k) or ""), known)
             for k in ("explanation", "explanation_en", "person_ids")}  # fmt: skip
    out = {**row, **texts}
    if "evidence" in row:
        out["evidence"] = json.dumps(mask_record(evidence, known=known), ensure_ascii=False)
    return out
