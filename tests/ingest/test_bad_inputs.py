"""Every bad input of issue 3: a clear message naming file, row and field; no half-written batch;
nothing read is lost."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lexradar.errors import IngestError
from lexradar.ingest import ingest
from lexradar.ingest.batches import list_batches
from lexradar.normalize import resident_id
from tests.ingest.conftest import FIXTURES, deaths_mapping

ID = "15040419900101123X"
HEADER = "身份证号,姓名,死亡日期\n"


def _write(folder: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def _nothing_written(lake: Path) -> None:
    if lake.exists():
        leftovers = [p for p in lake.rglob("*") if p.is_file()]
        assert leftovers == [], f"a failed batch left {leftovers}"


def _quarantine(lake: Path, batch: str) -> list[dict]:
    return pq.read_table(lake / "_quarantine" / f"{batch}.parquet").to_pylist()


def _fails(
    tmp_path: Path, file: str, data: bytes | str, match: str, extra: str = ""
) -> IngestError:
    _write(tmp_path, file, data)
    lake = tmp_path / "lake"
    with pytest.raises(IngestError, match=match) as err:
        ingest([deaths_mapping(tmp_path, file, extra)], lake)
    assert file in str(err.value)
    _nothing_written(lake)
    return err.value


def test_empty_file(tmp_path: Path) -> None:
    _fails(tmp_path, "d.csv", b"", "the file is empty")


def test_header_only(tmp_path: Path) -> None:
    err = _fails(tmp_path, "d.csv", HEADER, "header but no data rows")
    assert err.location.row == 1


def test_binary_junk(tmp_path: Path) -> None:
    junk = bytes(range(256)) * 40
    _fails(tmp_path, "d.csv", junk, "binary")


def test_wrong_declared_encoding_names_the_line(tmp_path: Path) -> None:
    text = HEADER + f"{ID},张三,2020-01-01\n" * 3
    err = _fails(tmp_path, "d.csv", text.encode("gb18030"), "not valid utf-8", "encoding: utf-8")
    assert err.location.line == 1


def test_utf8_declared_as_gbk_is_refused(tmp_path: Path) -> None:
    text = HEADER + f"{ID},张三,2020-01-01\n"
    _fails(tmp_path, "d.csv", text, "the file is UTF-8", "encoding: gbk")


def test_duplicate_headers(tmp_path: Path) -> None:
    text = "身份证号,姓名,姓名,死亡日期\n" + f"{ID},张三,张三,2020-01-01\n"
    err = _fails(tmp_path, "d.csv", text, "more than once, at positions 2, 3")
    assert err.location.field == "columns.name"


def test_wrong_field_counts_and_truncation_are_quarantined(tmp_path: Path) -> None:
    text = (
        HEADER
        + f"{ID},张三,2020-01-01\n"
        + f"{ID},李四,2020-01-02,多余\n"  # too many fields
        + f'{ID},"王\n五",2020-01-03\n'  # a quoted newline is fine
        + f"{ID},赵六\n"  # too few fields
        + f"{ID},钱七,2020-01-05\n"
        + f'{ID},"孙'  # truncated inside a quoted field
    )
    _write(tmp_path, "d.csv", text)
    lake = tmp_path / "lake"
    result = ingest([deaths_mapping(tmp_path, "d.csv")], lake)[0]
    assert (result.read, result.loaded, result.quarantined) == (6, 3, 3)
    rows = {q["source_row"]: q["reason"] for q in _quarantine(lake, result.batch_id)}
    assert rows == {2: "too_many_fields", 4: "too_few_fields", 6: "too_few_fields"}
    loaded = pq.read_table(lake / "deaths").to_pydict()
    assert loaded["source_row"] == [1, 3, 5]
    assert loaded["name"][1] == "王五"


def test_truncated_value_is_not_read_as_an_excel_serial(tmp_path: Path) -> None:
    _write(tmp_path, "d.csv", HEADER + f"{ID},张三,2020-01-01\n{ID},李四,20")
    lake = tmp_path / "lake"
    result = ingest([deaths_mapping(tmp_path, "d.csv")], lake)[0]
    [q] = _quarantine(lake, result.batch_id)
    assert (q["source_row"], q["field"], q["raw_value"], q["reason"]) == (
        2, "death_date", "20", "bad_date"
    )  # fmt: skip


def test_dates_out_of_range(tmp_path: Path) -> None:
    text = HEADER + f"{ID},张三,1800-01-01\n{ID},李四,2099/1/1\n{ID},王五,2015年3月8日\n"
    _write(tmp_path, "d.csv", text)
    lake = tmp_path / "lake"
    result = ingest([deaths_mapping(tmp_path, "d.csv")], lake)[0]
    quarantine = _quarantine(lake, result.batch_id)
    assert [(q["source_row"], q["field"], q["reason"]) for q in quarantine] == [
        (1, "death_date", "date_out_of_range"),
        (2, "death_date", "date_out_of_range"),
    ]
    assert "1800-01-01 is outside" in quarantine[0]["detail"]


def _xlsx(path: Path, sheets: dict[str, list[list[object]]], merge: str | None = None) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if merge:
            sheet.merge_cells(merge)
    book.save(path)
    return path


def test_xlsx_with_several_sheets_needs_a_sheet(tmp_path: Path) -> None:
    rows: list[list[object]] = [["身份证号", "姓名", "死亡日期"], [ID, "张三", "2020-01-01"]]
    _xlsx(tmp_path / "d.xlsx", {"说明": [["导出说明"]], "死亡": rows})
    lake = tmp_path / "lake"
    with pytest.raises(IngestError, match=r"2 sheets \(说明, 死亡\)") as err:
        ingest([deaths_mapping(tmp_path, "d.xlsx")], lake)
    assert err.value.location.field == "sheet" and "m.yaml, line" in str(err.value)
    _nothing_written(lake)
    result = ingest([deaths_mapping(tmp_path, "d.xlsx", "sheet: 死亡")], lake)[0]
    assert result.loaded == 1


def test_xlsx_id_column_of_floats_is_flagged_damaged(tmp_path: Path) -> None:
    id15 = "150404900101123"
    rows: list[list[object]] = [
        ["身份证号", "姓名", "死亡日期"],
        [150404199001011000.0, "张三", "2020-01-01"],  # an 18-digit ID as Excel keeps it
        [float(id15), "李四", 43831],  # a 15-digit ID survives a float; a serial date
        [ID, "王五", "2020-01-01"],
    ]
    _xlsx(tmp_path / "d.xlsx", {"死亡": rows})
    lake = tmp_path / "lake"
    result = ingest([deaths_mapping(tmp_path, "d.xlsx")], lake)[0]
    assert (result.loaded, result.quarantined) == (3, 0), "a damaged ID is kept, never guessed"
    got = pq.read_table(lake / "deaths").to_pydict()
    assert got["person_id"][0] == "1.50404199001011e+17", "kept as Excel gave it"
    assert got["person_id"][1] == resident_id.to18(id15)
    assert str(got["death_date"][1]) == "2020-01-01"  # serial 43831
    assert result.warnings == {"damaged_excel": 1, "converted_15": 1}


def test_xlsx_merged_cells_leave_rows_that_are_quarantined(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["身份证号", "姓名", "死亡日期"],
        [ID, "张三", "2020-01-01"],
        [ID, "李四", "2020-01-02"],
    ]
    _xlsx(tmp_path / "d.xlsx", {"死亡": rows}, merge="C2:C3")
    lake = tmp_path / "lake"
    result = ingest([deaths_mapping(tmp_path, "d.xlsx")], lake)[0]
    [q] = _quarantine(lake, result.batch_id)
    assert (q["source_row"], q["field"], q["reason"]) == (2, "death_date", "missing_value")


def test_gbk_fixture_keeps_fixable_defects_as_warnings(tmp_path: Path) -> None:
    mapping = tmp_path / "persons_gbk.yaml"
    mapping.write_bytes((FIXTURES / "persons_gbk.yaml").read_bytes())
    (tmp_path / "persons_gbk.csv").write_bytes((FIXTURES / "persons_gbk.csv").read_bytes())
    lake = tmp_path / "lake"
    result = ingest([mapping], lake)[0]
    assert (result.read, result.loaded, result.quarantined) == (7, 5, 2)
    assert result.rejects == {"date_out_of_range": 1, "unmapped_value": 1}
    assert result.warnings["damaged_excel"] == 1, "kept with its flag"
    assert result.warnings["converted_15"] == 1
    assert result.warnings["traditional_name"] == 1
    assert result.warnings["name_dot_variant"] == 1
    assert list_batches(lake)[0]["encoding"] == "gb18030"
    names = pq.read_table(lake / "persons").column("name").to_pylist()
    assert names == ["张伟", "张丽华", "巴特尔·那顺", "王芳", "李四"]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(
                [ID, "150404900101123", "1.5E+17", "", "x" * 18, " 15040419900101123x"]
            ),
            st.text(alphabet="张王李巴特尔·• 　1", max_size=5),
            st.sampled_from(
                ["2020-01-01", "2015/3/8", "2015年3月8日", "20150308", "1800-01-01", "", "?"]
            ),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_loaded_plus_quarantined_is_read(tmp_path_factory: pytest.TempPathFactory, rows) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("prop")
    lines = [",".join(f'"{c}"' for c in row) for row in rows]
    _write(folder, "d.csv", HEADER + "\n".join(lines) + "\n")
    result = ingest([deaths_mapping(folder, "d.csv")], folder / "lake")[0]
    assert result.read == len(rows)
    assert result.loaded + result.quarantined == result.read
