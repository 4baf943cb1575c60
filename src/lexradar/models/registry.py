"""Finding models: the built-in pack plus the folders named in lexradar.toml.

A model is ``<folder>/<a>/<b>.yaml`` (header) + ``<folder>/<a>/<b>.sql`` (rule); its id is the
path with dots, ``a.b``. Golden examples live beside it in ``<b>.examples.yaml``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlglot import exp

from lexradar.errors import Location, ModelError
from lexradar.models.compile import parse
from lexradar.models.spec import ModelSpec
from lexradar.yamlfile import line_of, read_yaml

EXAMPLES_SUFFIX = ".examples.yaml"


@dataclass(frozen=True)
class Model:
    spec: ModelSpec
    sql: str
    tree: exp.Expression
    path: Path

    @property
    def id(self) -> str:
        return self.spec.id


def _line(node: yaml.Node, loc: tuple[Any, ...]) -> int | None:
    return line_of(node, loc)


def load_model(path: Path, root: Path | None = None) -> Model:
    """Load and validate one model; errors name the file, the line and the field."""
    path = Path(path)
    raw, node = read_yaml(path, ModelError)
    if not isinstance(raw, dict) or node is None:
        raise ModelError("a model header must be a YAML mapping", Location(file=str(path)))
    try:
        spec = ModelSpec.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        raise ModelError(
            err["msg"],
            Location(file=str(path), line=_line(node, loc), field=".".join(map(str, loc))),
        ) from exc
    if root is not None:
        expected = ".".join(path.relative_to(root).with_suffix("").parts)
        if spec.id != expected:
            raise ModelError(
                f"id '{spec.id}' does not match the file's place; expected '{expected}'",
                Location(file=str(path), line=_line(node, ("id",)), field="id"),
            )
    sql_path = path.with_suffix(".sql")
    if not sql_path.exists():
        raise ModelError("the rule's SQL file is missing", Location(file=str(sql_path)))
    sql = sql_path.read_text(encoding="utf-8")
    tree = parse(spec, sql, sql_path)
    return Model(spec, sql, tree, path)


def pack_root() -> Path:
    return Path(str(resources.files("lexradar.models") / "pack"))


def model_files(root: Path) -> Iterator[Path]:
    for p in sorted(root.rglob("*.yaml")):
        if not p.name.endswith(EXAMPLES_SUFFIX):
            yield p


class Registry:
    """Every model known to a project, by id.

    A model in one of the project's folders replaces the pack model of the same id; two folders
    of the project defining one id is an error.
    """

    def __init__(self, extra_paths: Iterable[Path] = ()) -> None:
        self.models: dict[str, Model] = {}
        pack = pack_root()
        for root in (pack, *map(Path, extra_paths)):
            for path in model_files(root):
                model = load_model(path, root)
                earlier = self.models.get(model.id)
                if earlier is not None and earlier.path.is_relative_to(pack):
                    self.models[model.id] = model  # a procuratorate's own version of a pack model
                    continue
                if earlier is not None:
                    raise ModelError(
                        f"model id '{model.id}' is defined twice (also in "
                        f"{self.models[model.id].path})",
                        Location(file=str(path), field="id"),
                    )
                self.models[model.id] = model

    def get(self, model_id: str) -> Model:
        try:
            return self.models[model_id]
        except KeyError:
            raise ModelError(
                f"no model '{model_id}'; known: {', '.join(sorted(self.models))}",
                Location(field="model"),
            ) from None

    def select(self, ids: Iterable[str] | None = None) -> list[Model]:
        ids = list(ids or [])
        if not ids:
            return [m for m in self.models.values() if m.spec.status != "retired"]
        return [self.get(i) for i in ids]
