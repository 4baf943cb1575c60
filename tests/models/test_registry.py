"""Model files: loading, and errors that name the file, the line and the field."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import sqlglot

from lexradar.errors import ModelError
from lexradar.models import Registry, compile_model, load_model
from lexradar.models.registry import pack_root

BIGAMY = pack_root() / "marriage" / "bigamy.yaml"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A model folder holding a copy of marriage.bigamy."""
    target = tmp_path / "marriage"
    target.mkdir()
    shutil.copy(BIGAMY, target / "bigamy.yaml")
    shutil.copy(BIGAMY.with_suffix(".sql"), target / "bigamy.sql")
    return tmp_path


def test_pack_loads_and_every_model_is_complete() -> None:
    reg = Registry()
    assert {"marriage.bigamy", "marriage.after_death"} <= set(reg.models)
    for m in reg.models.values():
        assert m.spec.legal_basis and m.spec.description
        assert "{" in m.spec.explanation.zh and "{" in m.spec.explanation.en


def test_typo_in_a_column_names_file_line_and_column(folder: Path) -> None:
    sql = folder / "marriage" / "bigamy.sql"
    text = sql.read_text(encoding="utf-8")
    sql.write_text(text.replace("o.cert_no AS old_cert_no", "o.cert_no AS old_cert_no, o.spose_id"))
    line = next(i for i, t in enumerate(sql.read_text().splitlines(), 1) if "spose_id" in t)
    with pytest.raises(ModelError) as exc:
        load_model(folder / "marriage" / "bigamy.yaml", folder)
    assert exc.value.location.file == str(sql)
    assert exc.value.location.line == line
    assert "spose_id" in str(exc.value)


def test_unknown_dataset_and_unlisted_dataset(folder: Path) -> None:
    sql = folder / "marriage" / "bigamy.sql"
    original = sql.read_text(encoding="utf-8")
    sql.write_text(original.replace("FROM deaths AS d", "FROM death AS d"))
    with pytest.raises(ModelError, match="unknown dataset 'death'"):
        load_model(folder / "marriage" / "bigamy.yaml", folder)
    sql.write_text(original.replace("FROM deaths AS d", "FROM persons AS d"))
    with pytest.raises(ModelError, match="datasets do not list it") as exc:
        load_model(folder / "marriage" / "bigamy.yaml", folder)
    assert exc.value.location.field == "datasets"


def test_undeclared_parameter(folder: Path) -> None:
    sql = folder / "marriage" / "bigamy.sql"
    text = sql.read_text()
    line = text[: text.index("<= :as_of")].count("\n") + 1  # the first use of :as_of
    sql.write_text(text.replace("<= :as_of", "<= :as_off", 1))
    with pytest.raises(ModelError, match="':as_off' is not declared") as exc:
        load_model(folder / "marriage" / "bigamy.yaml", folder)
    assert exc.value.location.line == line


def test_bad_header_value_names_its_line(folder: Path) -> None:
    header = folder / "marriage" / "bigamy.yaml"
    lines = header.read_text(encoding="utf-8").splitlines()
    at = next(i for i, t in enumerate(lines) if t.startswith("domain:"))
    lines[at] = "domain: criminl"
    header.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ModelError) as exc:
        load_model(header, folder)
    assert exc.value.location.line == at + 1
    assert exc.value.location.field == "domain"


def test_id_must_match_the_path(folder: Path) -> None:
    (folder / "marriage" / "bigamy.yaml").rename(folder / "marriage" / "bigamy2.yaml")
    (folder / "marriage" / "bigamy.sql").rename(folder / "marriage" / "bigamy2.sql")
    with pytest.raises(ModelError, match=r"expected 'marriage\.bigamy2'"):
        load_model(folder / "marriage" / "bigamy2.yaml", folder)


def test_a_project_folder_replaces_a_pack_model_but_not_another_folder(
    folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    assert Registry([folder]).get("marriage.bigamy").path.is_relative_to(folder)
    other = tmp_path_factory.mktemp("other")
    shutil.copytree(folder / "marriage", other / "marriage")
    with pytest.raises(ModelError, match="defined twice"):
        Registry([folder, other])


def test_compile_binds_parameters_and_speaks_spark() -> None:
    m = Registry().get("marriage.after_death")
    plan = compile_model(m.spec, m.tree, dt.date(2024, 5, 1), {"grace_days": "3"}, "spark")
    assert plan.parameters == {"grace_days": 3}
    assert ":as_of" not in plan.sql and ":grace_days" not in plan.sql
    assert "2024-05-01" in plan.sql
    tree = sqlglot.parse_one(plan.sql, read="spark")
    assert tree.find(sqlglot.exp.Array) is not None, "[a, b] became ARRAY(a, b)"
    with pytest.raises(ModelError, match="no parameter 'grace'"):
        compile_model(m.spec, m.tree, dt.date(2024, 5, 1), {"grace": 1})


@pytest.mark.parametrize("raw", [dt.date(2024, 1, 1), [3], None, "three"])
def test_a_parameter_value_that_is_no_number_is_a_bad_value(raw: object) -> None:
    """A golden example's ``params`` come from YAML: a date, a list or ``~`` for an integer
    parameter is a model error naming the parameter, not a TypeError."""
    m = Registry().get("marriage.after_death")
    with pytest.raises(ModelError, match="bad value") as caught:
        compile_model(m.spec, m.tree, dt.date(2024, 5, 1), {"grace_days": raw})
    assert caught.value.location.field == "grace_days"
