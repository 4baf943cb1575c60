"""What the studio shows of a person: names and resident IDs masked, as everywhere in lexradar
(``150404********123X``, ``张*``). Rules are built on the records, not on who they are, so the
studio has no reveal; the golden examples (model files) keep the rows as the lake has them."""

from __future__ import annotations

import json
from typing import Any

from lexradar.clues.queries import mask_id, mask_name

NAME_COLUMNS = ("name", "party_name", "husband_name", "wife_name", "person_name")


def mask_value(column: str, value: Any) -> Any:
    """A record's value as shown: a name column masked as a name, any text's IDs masked."""
    if not isinstance(value, str):
        return value
    return mask_name(value) if column in NAME_COLUMNS else mask_id(value)


def masked_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: mask_value(k, v) for k, v in row.items()}


def masked_hit(row: dict[str, Any]) -> dict[str, Any]:
    """A hit (a clue row) with the names and resident IDs in its texts masked."""
    evidence = json.loads(row.get("evidence") or "{}")
    texts = {k: str(row.get(k) or "") for k in ("explanation", "explanation_en", "person_ids")}
    names = [v for k, v in evidence.items() if k.endswith("name") and isinstance(v, str) and v]
    for name in sorted(names, key=len, reverse=True):
        texts = {k: v.replace(name, mask_name(name)) for k, v in texts.items()}
    return {**row, **{k: mask_id(v) for k, v in texts.items()}}
