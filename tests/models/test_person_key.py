"""Models compare natural persons (``person_key``), not ID strings: the same rows give a clue
once resolution has keyed a mistyped ID to its person, and none before."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlglot import exp

from lexradar.datasets.lake import write_rows
from lexradar.engine import open_engine
from lexradar.linkage.resolve import KEYS_FILE, linkage_dir
from lexradar.models import Registry
from lexradar.models.compile import parse
from lexradar.models.run import run_model

HUSBAND = "150402198001010010"
TYPO = "150402198001010020"  # digit 17 mistyped at the second registration
WIFE_1, WIFE_2 = "150402198203030028", "150404198505050027"


def _lake(tmp_path: Path, *extra: dict[str, object]) -> Path:
    lake = tmp_path / "lake"
    common = {"event_type": "marriage", "office": "红山区民政局", "office_region_code": "150402"}
    rows = [
        *extra,
        common | {"record_id": "m1", "cert_no": "J1", "event_date": dt.date(2010, 5, 1),
                  "husband_id": HUSBAND, "husband_name": "巴特尔",
                  "wife_id": WIFE_1, "wife_name": "其其格"},
        common | {"record_id": "m2", "cert_no": "J2", "event_date": dt.date(2015, 6, 1),
                  "husband_id": TYPO, "husband_name": "巴图尔",
                  "wife_id": WIFE_2, "wife_name": "萨仁"},
    ]  # fmt: skip
    write_rows(lake, "marriage_events", rows)
    return lake


def _keys(lake: Path) -> None:
    """The key file resolution writes, for the four mentions of the two registrations."""
    mentions = [
        ("m1", "husband", HUSBAND, "巴特尔", HUSBAND),
        ("m1", "wife", WIFE_1, "其其格", WIFE_1),
        ("m2", "husband", TYPO, "巴图尔", HUSBAND),
        ("m2", "wife", WIFE_2, "萨仁", WIFE_2),
    ]
    linkage_dir(lake).mkdir()
    pq.write_table(
        pa.table(
            {
                "unique_id": [f"marriage_events:{r}:{role}" for r, role, *_ in mentions],
                "dataset": ["marriage_events"] * 4,
                "record_id": [m[0] for m in mentions],
                "role": [m[1] for m in mentions],
                "recorded_id": [m[2] for m in mentions],
                "name": [m[3] for m in mentions],
                "person_key": [m[4] for m in mentions],
                "cluster_size": [2, 1, 2, 1],
            }
        ),
        linkage_dir(lake) / KEYS_FILE,
    )


def _bigamy(lake: Path) -> list[dict[str, object]]:
    with open_engine(lake) as engine:
        table, _ = run_model(engine, Registry().get("marriage.bigamy"), dt.date(2025, 12, 31))
    return table.to_pylist()


def test_bigamy_under_a_mistyped_id_needs_resolution(tmp_path: Path) -> None:
    lake = _lake(tmp_path)
    assert _bigamy(lake) == []  # unresolved: two ID strings, two persons
    _keys(lake)
    (clue,) = _bigamy(lake)
    assert clue["person_ids"] == HUSBAND
    assert set(clue["record_refs"].split(";")) == {"marriage_events:m1", "marriage_events:m2"}
    # the explanation says which records resolution joined
    assert TYPO in clue["explanation"] and "经人员比对认定为同一人" in clue["explanation"]
    assert TYPO in clue["explanation_en"] and "resolved to one person" in clue["explanation_en"]


def test_fingerprint_of_an_exact_clue_does_not_move_with_resolution(tmp_path: Path) -> None:
    """Where the records agree on the ID, the clue (and its fingerprint) is the same before and
    after resolution: the key of a registered person is the ID."""
    third = {"record_id": "m3", "cert_no": "J3", "event_type": "marriage",
             "event_date": dt.date(2016, 6, 1), "office": "红山区民政局",
             "office_region_code": "150402", "husband_id": HUSBAND, "husband_name": "巴特尔",
             "wife_id": WIFE_2, "wife_name": "萨仁"}  # fmt: skip
    lake = _lake(tmp_path, third)

    def by_refs(clues: list[dict[str, object]]) -> dict[str, object]:
        return {str(c["record_refs"]): c["fingerprint"] for c in clues}

    before = by_refs(_bigamy(lake))
    _keys(lake)  # m3 was not resolved yet: its mentions fall back to their IDs
    after = by_refs(_bigamy(lake))
    exact = "marriage_events:m3;marriage_events:m1"
    assert after[exact] == before[exact]
    # 萨仁 married 巴图尔 (m2) and then 巴特尔 (m3): one man once resolved, so no bigamy of hers
    assert "marriage_events:m3;marriage_events:m2" in before
    assert "marriage_events:m3;marriage_events:m2" not in after


def test_models_may_read_the_resolution_views_without_listing_them() -> None:
    model = Registry().get("marriage.bigamy")
    assert "person_keys" not in model.spec.datasets
    tree = parse(model.spec, model.sql, model.path.with_suffix(".sql"))
    assert "person_keys" in {t.name for t in tree.find_all(exp.Table)}
