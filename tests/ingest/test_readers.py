"""Readers: every format and encoding as text columns, with the right row numbers."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lexradar.ingest.readers import _number_rows, cell_text, detect_encoding, open_reader

TEXT = '姓名,住址\n张三,"内蒙古自治区赤峰市\n松山区"\n巴特尔·那顺,呼和浩特市\n'


@pytest.mark.parametrize(
    ("encoding", "prefix", "expected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
        ("gb18030", b"", "gb18030"),
        ("gbk", b"", "gb18030"),
        ("utf-16", b"", "utf-16"),
    ],
)
def test_encodings_are_detected_and_read(
    tmp_path: Path, encoding: str, prefix: bytes, expected: str
) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(prefix + (TEXT * 20).encode(encoding))
    reader = open_reader(path, "csv")
    assert reader.encoding == expected
    assert reader.header == ["姓名", "住址"]
    [chunk] = list(reader.chunks())
    assert chunk.table["c1"][0].as_py() == "内蒙古自治区赤峰市\n松山区"
    assert chunk.table["c0"][1].as_py() == "巴特尔·那顺"
    assert chunk.rows[:3].tolist() == [1, 2, 3]


def test_detection_of_a_short_gb18030_sample() -> None:
    assert detect_encoding("张伟,男,汉族\n".encode("gb18030"), Path("x")) == "gb18030"


def test_tsv_jsonl_and_parquet(tmp_path: Path) -> None:
    (tmp_path / "f.tsv").write_text("a\tb\n1\t2\n", encoding="utf-8")
    assert next(open_reader(tmp_path / "f.tsv", "tsv").chunks()).table["c1"].to_pylist() == ["2"]
    lines = [json.dumps({"号码": 150404900101123.0, "日期": "2020-01-01"}), "{broken", "[1]"]
    (tmp_path / "f.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    reader = open_reader(tmp_path / "f.jsonl", "jsonl")
    [chunk] = list(reader.chunks())
    assert chunk.table["c0"].to_pylist() == ["150404900101123"]
    assert [(b.row, b.reason) for b in reader.bad_rows] == [(2, "bad_json"), (3, "bad_json")]
    table = pa.table({"号码": pa.array([1.5e17, None]), "金额": pa.array([1, 2])})
    pq.write_table(table, tmp_path / "f.parquet")
    reader = open_reader(tmp_path / "f.parquet", "parquet")
    [chunk] = list(reader.chunks())
    assert reader.header == ["号码", "金额"]
    assert chunk.table["c1"].to_pylist() == ["1", "2"]


def test_cells_as_text() -> None:
    assert cell_text(150404199001011000.0) == "1.50404199001011e+17"
    assert cell_text(150404900101123.0) == "150404900101123"
    assert cell_text(3.5) == "3.5"
    assert cell_text(None) is None


def test_row_numbers_skip_bad_rows() -> None:
    skipped = np.array([2, 4], dtype=np.int64)
    assert _number_rows(0, 3, skipped).tolist() == [1, 3, 5]
    assert _number_rows(3, 2, skipped).tolist() == [6, 7]
