"""Scoring: a clue matches a truth row when it cites all of the row's records."""

from __future__ import annotations

import pyarrow as pa

from lexradar.synth.score import TruthRow, score


def truth(model: str, refs: str, kind: str = "planted", difficulty: str = "exact") -> TruthRow:
    return TruthRow(model, ("p",), frozenset(refs.split(";")), kind, difficulty, "")


def clue_table(*rows: tuple[str, str]) -> pa.Table:
    return pa.table({"model_id": [m for m, _ in rows], "record_refs": [r for _, r in rows]})


KEY = [
    truth("m.a", "x:1;x:2"),
    truth("m.a", "x:3;x:4", difficulty="noisy"),
    truth("m.a", "x:5;x:6", kind="control"),
    truth("m.b", "y:1"),
]


def test_subset_match_controls_and_false_clues() -> None:
    clues = clue_table(
        ("m.a", "x:2;x:1;z:9"),  # cites both records of the first anomaly: true
        ("m.a", "x:3"),  # cites only half of the noisy one: false
        ("m.a", "x:5;x:6"),  # a control
        ("m.b", "y:2"),  # nothing
    )
    a, b = score(clues, KEY).models
    assert (a.clues, a.true_clues, a.control_clues, a.false_clues) == (3, 1, 1, 1)
    assert (a.found_exact, a.found_noisy, a.controls_flagged) == (1, 0, 1)
    assert (b.clues, b.found, b.planted) == (1, 0, 1)
    overall = score(clues, KEY)
    assert overall.recall == 1 / 3
    assert overall.precision == 1 / 4


def test_difficulty_leaves_the_other_kind_out_of_both_counts() -> None:
    clues = clue_table(("m.a", "x:1;x:2"), ("m.a", "x:3;x:4"), ("m.a", "q:1"))
    (a,) = score(clues, KEY, ["m.a"], "noisy").models
    assert (a.planted, a.found, a.clues, a.true_clues) == (1, 1, 2, 1)
    (a,) = score(clues, KEY, ["m.a"], "exact").models
    assert (a.planted, a.found, a.clues) == (1, 1, 2)


def test_two_clues_on_one_anomaly_count_once_for_recall() -> None:
    clues = clue_table(("m.b", "y:1"), ("m.b", "y:1;y:7"))
    (b,) = score(clues, KEY, ["m.b"]).models
    assert (b.found, b.true_clues, b.precision, b.recall) == (1, 2, 1.0, 1.0)


def test_outside_clues_are_counted_per_model_and_in_all() -> None:
    import pyarrow as pa

    from lexradar.synth.score import TruthRow, score

    truth = [TruthRow("m.a", ("p1",), frozenset({"x:1"}), "planted", "exact", ""),
             TruthRow("m.b", ("p2",), frozenset({"y:1"}), "control", "exact", "")]  # fmt: skip
    clues = pa.table({"model_id": ["m.a", "m.a", "m.b", "m.b", "m.b"],
                      "record_refs": ["x:1", "x:2", "y:1", "y:2", "y:3"]})  # fmt: skip
    s = score(clues, truth)
    a, b = s.models
    assert (a.outside, b.outside, s.outside, s.controls_flagged) == (1, 2, 3, 1)
    assert s.as_dict()["outside"] == 3 and a.as_dict()["outside"] == 1
