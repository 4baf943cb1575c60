"""The vectorized paths give what the value-by-value paths give: repairs, columns, readers."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lexradar.datasets.contract_model import CONTRACT
from lexradar.errors import IngestError, NormalizeError
from lexradar.ingest import fastpath, readers
from lexradar.ingest.convert import FieldConverter
from lexradar.ingest.mapping import Transform
from lexradar.ingest.readers import cell_text, open_reader
from lexradar.normalize import money, name, resident_id

ids15 = st.one_of(
    st.from_regex(r"15[0-9]{4}[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}",
                  fullmatch=True),
    st.from_regex(r"[0-9]{15}", fullmatch=True),
    st.from_regex(r"[0-9 xX中]{13,16}", fullmatch=True),
)  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(st.lists(ids15, min_size=1, max_size=20))
def test_15_digit_ids_agree_with_the_normalizer(texts: list[str]) -> None:
    values, hit = fastpath.resident_ids_15(pa.array(texts, pa.string()))
    for text, value, converted in zip(texts, values.to_pylist(), hit, strict=True):
        parsed = resident_id.parse(text)
        if converted:
            assert parsed.status == "converted_15" and parsed.value == value, text
        elif len(text) == 15 and text.isascii() and text.isdigit():
            assert parsed.status != "converted_15", text


amount_text = st.one_of(
    st.integers(0, 10**13).map(str),
    st.decimals(0, 10**9, places=2).map(str),
    st.from_regex(r"[-+]?[0-9,.]{1,8}(元)?", fullmatch=True),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(amount_text, min_size=1, max_size=20), st.sampled_from(["fen", "yuan"]))
def test_amounts_agree_with_the_normalizer(texts: list[str], unit: str) -> None:
    values, ok = fastpath.amounts(pa.array(texts, pa.string()), unit)
    for text, value, hit in zip(texts, values.to_pylist(), ok, strict=True):
        if hit:
            assert value == money.parse_yuan(text, unit), text  # type: ignore[arg-type]


spaced_names = st.one_of(
    st.sampled_from(
        ["王　伟", " 李 晓丽", "萨\u3000仁", "王 曉", "巴特尔 · 那顺", "无 名", "不 详"]
    ),
    st.text(alphabet="张王李赵巴特尔那顺乾於發髮干·• 　\t", min_size=1, max_size=7),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(spaced_names, min_size=1, max_size=20))
def test_spaced_names_agree_with_the_normalizer(texts: list[str]) -> None:
    values, hit = fastpath.names_spacing(pa.array(texts, pa.string()))
    for text, value, repaired in zip(texts, values.to_pylist(), hit, strict=True):
        if repaired:
            assert name.clean(text) == value != text, text


traditional_names = st.one_of(
    st.sampled_from(["王曉燕", "陳衛東", "乾隆", "於丹", "髮", "薴麻", "臺灣省", "王伟", "不詳"]),
    st.text(alphabet="王張陳衛東曉燕乾於發髮干幹薴臺灣张伟", min_size=1, max_size=6),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(traditional_names, min_size=1, max_size=20))
def test_traditional_names_agree_with_the_normalizer(texts: list[str]) -> None:
    values, hit = fastpath.names_traditional(pa.array(texts, pa.string()))
    conv = FieldConverter(CONTRACT["persons"].field("name"), Transform(type="name"))
    for text, value, converted in zip(texts, values.to_pylist(), hit, strict=True):
        if converted:
            outcome = conv.one(text)
            assert (outcome.value, outcome.warning) == (value, "traditional_name"), text


FIELDS = {
    "resident_id": ("persons", "person_id"),
    "name": ("persons", "name"),
    "date": ("persons", "birth_date"),
    "fen": ("pension_payments", "amount"),
    "timestamp": ("border_crossings", "crossed_at"),
}
MIXED = {
    "resident_id": ["150402900628043", "15040219900628043X", "150402199006280436", " 150402 ",
                    "1.50402199006280e+17", "150402199006280437", None, "abc"],
    "name": ["王伟", "王　伟", "張偉", "巴特尔•那顺", "不详", " 李 晓丽", None, "1二", "乾隆"],
    "date": ["2015-03-08", "2015/3/8", "2015年3月8日", "20150308", "1800-01-01", "2015-02-30",
             None, "3/8/2015"],
    "fen": ["279100", "5", "-3", "1,000", "12.5", "abc", None, "00012"],
    "timestamp": ["2022-05-27 00:00:00.000000", "2022-05-27T10:11:12", "2022-05-27 10:11:12.5",
                  "2022-02-30 00:00:00.000", "2022/5/27 10:11:12", "x", None, "2022-05-27"],
}  # fmt: skip


@pytest.mark.parametrize("encoded", [True, False], ids=["dictionary", "row-by-row"])
@pytest.mark.parametrize("kind", sorted(FIELDS))
def test_a_column_converts_as_its_values_one_by_one(kind: str, encoded: bool) -> None:
    """Dictionary encoding (or none, for columns of nearly distinct values), fast path,
    vectorized repairs and normalizers together give, row for row, what converting each value
    on its own gives."""
    dataset, field = FIELDS[kind]
    transform = Transform(type=kind)
    raws = MIXED[kind] * 3  # repeated values share one conversion
    conv = FieldConverter(CONTRACT[dataset].field(field), transform)
    if not encoded:  # as after a chunk of distinct values; a column with nulls is encoded
        raws = [r for r in raws if r is not None]
        conv.distinct_rows = True
    column = conv.column(pa.array(raws, pa.string()))
    if not encoded:  # each row its own value: no dictionary was built
        assert column.index is not None and column.index.tolist() == list(range(len(raws)))
    one = FieldConverter(CONTRACT[dataset].field(field), transform)
    kinds = column.warning_kinds(column.warned)
    warned = iter(kinds)
    for i, raw in enumerate(raws):
        outcome = one.one(raw)
        assert column.bad[i] == (outcome.error is not None), raw
        assert column.warned[i] == (outcome.warning is not None), raw
        if outcome.warning is not None:
            assert next(warned) == outcome.warning, raw
        if outcome.error is None:
            assert column.values[i].as_py() == outcome.value, raw
    assert kinds.count("converted_15") == (3 if kind == "resident_id" else 0)


def test_jsonl_blocks_fall_back_line_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blocks the JSON reader takes whole and blocks it refuses (a number, a bad line, a blank
    line) give the same rows, numbers and bad rows as reading line by line."""
    monkeypatch.setattr(readers, "JSON_BLOCK", 200)
    lines: list[str] = []
    for i in range(60):
        obj: dict[str, object] = {"号码": f"N{i}", "姓名": f"张{i}", "日期": "2020-01-01"}
        if i == 17:
            obj["号码"] = 150404900101123.0
        if i == 30:
            obj.pop("姓名")
        if i == 41:
            obj["多余"] = [1, 2]
        lines.append(json.dumps(obj, ensure_ascii=False))
    lines[25] = "{broken"
    lines.insert(50, "   ")
    (tmp_path / "f.jsonl").write_text("\n".join(lines), encoding="utf-8")  # no final newline
    reader = open_reader(tmp_path / "f.jsonl", "jsonl")
    chunks = list(reader.chunks())
    assert len(chunks) > 3
    rows = [n for c in chunks for n in c.rows.tolist()]
    ids = [v for c in chunks for v in c.table["c0"].to_pylist()]
    names = [v for c in chunks for v in c.table["c1"].to_pylist()]
    assert [(b.row, b.reason) for b in reader.bad_rows] == [(26, "bad_json")]
    assert rows == [n for n in range(1, 61) if n != 26]
    assert ids[17] == "150404900101123" and ids[-1] == "N59"
    assert names[29] is None  # row 31 lacks the field
    expected = [cell_text(json.loads(line).get("号码")) for line in lines[:3]]
    assert ids[:3] == expected


