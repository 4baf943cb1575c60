"""Ingestion in worker processes: same batches, errors raised, no main-module guard needed."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lexradar.errors import IngestError
from lexradar.ingest import ingest
from lexradar.ingest import pipeline as p
from lexradar.ingest.mapping import load

from .conftest import deaths_mapping


def test_default_workers_use_both_cores_only_for_enough_data(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(p.os, "sched_getaffinity", lambda _: {0, 1, 2, 3})
    big = p.PARALLEL_MIN_BYTES
    assert p.default_workers([big]) == 1  # one file: nothing to share
    assert p.default_workers([1000, 2000]) == 1  # little data: starting workers costs more
    assert p.default_workers([big, big, big]) == p.MAX_WORKERS == 2
    monkeypatch.setattr(p.os, "sched_getaffinity", lambda _: {0})
    assert p.default_workers([big, big]) == 1


def test_spreadsheets_go_first_then_the_costliest_files(raw_region: Path) -> None:
    maps = {m: load(raw_region / "mappings" / f"{m}.yaml") for m in
            ("marriage_events", "persons", "judgments")}  # fmt: skip
    size = 1000
    costs = {k: p._cost(m, m.matched_files()[0], size) for k, m in maps.items()}
    assert costs["marriage_events"] > costs["persons"] > costs["judgments"] == size
    whole = {k: p._whole(m, m.matched_files()[0]) for k, m in maps.items()}
    assert whole == {"marriage_events": True, "persons": False, "judgments": False}


def test_an_error_in_one_worker_is_raised_and_the_other_batches_commit(
    raw_region: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("身份证号,姓名,死亡日期\n", encoding="utf-8")  # a header, no rows
    mappings = [
        raw_region / "mappings" / "judgments.yaml",
        deaths_mapping(tmp_path, str(bad)),
        raw_region / "mappings" / "deaths_cremation.yaml",
    ]
    lake = tmp_path / "lake"
    with pytest.raises(IngestError, match="no data rows") as err:
        ingest(mappings, lake, workers=2)
    assert err.value.location.file == str(bad)
    manifests = [f for f in (lake / "_batches").glob("*.json") if ".quality" not in f.name]
    loaded = [json.loads(f.read_text(encoding="utf-8")) for f in manifests]
    assert sorted(m["dataset"] for m in loaded) == ["deaths", "judgments"]
    assert not list(lake.rglob("*.tmp*"))


def test_a_script_without_a_main_guard_can_ingest_in_workers(
    raw_region: Path, tmp_path: Path
) -> None:
    """Workers are fresh interpreters of lexradar.ingest.workers: they never import the
    caller's script (multiprocessing's would, and start the script again in each worker)."""
    script = tmp_path / "plain.py"
    script.write_text(
        textwrap.dedent(
            f"""
            from pathlib import Path
            from lexradar.ingest import ingest
            maps = [Path({str(raw_region / "mappings" / "judgments.yaml")!r}),
                    Path({str(raw_region / "mappings" / "deaths_police.yaml")!r})]
            done = []
            results = ingest(maps, Path({str(tmp_path / "lake")!r}), workers=2,
                             progress=lambda name, rows: done.append(name))
            print(sorted(set(done)), [r.status for r in results], sum(r.read for r in results))
            """
        ),
        encoding="utf-8",
    )
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=True
    )
    maps = [raw_region / "mappings" / f"{m}.yaml" for m in ("judgments", "deaths_police")]
    names = sorted(f.name for m in maps for f in load(m).matched_files())
    serial = ingest(maps, tmp_path / "serial", workers=1)
    expected = f"{names} ['loaded', 'loaded'] {sum(r.read for r in serial)}"
    assert out.stdout.strip().splitlines()[-1] == expected


def test_ingesting_again_in_workers_changes_nothing(raw_region: Path, tmp_path: Path) -> None:
    maps = [
        raw_region / "mappings" / f"{m}.yaml" for m in ("judgments", "deaths_medical_certificate")
    ]
    first = ingest(maps, tmp_path / "lake", workers=2)
    files = sorted(p.relative_to(tmp_path) for p in (tmp_path / "lake").rglob("*.parquet"))
    again = ingest(maps, tmp_path / "lake", workers=2)
    assert [r.status for r in first] == ["loaded", "loaded"]
    assert [r.status for r in again] == ["unchanged", "unchanged"]
    assert [(r.batch_id, r.read, r.loaded) for r in again] == [
        (r.batch_id, r.read, r.loaded) for r in first
    ]
    assert sorted(p.relative_to(tmp_path) for p in (tmp_path / "lake").rglob("*.parquet")) == files
