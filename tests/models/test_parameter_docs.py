"""The parameters of the model pack are described in Chinese too (``doc_zh``), and the workbench
shows that description in Chinese: a pack model with a parameter without one is refused when it
loads (the file, the line and the parameter named). A project's own models may describe their
parameters in English only."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from lexradar.errors import ModelError
from lexradar.models import registry as registry_module
from lexradar.models.registry import Registry, load_model, pack_root

CJK = re.compile(r"[\u3400-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z_]{2,}")


def test_every_pack_parameter_has_a_chinese_doc() -> None:
    described = 0
    for model in Registry().pack.values():
        for p in model.spec.parameters:
            assert p.doc_zh and CJK.search(p.doc_zh), (model.id, p.name)
            # read by a Chinese prosecutor: no column or parameter names left in it
            assert not LATIN_WORD.search(p.doc_zh), (model.id, p.name, p.doc_zh)
            assert p.doc_in("zh") == p.doc_zh and p.doc_in("en") == p.doc
            described += 1
    assert described >= 16


def _copy_pension(root: Path) -> Path:
    """``pension.after_death`` (header, SQL, examples) copied under ``root``, the Chinese
    description of its second parameter (``high_months``) taken out."""
    folder = root / "pension"
    folder.mkdir(parents=True)
    for suffix in (".yaml", ".sql", ".examples.yaml"):
        shutil.copy(pack_root() / "pension" / f"after_death{suffix}", folder)
    header = folder / "after_death.yaml"
    lines = header.read_text(encoding="utf-8").splitlines(keepends=True)
    (at,) = [i for i, line in enumerate(lines) if "name: high_months" in line]
    cut = re.sub(r', doc_zh: "[^"]*"\}', "}", lines[at])
    assert cut != lines[at] and "doc_zh" not in cut
    lines[at] = cut
    header.write_text("".join(lines), encoding="utf-8")
    return header


def test_a_pack_parameter_without_a_chinese_doc_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = tmp_path / "pack"
    header = _copy_pension(pack)
    monkeypatch.setattr(registry_module, "pack_root", lambda: pack)
    with pytest.raises(ModelError, match=r"high_months.*doc_zh") as caught:
        load_model(header, pack)
    where = caught.value.location
    assert where is not None and where.file == str(header)
    assert where.field == "parameters.1" and where.line is not None
    line = header.read_text(encoding="utf-8").splitlines()[where.line - 1]
    assert "name: high_months" in line
    assert "high_months" in str(caught.value) and str(header) in str(caught.value)


def test_a_project_parameter_may_have_only_its_english_doc(tmp_path: Path) -> None:
    project = tmp_path / "models"
    model = load_model(_copy_pension(project), project)
    first, second = model.spec.parameters
    assert first.doc_zh and first.doc_in("zh") == first.doc_zh
    assert second.doc_zh is None and second.doc_in("zh") == second.doc
