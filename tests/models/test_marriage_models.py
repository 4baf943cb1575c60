"""marriage.bigamy and marriage.after_death: on hand-made cases and on synthetic regions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lexradar.datasets.lake import write_rows
from lexradar.engine import open_engine
from lexradar.models import Registry
from lexradar.models.run import run_model

D = dt.date
H, W1, W2 = "150402198001010011", "150402198203030026", "150404198505050024"


def marriage(rid: str, day: dt.date, h: str, w: str, kind: str = "marriage", cert: str = ""):  # type: ignore[no-untyped-def]
    return {
        "record_id": rid, "cert_no": cert or f"J-{rid}", "event_type": kind, "event_date": day,
        "office": "红山区民政局", "office_region_code": "150402", "husband_id": h,
        "husband_name": "巴特尔", "wife_id": w, "wife_name": "其其格",
    }  # fmt: skip


def court_divorce(case: str, a: str, b: str, judged: dt.date, effective: dt.date, cert: str):  # type: ignore[no-untyped-def]
    common = {
        "case_no": case, "cause": "离婚纠纷", "case_kind": "civil", "judgment_date": judged,
        "effective_date": effective, "outcome": "divorce_granted", "cited_cert_no": cert,
        "court_region_code": "150402", "party_appeared": True,
    }  # fmt: skip
    return [
        {**common, "record_id": f"{case}-p", "party_id": a, "party_name": "甲",
         "party_role": "plaintiff"},
        {**common, "record_id": f"{case}-d", "party_id": b, "party_name": "乙",
         "party_role": "defendant"},
    ]  # fmt: skip


def clues(lake: Path, model_id: str, as_of: dt.date = dt.date(2025, 12, 31)) -> list[dict]:
    with open_engine(lake) as engine:
        table, _ = run_model(engine, Registry().get(model_id), as_of)
    return table.to_pylist()


def test_second_marriage_while_the_first_is_in_force(tmp_path: Path) -> None:
    write_rows(tmp_path, "marriage_events", [
        marriage("m1", D(2010, 5, 1), H, W1), marriage("m2", D(2015, 6, 1), H, W2)])  # fmt: skip
    (clue,) = clues(tmp_path, "marriage.bigamy")
    assert clue["person_ids"] == H
    assert clue["record_refs"] == "marriage_events:m2;marriage_events:m1"
    assert "2015-06-01" in clue["explanation"] and "J-m1" in clue["explanation"]
    assert clue["region_code"] == "150402" and clue["severity"] == "high"
    again = clues(tmp_path, "marriage.bigamy")[0]
    assert again["fingerprint"] == clue["fingerprint"], "a rerun finds the same clue"


@pytest.mark.parametrize(
    ("ended", "expected"),
    [
        ("divorce registration before", 0),
        ("court divorce effective before", 0),
        ("court divorce judged before, effective after", 1),
        ("spouse died before", 0),
        ("certificate reissued", 1),
        ("remarried after as_of", 0),
    ],
)
def test_what_ends_a_marriage(tmp_path: Path, ended: str, expected: int) -> None:
    events = [marriage("m1", D(2010, 5, 1), H, W1, cert="J1"),
              marriage("m2", D(2015, 6, 1), H, W2)]  # fmt: skip
    if ended == "divorce registration before":
        events.append(marriage("d1", D(2014, 1, 1), H, W1, "divorce", "L1"))
    if ended == "certificate reissued":
        events.append(marriage("r1", D(2012, 1, 1), H, W1, "reissue", "BJ1"))
    if ended == "remarried after as_of":
        events[1] = marriage("m2", D(2026, 6, 1), H, W2)
    write_rows(tmp_path, "marriage_events", events)
    if ended.startswith("court divorce"):
        effective = D(2015, 5, 20) if "effective before" in ended else D(2015, 6, 10)
        write_rows(
            tmp_path,
            "judgments",
            court_divorce("(2015)蒙0402民初1号", W1, H, D(2015, 5, 1), effective, "J1"),
        )
    if ended == "spouse died before":
        write_rows(
            tmp_path,
            "deaths",
            [
                {
                    "person_id": W1,
                    "name": "其其格",
                    "death_date": D(2013, 2, 2),
                    "source": "cremation",
                }
            ],
        )
    assert len(clues(tmp_path, "marriage.bigamy")) == expected


def test_marriage_after_death_cites_the_death_record(tmp_path: Path) -> None:
    write_rows(tmp_path, "marriage_events", [marriage("m1", D(2019, 5, 1), H, W1)])
    write_rows(tmp_path, "deaths", [
        {"record_id": "d1", "person_id": H, "name": "巴特尔", "death_date": D(2018, 1, 2),
         "source": "medical_certificate"}])  # fmt: skip
    (clue,) = clues(tmp_path, "marriage.after_death")
    assert clue["record_refs"] == "marriage_events:m1;deaths:d1"
    assert "居民死亡医学证明" in clue["explanation"] and "2018-01-02" in clue["explanation"]
    assert clues(tmp_path, "marriage.after_death", as_of=D(2019, 4, 1)) == [], "as of the past"


def test_registry_cancellation_is_evidence_of_death_too(tmp_path: Path) -> None:
    write_rows(tmp_path, "marriage_events", [marriage("m1", D(2019, 5, 1), H, W1)])
    write_rows(tmp_path, "persons", [
        {"record_id": "p1", "person_id": H, "name": "巴特尔", "gender": "M",
         "birth_date": D(1980, 1, 1), "region_code": "150402", "status": "cancelled",
         "cancel_reason": "death", "cancelled_on": D(2018, 3, 1)}])  # fmt: skip
    (clue,) = clues(tmp_path, "marriage.after_death")
    assert clue["record_refs"] == "marriage_events:m1;persons:p1"
    assert clue["severity"] == "medium"
