"""Loading clues by fingerprint: reruns, changed evidence, routing."""

from __future__ import annotations

import json

import pyarrow as pa
import sqlalchemy as sa

from lexradar.clues.access import SYSTEM, User
from lexradar.clues.db import Casebook
from lexradar.clues.queries import get_clue, list_clues
from lexradar.clues.store import load_clues, read_clue_file
from lexradar.clues.tables import clues, model_runs
from lexradar.clues.workflow import dismiss
from tests.clues.conftest import DOMAINS, make_clues


def _counts(casebook: Casebook) -> tuple[int, int]:
    with casebook.read() as conn:
        return conn.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(clues.c.times_seen), 0))
        ).one()


def test_a_rerun_leaves_the_count_unchanged_and_counts_the_sighting(casebook: Casebook) -> None:
    first = load_clues(casebook, make_clues(50, run_id="r1"), domains=DOMAINS, batch_size=16)
    assert (first.new, first.refreshed, first.batches) == (50, 0, 4)
    again = load_clues(casebook, make_clues(50, run_id="r2"), domains=DOMAINS)
    assert (again.new, again.refreshed, again.changed) == (0, 50, 0)
    assert _counts(casebook) == (50, 100)
    # the same run loaded twice (a retry after a crash) does not count twice
    load_clues(casebook, make_clues(50, run_id="r2"), domains=DOMAINS)
    assert _counts(casebook) == (50, 100)
    with casebook.read() as conn:
        runs = conn.execute(sa.select(model_runs.c.run_id, model_runs.c.clues)).all()
    assert sorted(runs) == [("r1", 50), ("r2", 50)]


def test_changed_evidence_reopens_a_dismissed_clue_with_a_note(
    casebook: Casebook, people: dict[str, User]
) -> None:
    load_clues(casebook, make_clues(3), domains=DOMAINS)
    handler = people["songshan"]
    (clue,) = [c for c in list_clues(casebook, handler) if c.region_code == "150404"]
    dismiss(casebook, handler, clue.id, clue.version, "false_positive", note="已核实")
    load_clues(casebook, make_clues(3, run_id="r2"), domains=DOMAINS)
    assert get_clue(casebook, handler, clue.id).status == "dismissed", "same evidence: stays"
    report = load_clues(casebook, make_clues(3, run_id="r3", evidence_tag="b"), domains=DOMAINS)
    assert report.changed == 3 and report.reopened == [clue.fingerprint]
    reopened = get_clue(casebook, handler, clue.id)
    assert reopened.status == "new" and reopened.dismiss_reason is None
    last = reopened.history[-1]
    assert (last["from_status"], last["to_status"], last["reason"]) == (
        "dismissed",
        "new",
        "evidence_changed",
    )
    assert "tag: a → b" in last["note"]


def test_clues_are_routed_to_the_procuratorate_of_their_region(casebook: Casebook) -> None:
    table = make_clues(4, regions=("150404", "152101", "150400", "999999"))
    load_clues(casebook, table, domains=DOMAINS)
    with casebook.read() as conn:
        routed = dict(
            conn.execute(sa.select(clues.c.region_code, clues.c.procuratorate_code)).all()
        )
    # a retired code goes to today's county; an unknown one to the region's procuratorate
    assert routed == {
        "150404": "150404",
        "152101": "150702",
        "150400": "150400",
        "999999": "150000",
    }


def test_clue_files_of_lexradar_run_load_as_csv_and_parquet(casebook: Casebook, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from lexradar.models.run import write_clues

    table = make_clues(5)
    write_clues(table, tmp_path / "c.csv")
    write_clues(table, tmp_path / "c.parquet")
    from_csv = read_clue_file(tmp_path / "c.csv")
    assert from_csv.equals(read_clue_file(tmp_path / "c.parquet"))
    assert from_csv.column("person_ids")[0].as_py().startswith("150404")  # text, not a number
    report = load_clues(casebook, from_csv, SYSTEM, domains=DOMAINS)
    assert report.new == 5
    ev = json.loads(pa.Table.to_pylist(from_csv)[0]["evidence"])
    assert ev["person_name"] == "张三丰"
