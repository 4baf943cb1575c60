"""A NUL byte in a text export (issue 16): the error names the file, the physical line (1-based)
and the field the NUL is in — whatever the encoding, however far into the file, whether the
encoding is declared or detected — and the failed batch leaves nothing in the lake."""

from __future__ import annotations

from pathlib import Path

import pytest

from lexradar.errors import IngestError
from lexradar.ingest import ingest
from tests.ingest.conftest import deaths_mapping


def _export(path: Path, lines: int, nul_line: int, encoding: str, column: int) -> Path:
    """A deaths export of ``lines`` physical lines (the header is line 1) with a NUL in
    ``column`` (0: 身份证号, 1: 姓名, 2: 死亡日期) of line ``nul_line``."""
    rows = ["身份证号,姓名,死亡日期"]
    for n in range(2, lines + 1):
        cells = [f"15040419900101{n % 10000:04d}", f"张{n}", "2020-01-02"]
        if n == nul_line:
            cells[column] = cells[column][:2] + "\x00" + cells[column][2:]
        rows.append(",".join(cells))
    path.write_bytes(("\n".join(rows) + "\n").encode(encoding))
    return path


CASES = [
    # (encoding, declared in the mapping, lines, NUL on line, column, field)
    ("utf-8", False, 40, 17, 1, "姓名"),  # detected from the first MiB
    ("utf-8", True, 40, 2, 0, "身份证号"),
    ("gb18030", False, 40, 23, 2, "死亡日期"),
    ("gb18030", True, 40, 9, 1, "姓名"),  # transcoded: used to name the block's last line
    ("utf-8", True, 120_000, 100_003, 1, "姓名"),  # past the first MiB
    ("gb18030", True, 120_000, 99_998, 0, "身份证号"),
    ("utf-16", True, 40, 31, 2, "死亡日期"),
]


@pytest.mark.parametrize(("encoding", "declared", "lines", "line", "column", "field"), CASES)
def test_the_nul_error_names_file_line_and_field(
    tmp_path: Path,
    encoding: str,
    declared: bool,
    lines: int,
    line: int,
    column: int,
    field: str,
) -> None:
    _export(tmp_path / "deaths.csv", lines, line, encoding, column)
    extra = f"encoding: {encoding}" if declared else ""
    lake = tmp_path / "lake"
    with pytest.raises(IngestError, match="NUL character") as err:
        ingest([deaths_mapping(tmp_path, "deaths.csv", extra)], lake)
    where = err.value.location
    assert where.file is not None and Path(where.file).name == "deaths.csv"
    assert (where.line, where.field) == (line, field)
    assert f"line {line}" in str(err.value) and f"field '{field}'" in str(err.value)
    assert not lake.exists() or not list(lake.rglob("*.parquet"))


def test_a_binary_file_is_still_called_one(tmp_path: Path) -> None:
    (tmp_path / "deaths.csv").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 64)
    with pytest.raises(IngestError, match="binary file"):
        ingest([deaths_mapping(tmp_path, "deaths.csv")], tmp_path / "lake")
