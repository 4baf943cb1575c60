"""The golden examples of the model pack are named in Chinese too (``name_zh``), and the
workbench shows that name in Chinese: a pack example without one is refused when the examples
load (``lexradar models test`` and the model page fail on it). A project's own examples may
have only their English name."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from lexradar.errors import ModelError
from lexradar.models import registry as registry_module
from lexradar.models.examples import examples_path, load_examples
from lexradar.models.registry import Registry, load_model, pack_root

CJK = re.compile(r"[\u3400-\u9fff]")


def test_every_pack_example_has_a_chinese_name() -> None:
    named = 0
    for model in Registry().pack.values():
        for example in load_examples(model):
            assert example.name_zh and CJK.search(example.name_zh), (model.id, example.name)
            assert example.title("zh") == example.name_zh and example.title("en") == example.name
            named += 1
    assert named >= 80


def _copy_bigamy(root: Path) -> Path:
    """``marriage.bigamy`` (header, SQL, examples) copied under ``root``; its examples file
    with the Chinese name of the third example taken out."""
    folder = root / "marriage"
    folder.mkdir(parents=True)
    for suffix in (".yaml", ".sql", ".examples.yaml"):
        shutil.copy(pack_root() / "marriage" / f"bigamy{suffix}", folder)
    path = folder / "bigamy.examples.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    zh = [i for i, line in enumerate(lines) if line.startswith("    name_zh:")]
    del lines[zh[2]]
    path.write_text("".join(lines), encoding="utf-8")
    return folder / "bigamy.yaml"


def test_a_pack_example_without_a_chinese_name_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = tmp_path / "pack"
    header = _copy_bigamy(pack)
    monkeypatch.setattr(registry_module, "pack_root", lambda: pack)
    model = load_model(header, pack)
    with pytest.raises(ModelError, match="name_zh") as caught:
        load_examples(model)
    where = caught.value.location
    assert where is not None and where.file == str(examples_path(model))
    assert where.field == "examples.2" and where.line is not None
    text = examples_path(model).read_text(encoding="utf-8").splitlines()
    assert text[where.line - 1].lstrip().startswith("- name:")


def test_a_project_example_may_have_only_its_english_name(tmp_path: Path) -> None:
    project = tmp_path / "models"
    header = _copy_bigamy(project)
    examples = load_examples(load_model(header, project))
    assert examples[2].name_zh is None and examples[2].title("zh") == examples[2].name
