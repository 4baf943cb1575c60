"""Mapping files: validated against the contract, errors name the file, the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from lexradar.errors import IngestError
from lexradar.ingest import ingest
from lexradar.ingest.mapping import load
from tests.ingest.conftest import FIXTURES, deaths_mapping, write_mapping


def _csv(folder: Path, text: str, name: str = "deaths.csv", encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def test_fixture_mapping_loads_with_defaults() -> None:
    m = load(FIXTURES / "persons_gbk.yaml")
    assert m.dataset == "persons"
    assert m.file_format(FIXTURES / "persons_gbk.csv") == "csv"
    assert m.transform("person_id").type == "resident_id"
    assert m.transform("birth_date").type == "date"
    assert m.lines["columns.name"] == 6


def test_a_column_the_file_lacks_lists_real_columns_and_closest_match(tmp_path: Path) -> None:
    _csv(tmp_path, "身份证号,死者姓名,死亡日期\n150404199001011234,张三,2020-01-01\n")
    mapping = deaths_mapping(tmp_path, "deaths.csv")
    with pytest.raises(IngestError) as err:
        ingest([mapping], tmp_path / "lake")
    msg = str(err.value)
    assert "has no column '姓名'" in msg and "closest match: '死者姓名'" in msg
    assert "'身份证号', '死者姓名', '死亡日期'" in msg
    assert err.value.location.file == str(mapping) and err.value.location.line == 6
    assert err.value.location.field == "columns.name"
    assert not (tmp_path / "lake").exists() or not list((tmp_path / "lake").rglob("*.parquet"))


def test_a_field_typo_suggests_the_contract_field(tmp_path: Path) -> None:
    path = write_mapping(
        tmp_path,
        """\
        dataset: deaths
        files: x.csv
        columns:
          person_id: 身份证号
          nmae: 姓名
          death_date: 死亡日期
        """,
    )
    with pytest.raises(IngestError, match="'nmae' is not a field of deaths; did you mean 'name'"):
        load(path)
    with pytest.raises(IngestError) as err:
        load(path)
    assert err.value.location.line == 5 and err.value.location.file == str(path)


@pytest.mark.parametrize(
    ("body", "message", "line"),
    [
        ("dataset: death\nfiles: x.csv\ncolumns: {}\n", "did you mean 'deaths'", 1),
        ("dataset: deaths\nfiles: x.csv\nformat: xlsb\ncolumns: {}\n", "format", 3),
        (
            "dataset: deaths\nfiles: x.csv\ncolumns:\n  person_id: a\n  name: b\n",
            "required field 'death_date'",
            3,
        ),
        (
            "dataset: deaths\nfiles: x.csv\ncolumns: {person_id: a, name: b, death_date: c}\n"
            "constants:\n  source: crematorium\n",
            "not one of cremation",
            5,
        ),
        (
            "dataset: persons\nfiles: x.csv\ncolumns: {person_id: a, name: b, gender: c,\n"
            "  birth_date: d, region_code: e, status: f}\nvalues:\n  gender: {男: male}\n",
            "'男' maps to 'male'",
            6,
        ),
        ("dataset: deaths\nfiles: [x.csv\n", "not valid YAML", 3),
    ],
)
def test_bad_mappings_name_the_line(tmp_path: Path, body: str, message: str, line: int) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(IngestError, match=message) as err:
        load(path)
    assert err.value.location.file == str(path)
    assert err.value.location.line == line


def test_no_matching_file_is_an_error(tmp_path: Path) -> None:
    mapping = deaths_mapping(tmp_path, "nothing-*.csv")
    with pytest.raises(IngestError, match="no file matches"):
        ingest([mapping], tmp_path / "lake")


def test_every_example_in_the_docs_is_a_valid_mapping(tmp_path: Path) -> None:
    from lexradar.datasets import CONTRACT

    doc = (Path(__file__).parents[2] / "docs" / "ingest.md").read_text(encoding="utf-8")
    blocks = [b.split("\n", 1)[1] for b in doc.split("```")[1::2] if b.startswith("yaml")]
    seen = set()
    for i, block in enumerate(blocks):
        path = tmp_path / f"example{i}.yaml"
        path.write_text(block, encoding="utf-8")
        seen.add(load(path).dataset)
    assert seen == set(CONTRACT), "docs/ingest.md needs an example per dataset"
