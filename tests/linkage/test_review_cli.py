"""``lexradar resolve review``: the terminal review of uncertain pairs, over a resolved region.

Each test works on its own copy of the resolved lake, so the judgements it records reach no
other test.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from lexradar.cli.app import app
from lexradar.cli.resolve import parse_answer
from lexradar.linkage import judgements
from lexradar.linkage.incremental import MENTIONS_FILE
from lexradar.linkage.resolve import KEYS_FILE, linkage_dir, resolve
from lexradar.linkage.review import Pair, Review


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s", ("same", "")),
        ("same", ("same", "")),
        ("D", ("different", "")),
        ("d different mothers", ("different", "different mothers")),
        ("u  blurred photo ", ("unsure", "blurred photo")),
        ("k", ("skip", "")),
        ("q", ("quit", "")),
        ("", None),
        ("x", None),
        ("yes", None),
    ],
)
def test_answers(text: str, expected: tuple[str, str] | None) -> None:
    assert parse_answer(text) == expected


def test_fields_side_by_side_mark_what_differs() -> None:
    left = {"dataset": "persons", "name": "巴特尔", "birth_date": None, "address": None}
    right = {"dataset": "deaths", "name": "巴特尔", "birth_date": "1980-02-01", "address": None}
    assert Pair(left, right, 3.5).fields() == [
        ("dataset", "persons", "deaths", True),
        ("name", "巴特尔", "巴特尔", False),
        ("birth date", "—", "1980-02-01", True),
    ]


@pytest.fixture
def lake(region: Path, tmp_path: Path) -> Path:
    """A copy of the resolved lake without any judgement."""
    out = tmp_path / "lake"
    shutil.copytree(region / "lake", out)
    (linkage_dir(out) / judgements.FILE).unlink(missing_ok=True)
    return out


def shown(lake: Path, n: int) -> list[tuple[str, str]]:
    """The first ``n`` pairs the review will show."""
    out = []
    with Review(lake) as review:
        for left, right, weight in review.pending():
            if review.pair(left, right, weight, explain=False) is not None:
                out.append((left, right))
            if len(out) == n:
                break
    return out


def review(lake: Path, answers: str, *args: str) -> str:
    res = CliRunner().invoke(
        app, ["resolve", "review", "--lake", str(lake), "--who", "tester", *args], input=answers
    )
    assert res.exit_code == 0, res.output
    return res.output


@pytest.mark.slow
def test_review_records_the_decisions_and_moves_on(lake: Path) -> None:
    first, second, third = shown(lake, 3)
    out = review(lake, "s\nd\nq\n")
    assert "match weight" in out and "threshold" in out and "resident_id" in out
    assert "judged 2 pairs (same 1, different 1, unsure 0)" in out
    assert "next `lexradar resolve`" in out
    got = [(j.key(), j.decision, j.who) for j in judgements.history(lake)]
    assert got == [
        (tuple(sorted(first)), "same", "tester"),
        (tuple(sorted(second)), "different", "tester"),
    ]
    # the judged pairs are not shown again: the next review starts at the third
    assert shown(lake, 1) == [third]
    out = review(lake, "q\n")
    assert out.index("pair 1 of") < out.index(third[0]) and third[1] in out
    assert "judged 0 pairs" in out


@pytest.mark.slow
def test_reason_skip_and_a_wrong_answer(lake: Path) -> None:
    first, second = shown(lake, 2)
    out = review(lake, "maybe\nk\nu blurred photo\nq\n", "--why", "checked the file")
    assert "not an answer: 'maybe'" in out
    assert "skipped 1" in out
    (j,) = judgements.history(lake)
    assert (j.key(), j.decision, j.why) == (tuple(sorted(second)), "unsure", "blurred photo")
    review(lake, "s\nq\n", "--why", "checked the file")
    assert judgements.history(lake)[-1].why == "checked the file"
    assert judgements.history(lake)[-1].key() == tuple(sorted(first))


@pytest.mark.slow
def test_end_of_input_ends_cleanly(lake: Path) -> None:
    out = review(lake, "")
    assert "judged 0 pairs" in out
    assert judgements.history(lake) == []
    (first,) = shown(lake, 1)
    out = review(lake, "s\n")
    assert "judged 1 pair (same 1" in out
    assert [j.key() for j in judgements.history(lake)] == [tuple(sorted(first))]


@pytest.mark.slow
def test_list_prints_the_table_and_asks_nothing(lake: Path) -> None:
    first, second = shown(lake, 2)
    out = review(lake, "s\n", "--list", "--limit", "2")
    assert "pairs to review" in out
    assert first[0] in out and second[1] in out
    assert "[s]ame" not in out
    assert judgements.history(lake) == []


@pytest.mark.slow
def test_saved_mentions_and_the_fallback_agree(lake: Path) -> None:
    """The review reads the run's mentions.parquet; without it, it builds the same mentions."""
    with Review(lake) as r:
        assert r.mentions_from.endswith(MENTIONS_FILE)
        left, right, weight = r.pending()[0]
        saved = r.pair(left, right, weight)
    (linkage_dir(lake) / MENTIONS_FILE).unlink()
    with Review(lake) as r:
        assert "the lake" in r.mentions_from
        built = r.pair(left, right, weight)
    assert saved is not None and built is not None
    assert saved.fields() == built.fields()
    assert saved.contributions == built.contributions
    assert len(saved.contributions) >= 5


@pytest.mark.slow
def test_a_pair_judged_same_in_review_is_linked_by_the_next_resolve(lake: Path) -> None:
    keys = linkage_dir(lake) / KEYS_FILE

    def key_of() -> dict[str, str]:
        return dict(duckdb.sql(f"SELECT unique_id, person_key FROM '{keys}'").fetchall())

    k = key_of()
    pairs = shown(lake, 200)
    apart = [i for i, (a, b) in enumerate(pairs) if k[a] != k[b]]
    assert apart, "no unlinked pair among the first 200 to review"
    i = apart[0]
    review(lake, "k\n" * i + "s\nq\n")
    (j,) = judgements.history(lake)
    assert j.key() == tuple(sorted(pairs[i])) and j.decision == "same"
    result = resolve(lake)
    assert result.judgements_applied == 1
    k = key_of()
    assert k[pairs[i][0]] == k[pairs[i][1]]
