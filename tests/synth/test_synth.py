"""The synthetic region: deterministic, contract-shaped, realistic, with a consistent answer key."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from lexradar.datasets import CONTRACT
from lexradar.errors import SettingsError
from lexradar.normalize import name as nm
from lexradar.normalize import region_code as rc
from lexradar.normalize import resident_id as rid
from lexradar.synth import SynthResult, generate
from lexradar.synth.ids import make_ids


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for part in sorted((folder / "lake").glob("*/*.parquet")):
        t = pq.read_table(part)
        for col in t.column_names:
            h.update(str(t.column(col).to_pylist()).encode())
    h.update((folder / "truth.csv").read_bytes())
    return h.hexdigest()


def test_same_seed_same_region_other_seed_other_region(tmp_path: Path) -> None:
    a = generate(5_000, 5, tmp_path / "a")
    b = generate(5_000, 5, tmp_path / "b")
    generate(5_000, 6, tmp_path / "c")
    assert a.rows == b.rows
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def test_every_dataset_matches_the_contract(region: SynthResult) -> None:
    for name, ds in CONTRACT.items():
        parts = sorted((region.out / "lake" / name).glob("*.parquet"))
        assert parts, f"{name} was not written"
        for part in parts:
            assert pq.read_schema(part).remove_metadata() == ds.arrow_schema(), f"{part}"
        assert region.rows[name] > 0


def _sql(region: SynthResult, sql: str) -> list[tuple]:
    con = duckdb.connect()
    for name in CONTRACT:
        con.execute(
            f"CREATE VIEW {name} AS SELECT * FROM "
            f"read_parquet('{region.out / 'lake' / name / '*.parquet'}')"
        )
    return con.execute(sql).fetchall()


def test_registry_ids_are_valid_unique_and_agree_with_the_person(region: SynthResult) -> None:
    rows = _sql(region, "SELECT person_id, gender, birth_date, region_code FROM persons")
    ids = [r[0] for r in rows]
    assert len(set(ids)) == len(ids)
    for pid, gender, birth, county in rows:
        assert rid.is_valid(pid), pid
        assert rid.gender(pid) == gender
        assert rid.birth_date(pid) == birth
        assert rc.lookup(county).is_current and rc.lookup(county).level == "county"
        assert pid[:6] in rc.regions(), f"{pid}: region in the ID is no GB/T 2260 code"
    old = [pid for pid, *_ in rows if not rc.lookup(pid[:6]).is_current]
    assert old, "some old IDs keep a renumbered county's code"


def test_population_looks_like_inner_mongolia(region: SynthResult) -> None:
    (n,) = _sql(region, "SELECT count(*) FROM persons")[0]
    (mongol,) = _sql(region, "SELECT count(*) FROM persons WHERE ethnicity = '蒙古族'")[0]
    (dotted,) = _sql(region, "SELECT count(*) FROM persons WHERE name LIKE '%·%'")[0]
    assert 0.12 < mongol / n < 0.22
    assert dotted > 0
    names = [r[0] for r in _sql(region, "SELECT name FROM persons")]
    assert all(nm.clean(x) == x for x in names[:5000]), "registry names are already clean"
    (twins,) = _sql(
        region,
        "SELECT count(*) FROM persons a JOIN persons b ON a.household_id = b.household_id "
        "AND a.birth_date = b.birth_date AND a.person_id < b.person_id",
    )[0]
    assert twins > 0
    common = _sql(region, "SELECT name, count(*) c FROM persons GROUP BY 1 ORDER BY c DESC")[0]
    assert common[1] > 20, "common names repeat"


def test_truth_refs_point_at_existing_records(region: SynthResult) -> None:
    refs: dict[str, set[str]] = {}
    with (region.out / "truth.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        for ref in r["record_refs"].split(";"):
            ds, record = ref.split(":")
            refs.setdefault(ds, set()).add(record)
    for ds, wanted in refs.items():
        have = {x[0] for x in _sql(region, f"SELECT record_id FROM {ds}")}
        assert wanted <= have, f"{ds}: {sorted(wanted - have)[:5]}"
    models = {r["model_id"] for r in rows}
    assert len(models) == 11, "an anomaly is planted for every model of the catalogue"
    for m in models:
        kinds = {(r["kind"], r["difficulty"]) for r in rows if r["model_id"] == m}
        assert {("planted", "exact"), ("planted", "noisy"), ("control", "exact")} <= kinds, m


def test_noisy_plants_misstate_the_person(region: SynthResult) -> None:
    tp = pq.read_table(region.out / "truth_persons.parquet").to_pylist()
    assert len(tp) == sum(
        region.rows[d] * (2 if d == "marriage_events" else 1)
        for d in CONTRACT
        if d != "border_crossings"
    ), "every person mention of every dataset is named"
    off = [r for r in tp if r["recorded_id"] != r["true_person_id"]]
    assert off
    bad = [r["recorded_id"] for r in off if not rid.is_valid(r["recorded_id"])]
    old_form = [
        r["recorded_id"]
        for r in off
        if rid.is_valid(r["recorded_id"]) and not rc.lookup(r["recorded_id"][:6]).is_current
    ]
    assert bad, "typos break the check digit"
    assert old_form, "old 15-digit IDs carry a renumbered county"
    registry = {r["true_person_id"] for r in tp if r["dataset"] == "persons"}
    assert {r["true_person_id"] for r in tp} <= registry, "every mention is of a registrant"


def test_bulk_ids_agree_with_the_normalizer() -> None:
    rng = np.random.default_rng(0)
    region = rng.choice(["150102", "152921", "150404"], 500)
    birth = np.datetime64("1950-01-01") + rng.integers(0, 25000, 500).astype("timedelta64[D]")
    seq = rng.integers(1, 999, 500)
    for pid in make_ids(region, birth, seq):
        assert rid.check_digit(pid[:17]) == pid[17]


def test_smallest_region_still_plants_everything(tmp_path: Path) -> None:
    res = generate(5_000, 3, tmp_path)
    assert len({m for m, _, _ in res.truth}) == 11


def test_too_small_a_region_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="at least 5,000 persons"):
        generate(1_000, 3, tmp_path)
