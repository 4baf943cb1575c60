"""Why two mentions are (or are not) one person: the match weight and what each comparison
contributed, each with a short ``detail`` naming the values that produced it.

The levels are evaluated with the same SQL conditions as the trained model (``model.json``), on
the two rows of the mentions table; a level's weight is log2(m/u), term-frequency adjusted where
the model says so (Splink's formula: u replaced by the value's frequency among mentions).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lexradar.linkage.comparisons import level_of
from lexradar.linkage.resolve import MODEL_FILE, linkage_dir, weight_to_probability


@dataclass(frozen=True)
class Contribution:
    comparison: str
    level: str
    weight: float
    detail: str


@dataclass
class Explanation:
    left: str
    right: str
    prior_weight: float
    contributions: list[Contribution] = field(default_factory=list)

    @property
    def match_weight(self) -> float:
        return self.prior_weight + sum(c.weight for c in self.contributions)

    @property
    def match_probability(self) -> float:
        return weight_to_probability(self.match_weight)


def _detail(comparison: str, level: str, left: dict[str, Any], right: dict[str, Any]) -> str:
    from lexradar.linkage.variants import are_variants
    from lexradar.normalize import name as nm
    from lexradar.normalize import resident_id as rid

    if comparison == "resident_id":
        a, b = left["id18"], right["id18"]
        if a is None or b is None:
            return f"{left['recorded_id']!r} vs {right['recorded_id']!r}: no usable ID"
        text = rid.compare(a, b).detail
        if level == "renumbered_county":
            text = f"{a} vs {b}: same birth date and sequence; {a[:6]} and {b[:6]} are one county"
        if level == "two_registrations":
            text = f"{a} vs {b}: two registrations, each with its own ID (no weight)"
        bad = [x for x, row in ((a, left), (b, right)) if not row["id_valid"]]
        return text + (f"; check digit fails on {', '.join(bad)}" if bad else "")
    if comparison == "name":
        a, b = left["name"], right["name"]
        if a is None or b is None:
            return "a name is missing"
        if level == "transliteration_variant" or are_variants(a, b):
            return f"{a} vs {b}: transliterations of one name ({left['name_vkey']})"
        if level == "pinyin_similar":
            return f"{a} vs {b}: similar pinyin '{left['name_pinyin']}' / '{right['name_pinyin']}'"
        return nm.compare(a, b).detail
    if comparison == "address":
        a, b = left["address"], right["address"]
        if a is None or b is None:
            return "no registered address on one side (only the household registry has one)"
        if level == "household_member":
            return f"{a}: one address, two names ({left['name']}/{right['name']}): one household"
    a, b = left[comparison], right[comparison]
    return f"{a} vs {b}: {level.replace('_', ' ')}"


def explain(lake: Path | str, left: str, right: str) -> Explanation:
    """Explain the pair of mentions ``left`` and ``right`` (``dataset:record_id:role``, or a
    ``dataset:record_id`` when the record names one person)."""
    from lexradar.engine import open_engine
    from lexradar.errors import LexradarError
    from lexradar.linkage import mentions

    model_path = linkage_dir(lake) / MODEL_FILE
    if not model_path.exists():
        raise LexradarError(f"no trained model at {model_path}; run `lexradar resolve` first")
    model = json.loads(model_path.read_text(encoding="utf-8"))
    engine = open_engine(Path(lake))
    con = engine.con  # type: ignore[attr-defined]
    try:
        mentions.build(con)
        rows = {}
        for ref in (left, right):
            found = (
                con.sql(
                    "SELECT * FROM mentions WHERE unique_id = $r OR unique_id LIKE $r || ':%' "
                    "ORDER BY unique_id",
                    params={"r": ref},
                )
                .to_arrow_table()
                .to_pylist()
            )
            if not found:
                raise LexradarError(f"no person mention {ref!r} in {lake}")
            rows[ref] = found[0]
        lrow, rrow = rows[left], rows[right]
        prior = model["probability_two_random_records_match"]
        out = Explanation(lrow["unique_id"], rrow["unique_id"], math.log2(prior / (1 - prior)))
        for comparison in model["comparisons"]:
            out.contributions.append(contribution(con, comparison, lrow, rrow))
    finally:
        engine.close()
    return out


def contribution(
    con: Any, comparison: dict[str, Any], lrow: dict[str, Any], rrow: dict[str, Any]
) -> Contribution:
    name = comparison["output_column_name"]
    level = level_of(con, comparison, lrow, rrow)
    label = level["label_for_charts"]
    if level.get("is_null_level"):
        return Contribution(name, label, 0.0, _detail(name, label, lrow, rrow))
    m, u = level.get("m_probability"), level.get("u_probability")
    weight = math.log2(m / u) if m and u else 0.0
    tf_col = level.get("tf_adjustment_column")
    if tf_col and u:
        tf = con.execute(
            f"SELECT count(*) FILTER (WHERE {tf_col} = $v) / count({tf_col}) FROM mentions",
            {"v": lrow[tf_col]},
        ).fetchall()[0][0]
        if tf:
            weight += level.get("tf_adjustment_weight", 1.0) * math.log2(u / tf)
    return Contribution(name, label, round(weight, 2), _detail(name, label, lrow, rrow))
