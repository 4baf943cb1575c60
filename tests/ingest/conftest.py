"""Fixtures of ingestion tests: a small synthetic region rendered raw, files built in tmp_path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lexradar.synth import generate
from lexradar.synth.raw import render_raw

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ingest"


@pytest.fixture(scope="session")
def raw_region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic region of 5,000 persons (the minimum) with its raw rendering and mappings."""
    out = tmp_path_factory.mktemp("raw_region")
    generate(5_000, 11, out)
    render_raw(out, 11)
    return out


def write_mapping(folder: Path, text: str, name: str = "m.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


DEATHS_MAPPING = """\
    dataset: deaths
    files: {file}
    {extra}
    columns:
      person_id: 身份证号
      name: 姓名
      death_date: 死亡日期
    constants:
      source: cremation
    """


def deaths_mapping(folder: Path, file: str, extra: str = "") -> Path:
    return write_mapping(folder, DEATHS_MAPPING.format(file=file, extra=extra))
