"""The resolution views on small hand-made lakes: the fallback when the lake was never
resolved, keys from a key file, and the registry anchoring of links."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lexradar.datasets.lake import write_rows
from lexradar.engine import Engine, open_engine
from lexradar.linkage import judgements
from lexradar.linkage.resolve import (
    EVIDENCE_THRESHOLD,
    KEYS_FILE,
    anchor,
    calibrate,
    linkage_dir,
)

A = "150402198001010010"
A_TYPO = "150402198001010020"  # one digit mistyped: fails the check digit
B = "150404198505050027"
PAYEES = [(A, "巴特尔"), (A_TYPO, "巴图尔"), (A_TYPO, "巴图尔")]


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    root = tmp_path / "lake"
    write_rows(
        root,
        "persons",
        [
            {"record_id": "p1", "person_id": A, "name": "巴特尔", "gender": "M",
             "birth_date": dt.date(1980, 1, 1), "region_code": "150402", "status": "active"},
            {"record_id": "p2", "person_id": B, "name": "萨仁", "gender": "F",
             "birth_date": dt.date(1985, 5, 5), "region_code": "150404", "status": "active"},
        ],
    )  # fmt: skip
    write_rows(
        root,
        "pension_payments",
        [
            {"record_id": f"pay{i}", "person_id": pid, "name": name,
             "month": dt.date(2020, i, 1), "amount": Decimal("100.00")}
            for i, (pid, name) in enumerate(PAYEES, 1)
        ],
    )  # fmt: skip
    return root


def _rows(lake: Path, sql: str) -> list[tuple[object, ...]]:
    with open_engine(lake) as engine:
        return engine.rows(sql)


def test_unresolved_lake_falls_back_to_normalized_ids(lake: Path) -> None:
    rows = _rows(
        lake,
        "SELECT dataset, record_id, role, person_key, cluster_size, resolved FROM person_keys "
        "ORDER BY dataset, record_id",
    )
    assert rows == [
        ("pension_payments", "pay1", "payee", A, 1, False),
        ("pension_payments", "pay2", "payee", A_TYPO, 1, False),
        ("pension_payments", "pay3", "payee", A_TYPO, 1, False),
        ("persons", "p1", "registrant", A, 1, False),
        ("persons", "p2", "registrant", B, 1, False),
    ]
    resolved = _rows(lake, "SELECT person_key, registrations FROM persons_resolved ORDER BY 1")
    assert resolved == [(A, 1), (B, 1)]
    assert _rows(lake, "SELECT count(*) FROM registration_pairs") == [(0,)]
    columns = [r[0] for r in _rows(lake, "DESCRIBE registration_pairs")]
    assert "evidence_weight" in columns and "name_relation" in columns


def test_key_file_keys_every_payment_of_a_payee(lake: Path) -> None:
    """Resolution keys a payee once (its first payment); every payment of that payee gets the
    key, and a mention the key file does not know keeps the fallback."""
    out = linkage_dir(lake)
    out.mkdir()
    keys = pa.table(
        {
            "unique_id": ["persons:p1:registrant", "pension_payments:pay2:payee"],
            "dataset": ["persons", "pension_payments"],
            "record_id": ["p1", "pay2"],
            "role": ["registrant", "payee"],
            "recorded_id": [A, A_TYPO],
            "name": ["巴特尔", "巴图尔"],
            "person_key": [A, A],
            "cluster_size": [2, 2],
        }
    )
    pq.write_table(keys, out / KEYS_FILE)
    rows = _rows(
        lake,
        "SELECT record_id, recorded_id, person_key, resolved FROM person_keys "
        "WHERE dataset = 'pension_payments' ORDER BY record_id",
    )
    # pay1 is a payee the key file does not hold: its own ID stands
    assert rows == [("pay1", A, A, False), ("pay2", A_TYPO, A, True), ("pay3", A_TYPO, A, True)]
    unresolved = _rows(lake, "SELECT person_key, resolved FROM person_keys WHERE record_id='p2'")
    assert unresolved == [(B, False)]


def _pairs(engine: Engine, rows: list[tuple[str, str, float]]) -> None:
    left, right, weight = (list(c) for c in zip(*rows, strict=True))
    table = pa.table(
        {"unique_id_l": left, "unique_id_r": right, "match_weight": weight},
        schema=pa.schema(
            [
                ("unique_id_l", pa.string()),
                ("unique_id_r", pa.string()),
                ("match_weight", pa.float64()),
            ]
        ),
    )
    engine.register("pairs", table)


@pytest.fixture
def con(tmp_path: Path) -> Iterator[Engine]:
    from tests.linkage.conftest import empty_engine

    engine = empty_engine(tmp_path / "empty")
    yield engine
    engine.close()


def test_anchor_keeps_the_best_registry_link(con: Engine) -> None:
    """A marriage mention scored above the threshold against two namesakes' registry entries
    keeps only the better link, so the two registrations stay two persons."""
    _pairs(
        con,
        [
            ("marriage_events:m1:husband", "persons:p1:registrant", 30.0),
            ("marriage_events:m1:husband", "persons:p2:registrant", 9.0),
            ("deaths:d1:deceased", "marriage_events:m1:husband", 20.0),
            ("deaths:d2:deceased", "deaths:d3:deceased", 12.0),
        ],
    )
    judgements.apply(con, "pairs", [], "edges", 8.0)
    assert anchor(con, "edges") == 3
    edges = con.rows("SELECT * FROM edges ORDER BY 1, 2")
    assert edges == [  # each with the weight it was scored at
        ("deaths:d1:deceased", "marriage_events:m1:husband", 20.0),
        ("deaths:d2:deceased", "deaths:d3:deceased", 12.0),
        ("marriage_events:m1:husband", "persons:p1:registrant", 30.0),
    ]


def test_a_reviewers_same_beats_a_higher_weight(con: Engine) -> None:
    _pairs(
        con,
        [
            ("marriage_events:m1:husband", "persons:p1:registrant", 30.0),
            ("marriage_events:m1:husband", "persons:p2:registrant", 9.0),
        ],
    )
    same = judgements.Judgement(
        left="marriage_events:m1:husband",
        right="persons:p2:registrant",
        decision=judgements.Decision.same,
        who="审查员",
    )
    judgements.apply(con, "pairs", [same], "edges", 8.0)
    anchor(con, "edges")
    # the reviewer's link keeps the weight the model gave it, below the threshold
    assert con.rows("SELECT unique_id_r, match_weight FROM edges") == [
        ("persons:p2:registrant", 9.0)
    ]


def test_judgements_make_the_edges_with_their_weights(con: Engine) -> None:
    """Edges are the pairs above the threshold, either way round, less those judged different,
    plus those judged the same: with the weight they were scored at, null when never scored."""
    _pairs(
        con,
        [
            ("deaths:d2:deceased", "deaths:d1:deceased", 20.0),  # right before left
            ("deaths:d1:deceased", "deaths:d2:deceased", 25.0),  # and the other way, higher
            ("deaths:d3:deceased", "deaths:d4:deceased", 30.0),
            ("deaths:d5:deceased", "deaths:d6:deceased", 2.0),
        ],
    )
    judged = [
        judgements.Judgement(left=a, right=b, decision=d, who="审查员")
        for a, b, d in [
            ("deaths:d4:deceased", "deaths:d3:deceased", judgements.Decision.different),
            ("deaths:d6:deceased", "deaths:d5:deceased", judgements.Decision.same),
            ("deaths:d7:deceased", "deaths:d8:deceased", judgements.Decision.same),
        ]
    ]
    assert judgements.apply(con, "pairs", judged, "edges", 8.0) == 3
    assert con.rows("SELECT * FROM edges ORDER BY 1, 2") == [
        ("deaths:d1:deceased", "deaths:d2:deceased", 25.0),
        ("deaths:d5:deceased", "deaths:d6:deceased", 2.0),
        ("deaths:d7:deceased", "deaths:d8:deceased", None),
    ]


def test_threshold_is_an_evidence_weight_over_the_prior(con: Engine) -> None:
    _pairs(con, [("a", "b", 25.0), ("c", "d", -10.0)])
    weight, method = calibrate(con, "pairs", [], prior_weight=-20.9)
    assert weight == pytest.approx(EVIDENCE_THRESHOLD - 20.9)
    assert "evidence weight" in method
    weight, method = calibrate(con, "pairs", [])
    assert method.startswith("Otsu")


@pytest.mark.parametrize(
    ("households", "listed"),
    [
        ((None, None), True),  # an export without household numbers: the pair stays
        (("H1", "H2"), True),
        (("H1", "H1"), False),  # one household, two given names: twins, never listed
    ],
)
def test_registration_pairs_without_household_numbers(
    con: Engine, households: tuple[str | None, str | None], listed: bool
) -> None:
    """A second registration under a variant spelling (满都拉 / 满都呼, evidence ~20) is listed
    for identity.double_registration whether or not the registry export has household numbers;
    the twins rule applies only when both numbers are there and agree."""
    from lexradar.linkage.resolve import REGISTRATION_PAIRS_SQL, REGISTRY_PAIR

    people = [
        ("persons:p1:registrant", "满都拉", "man du la"),
        ("persons:p2:registrant", "满都呼", "man du hu"),
    ]
    con.register(
        "mentions",
        pa.table(
            {
                "unique_id": [u for u, _, _ in people],
                "id18": [A, B],
                "name": [n for _, n, _ in people],
                "name_nodot": [n for _, n, _ in people],
                "name_vkey": ["满都拉", "满都拉"],
                "name_pinyin": [p for _, _, p in people],
                "birth_date": [dt.date(1987, 10, 4)] * 2,
                "status": ["active"] * 2,
                "household_id": pa.array(list(households), pa.string()),
            }
        ),
    )
    _pairs(con, [(people[0][0], people[1][0], 5.29)])
    con.materialize("_lr_pairs", "SELECT *, 0.97 AS match_probability FROM pairs")
    sql = REGISTRATION_PAIRS_SQL.format(prior=-14.64, floor=1.3, registry=REGISTRY_PAIR)
    rows = con.rows(f"SELECT name_l, name_r, name_relation FROM ({sql}) AS r")
    assert rows == ([("满都拉", "满都呼", "transliteration_variant")] if listed else [])
