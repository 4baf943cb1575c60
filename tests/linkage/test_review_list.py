"""The review list is what people can judge: only the pairs whose judgement changes who is who,
the ones that move a clue first, and no more than a reviewer can get through.

At 1,500,000 persons the review band held 1.07 million pairs, nearest the threshold first,
whatever a judgement on them would change. These tests resolve a copy of a 20,000-person
region and read ``review.parquet`` as ``lexradar resolve review`` does (in file order)."""

from __future__ import annotations

import shutil
from itertools import pairwise
from pathlib import Path

import duckdb
import pytest

from lexradar.linkage import judgements
from lexradar.linkage import resolve as resolution
from lexradar.linkage.incremental import PAIRS_FILE
from lexradar.linkage.resolve import KEYS_FILE, REVIEW_FILE, linkage_dir

pytestmark = pytest.mark.slow


def review_list(lake: Path) -> list[tuple[str, str, float, str]]:
    return duckdb.sql(
        "SELECT unique_id_l, unique_id_r, match_weight, decides FROM read_parquet("
        f"'{linkage_dir(lake) / REVIEW_FILE}', file_row_number = true) ORDER BY file_row_number"
    ).fetchall()


def kind(left: str, right: str) -> int:
    """0: a record against a registry entry; 1: two registry entries; 2: anything else."""
    registry = (left.startswith("persons:"), right.startswith("persons:"))
    if registry[0] != registry[1]:
        return 0
    return 1 if all(registry) else 2


