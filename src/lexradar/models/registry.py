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
    tree: exp.Query
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
        in_pack = path.resolve().is_relative_to(pack_root().resolve())
        spec = ModelSpec.model_validate(raw, context={"pack": in_pack})
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


PRODUCTION = ("production",)
"""What production runs, loads and the scheduler take unless asked for other statuses."""
LIVE = ("production", "retired")
"""Statuses in which a project's own copy of a built-in model takes the built-in's place."""


class Registry:
    """Every model known to a project, by id.

    A project's own copy of a built-in model (same id, in one of the project's folders) takes
    the built-in's place only once it is in production (or retired) — promoted through the
    gate. Until then it is a *candidate*: the built-in keeps serving production runs, and the
    copy is what the studio and the lifecycle work on (:meth:`own`). Two folders of the project
    defining one id is an error.
    """

    def __init__(self, extra_paths: Iterable[Path] = ()) -> None:
        self.models: dict[str, Model] = {}
        """The model each id stands for in the project (what lists and pages show)."""
        self.pack: dict[str, Model] = {}
        """The built-in models."""
        self.candidates: dict[str, Model] = {}
        """The project's own copies of built-in models that are not (yet) in production."""
        self.folders = [Path(p) for p in extra_paths]
        own: dict[str, Model] = {}
        for path in model_files(pack_root()):
            model = load_model(path, pack_root())
            self.pack[model.id] = model
        for root in self.folders:
            for path in model_files(root):
                model = load_model(path, root)
                earlier = own.get(model.id)
                if earlier is not None:
                    raise ModelError(
                        f"model id '{model.id}' is defined twice (also in {earlier.path})",
                        Location(file=str(path), field="id"),
                    )
                own[model.id] = model
        self.models.update(self.pack)
        for model_id, model in own.items():
            if model_id in self.pack and model.spec.status not in LIVE:
                self.candidates[model_id] = model
            else:
                self.models[model_id] = model
        self._own = own

    def is_builtin(self, model_id: str) -> bool:
        """Whether ``model_id`` is the id of a built-in (pack) model."""
        return model_id in self.pack

    def get(self, model_id: str) -> Model:
        """The model ``model_id`` stands for (a candidate copy of a built-in is not it)."""
        try:
            return self.models[model_id]
        except KeyError:
            raise ModelError(
                f"no model '{model_id}'; known: {', '.join(sorted(self.models))}",
                Location(field="model"),
            ) from None

    def own(self, model_id: str) -> Model:
        """The version a model builder works on: the project's own copy, else :meth:`get`."""
        return self._own.get(model_id) or self.get(model_id)

    def versions(self, model_id: str) -> list[Model]:
        """Every version of ``model_id`` the project has: its own copy first, then the pack's."""
        found = [m for m in (self._own.get(model_id), self.pack.get(model_id)) if m is not None]
        if not found:
            self.get(model_id)  # raises, naming the known ids
        return found

    def select(
        self, ids: Iterable[str] | None = None, statuses: Iterable[str] = PRODUCTION
    ) -> list[Model]:
        """The models a run takes: of ``ids`` (default: every model), the version of each in
        one of ``statuses`` — production unless asked. An id named explicitly that has no
        version in those statuses is an error saying which statuses it has."""
        wanted = tuple(statuses)
        chosen = list(ids or [])
        if not chosen:
            out = []
            for model_id in sorted({*self.models, *self.candidates}):
                found = self._pick(model_id, wanted)
                if found is not None:
                    out.append(found)
            return out
        picked = []
        for model_id in chosen:
            found = self._pick(model_id, wanted)
            if found is None:
                has = ", ".join(m.spec.status for m in self.versions(model_id))
                raise ModelError(
                    f"model '{model_id}' has no version in {'/'.join(wanted)} (it is {has}); "
                    f"runs take production models unless asked, e.g. --status {has.split(',')[0]}",
                    Location(field="status"),
                )
            picked.append(found)
        return picked

    def _pick(self, model_id: str, statuses: tuple[str, ...]) -> Model | None:
        versions = [m for m in (self._own.get(model_id), self.pack.get(model_id)) if m]
        return next((m for m in versions if m.spec.status in statuses), None)

    def domains(self) -> dict[str, str]:
        """Domain of every model id the project knows (candidates included)."""
        out: dict[str, str] = {m.id: m.spec.domain for m in self.pack.values()}
        out.update({m.id: m.spec.domain for m in self._own.values()})
        return out