def test_utf8_passes_through_and_bad_bytes_name_the_line(tmp_path: Path) -> None:
    body = "".join(f"{i},张三\n" for i in range(200_000))
    good = tmp_path / "good.csv"
    good.write_bytes(b"\xef\xbb\xbf" + f"编号,姓名\n{body}".encode())
    reader = open_reader(good, "csv")
    assert reader.header == ["编号", "姓名"] and reader.encoding == "utf-8-sig"
    chunks = list(reader.chunks())
    assert sum(c.table.num_rows for c in chunks) == 200_000
    assert chunks[0].table["c1"][0].as_py() == "张三"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(f"编号,姓名\n{body}".encode() + b"7,\xff\xfe\n")
    with pytest.raises(IngestError, match="not valid utf-8") as err:
        list(open_reader(bad, "csv", "utf-8").chunks())
    assert err.value.location.line == 200_002
    nul = tmp_path / "nul.csv"
    nul.write_bytes(f"编号,姓名\n{body}".encode() + b"7,\x00\n")
    with pytest.raises(IngestError, match="NUL") as err:
        list(open_reader(nul, "csv", "utf-8").chunks())
    assert err.value.location.line == 200_002


def test_excel_columns_keep_cells_as_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Numbers, dates and booleans become the text they show; empty lines are skipped, values
    beyond the header are bad rows; row numbers hold across blocks."""
    from openpyxl import Workbook

    monkeypatch.setattr(readers, "CHUNK_ROWS", 3)
    book = Workbook()
    sheet = book.active
    sheet.append(["身份证号", "姓名", "日期", "已婚"])
    sheet.append([150404199001011000.0, "张三", dt.datetime(2015, 3, 8), True])
    sheet.append(["150404199001011236", "李四", "2015/3/8", None])
    sheet.append([None, None, None, None])
    sheet.append([150404900101123, "王五", 42000, False])
    sheet.append(["1", "赵六", "x", None, "多余"])
    sheet.append(["150404199001011236", " ", "", None])
    book.save(tmp_path / "f.xlsx")
    reader = open_reader(tmp_path / "f.xlsx", "xlsx")
    chunks = list(reader.chunks())
    table = pa.concat_tables(c.table for c in chunks)
    rows = [n for c in chunks for n in c.rows.tolist()]
    assert rows == [1, 2, 4, 6]
    assert table["c0"].to_pylist() == [
        "1.50404199001011e+17", "150404199001011236", "150404900101123", "150404199001011236",
    ]  # fmt: skip
    assert table["c1"].to_pylist() == ["张三", "李四", "王五", " "]
    assert table["c2"].to_pylist() == ["2015-03-08", "2015/3/8", "42000", None]
    assert table["c3"].to_pylist() == ["TRUE", None, "FALSE", None]
    assert [(b.row, b.reason) for b in reader.bad_rows] == [(5, "too_many_fields")]
    assert reader.bad_rows[0].text == "1\t赵六\tx\t\t多余"


def test_constants_and_provenance_fill_whole_columns() -> None:
    conv = FieldConverter(CONTRACT["deaths"].field("source"), Transform(type="text"))
    assert conv.constant("cremation", 3).to_pylist() == ["cremation"] * 3
    amount = FieldConverter(CONTRACT["pension_payments"].field("amount"), Transform(type="fen"))
    assert amount.column(pa.array(["279100"])).values.to_pylist() == [Decimal("2791.00")]
    with pytest.raises(NormalizeError):
        amount.constant("abc", 2)