@pytest.fixture(scope="module")
def copy(region: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    lake = tmp_path_factory.mktemp("review") / "lake"
    shutil.copytree(region / "lake", lake)
    return lake


def settled_together(lake: Path, threshold: float) -> tuple[str, str]:
    """The band's pair of two registry entries with the most other band pairs between the same
    two persons (a double registration and its travel documents): judged *same*, it settles
    them all."""
    d = linkage_dir(lake)
    (row,) = duckdb.sql(
        f"""
        WITH band AS (
          SELECT p.unique_id_l AS l, p.unique_id_r AS r,
                 least(a.person_key, b.person_key) AS k1, greatest(a.person_key, b.person_key) AS k2
          FROM '{d / PAIRS_FILE}' p
          JOIN '{d / KEYS_FILE}' a ON a.unique_id = p.unique_id_l
          JOIN '{d / KEYS_FILE}' b ON b.unique_id = p.unique_id_r
          WHERE a.person_key <> b.person_key
            AND p.match_weight BETWEEN {threshold - 6.0} AND {threshold + 6.0})
        SELECT l, r FROM band
        JOIN (SELECT k1, k2, count(*) AS n FROM band GROUP BY ALL) USING (k1, k2)
        WHERE l LIKE 'persons:%' AND r LIKE 'persons:%' AND n > 1
        ORDER BY n DESC, l, r LIMIT 1
        """
    ).fetchall()
    return row


def test_the_list_holds_only_pairs_a_judgement_moves_ranked_by_what_it_moves(
    region: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "lake"
    shutil.copytree(region / "lake", copy)
    # a reviewer has said that two registrations are one person: the band's other pairs between
    # them now move nothing, and leave the list
    judgements.record(
        copy, *settled_together(copy, resolution.resolve(copy).threshold_weight), "same"
    )
    result = resolution.resolve(copy)
    listed = review_list(copy)
    assert 0 < result.review_pairs == len(listed) <= resolution.REVIEW_LIMIT
    keys = dict(
        duckdb.sql(
            f"SELECT unique_id, person_key FROM '{linkage_dir(copy) / KEYS_FILE}'"
        ).fetchall()
    )
    same = {j.key() for j in judgements.load(copy) if j.decision == "same"}
    t = result.threshold_weight
    lo, hi = t - 6.0, t + 6.0

    for left, right, weight, decides in listed:
        assert lo - 1e-3 <= weight <= hi + 1e-3
        if decides == "merge":  # two persons now: a "same" joins them
            assert keys[left] != keys[right], (left, right)
        else:  # one person held together by this very link: a "different" may split it
            assert decides == "split" and keys[left] == keys[right], (left, right)
            edge = weight >= t - 1e-3 and kind(left, right) != 1
            assert edge or tuple(sorted((left, right))) in same, (left, right, weight)

    # ranked: what the decision moves first, then nearest the threshold
    ranks = [(kind(a, b), abs(w - t)) for a, b, w, _ in listed]
    for (k1, d1), (k2, d2) in pairwise(ranks):
        assert k1 < k2 or (k1 == k2 and d1 <= d2 + 2e-3), ((k1, d1), (k2, d2))
    assert ranks[0][0] == 0  # a 20,000-person region has records near the threshold

    # complete below the cap: every pair of the band between two persons is listed, and the
    # band's pairs inside one person without a link of their own are not
    band = duckdb.sql(
        f"SELECT unique_id_l, unique_id_r, match_weight FROM '{linkage_dir(copy) / PAIRS_FILE}' "
        f"WHERE match_weight BETWEEN {lo + 1e-3} AND {hi - 1e-3}"
    ).fetchall()
    assert result.band_pairs >= len(band) > len(listed)  # most of the band moves nothing
    on_list = {tuple(sorted((a, b))) for a, b, _, _ in listed}
    apart = {tuple(sorted((a, b))) for a, b, _ in band if keys[a] != keys[b]}
    assert apart <= on_list
    moot = {
        tuple(sorted((a, b)))
        for a, b, w in band
        if keys[a] == keys[b] and w < t - 1e-3 and tuple(sorted((a, b))) not in same
    }
    assert moot and not moot & on_list


def test_the_list_is_capped_keeping_its_head(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    full = resolution.resolve(copy)
    whole = review_list(copy)
    cap = len(whole) // 3
    assert cap >= 2
    monkeypatch.setattr(resolution, "REVIEW_LIMIT", cap)
    capped = resolution.resolve(copy)
    assert capped.review_pairs == cap and capped.band_pairs == full.band_pairs
    assert review_list(copy) == whole[:cap]


def test_with_clues_the_pairs_that_change_a_clue_come_first_even_beyond_the_cap(
    copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pack's clues on the copy; a cap of 5 leaves most pairs of the band off the list,
    and ``--clues`` brings those that touch a clue's person to the front."""
    import datetime as dt

    from typer.testing import CliRunner

    from lexradar.cli.app import app
    from lexradar.cli.resolve import clue_persons
    from lexradar.engine import open_engine
    from lexradar.linkage.review import Review
    from lexradar.models.registry import Registry
    from lexradar.models.run import run_models, write_clues

    monkeypatch.setattr(resolution, "REVIEW_LIMIT", 5)
    result = resolution.resolve(copy)
    with open_engine(copy) as engine:
        clues, _ = run_models(engine, Registry().select(), dt.date(2026, 6, 30))
    assert clues.num_rows > 0
    clue_file = tmp_path / "clues.csv"
    write_clues(clues, clue_file)
    persons = {k for cell in clues.column("person_ids").to_pylist() for k in cell.split(";")}
    keys = dict(
        duckdb.sql(
            f"SELECT unique_id, person_key FROM '{linkage_dir(copy) / KEYS_FILE}'"
        ).fetchall()
    )
    t = result.threshold_weight

    with Review(copy) as review:
        plain = review.pending()
        first = review.clue_pairs(persons)
        ranked = review.pending(persons)
    assert len(plain) <= 5
    on_list = {tuple(sorted((a, b))) for a, b, _ in plain}
    beyond = [p for p in first if tuple(sorted(p[:2])) not in on_list]
    assert len(beyond) > 5  # pairs that change a clue, which the cap left off the list
    for a, b, _ in first:  # each touches a clue's person
        assert keys[a] in persons or keys[b] in persons, (a, b)
    assert [abs(w - t) for _, _, w in first] == sorted(abs(w - t) for _, _, w in first)
    # the clue pairs first, then the rest of the list, each pair once
    assert [(a, b) for a, b, _ in ranked[: len(first)]] == [(a, b) for a, b, _ in first]
    pairs = [tuple(sorted((a, b))) for a, b, _ in ranked]
    assert len(pairs) == len(set(pairs))
    assert {tuple(sorted((a, b))) for a, b, _ in plain} <= set(pairs)

    assert clue_persons(clue_file) == persons  # the CLI reads them back from the CSV
    shown = CliRunner().invoke(
        app,
        ["resolve", "review", "--lake", str(copy), "--list", "--limit", "3", "--clues",
         str(clue_file)],
    )  # fmt: skip
    assert shown.exit_code == 0, shown.output
    assert first[0][0] in shown.output.replace("\n", "")
