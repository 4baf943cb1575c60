"""The studio's folders: drafts and their versions, and the model files they compile to.

A draft lives in ``<studio>/<id>/draft.yaml``; every saved version keeps a copy of the model it
compiled to in ``<studio>/<id>/v<N>/`` (what "compare two versions" runs). The model itself is
written where hand-written models live, ``<models>/<a>/<b>.yaml`` + ``.sql`` +
``.examples.yaml``, so the registry, ``lexradar run`` and ``lexradar models test`` see it like
any other — a draft with the id of a pack model is a candidate version of it, which takes the
pack model's place only once promoted to production (see ``Registry``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from lexradar.errors import Location, ModelError
from lexradar.models.registry import EXAMPLES_SUFFIX, Model, Registry, load_model
from lexradar.studio.blocks import Draft
from lexradar.studio.compile import check, header, header_yaml
from lexradar.studio.errors import StudioError
from lexradar.yamlfile import read_yaml

DRAFT_FILE = "draft.yaml"
EDITABLE = ("draft", "testing")
"""Statuses in which a draft may still change; a production model goes back to testing first."""


def write_text(path: Path, text: str) -> None:
    """Write a file through a temporary name, so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


@dataclass(frozen=True)
class Saved:
    """What saving a draft did: the model it compiled to, and whether that is a new version."""

    model: Model
    version: int
    changed: bool


class Studio:
    """The drafts of one project and the model folder they compile into."""

    def __init__(
        self, models_dir: Path | str, studio_dir: Path | str, model_paths: Iterable[Path] = ()
    ) -> None:
        self.models_dir = Path(models_dir)
        self.studio_dir = Path(studio_dir)
        paths = [Path(p) for p in model_paths]
        if not any(_same(p, self.models_dir) for p in paths):
            paths.append(self.models_dir)
        self.model_paths = paths

    # ------------------------------------------------------------------ registry and paths
    def registry(self) -> Registry:
        """Every model of the project: the pack, ``model_paths`` and the studio's folder."""
        return Registry([p for p in self.model_paths if p.is_dir()])

    def header_path(self, model_id: str) -> Path:
        return Path(self.models_dir, *model_id.split(".")).with_suffix(".yaml")

    def examples_path(self, model_id: str) -> Path:
        head = self.header_path(model_id)
        return head.with_name(head.stem + EXAMPLES_SUFFIX)

    def folder(self, model_id: str) -> Path:
        return self.studio_dir / model_id

    def draft_path(self, model_id: str) -> Path:
        return self.folder(model_id) / DRAFT_FILE

    # ------------------------------------------------------------------ drafts
    def exists(self, model_id: str) -> bool:
        return self.draft_path(model_id).exists()

    def load(self, model_id: str) -> Draft:
        """The current draft of ``model_id``; errors name the file, line and field."""
        path = self.draft_path(model_id)
        if not path.exists():
            known = ", ".join(d.id for d in self.drafts()) or "none"
            raise StudioError(f"no draft '{model_id}' (drafts: {known})", Location(file=str(path)))
        raw, node = read_yaml(path, StudioError)
        try:
            return Draft.model_validate(raw)
        except ValidationError as exc:
            from lexradar.yamlfile import line_of

            err = exc.errors()[0]
            loc = tuple(err["loc"])
            where = Location(
                str(path), line=line_of(node, loc) if node else None, field=".".join(map(str, loc))
            )
            raise StudioError(err["msg"], where) from exc

    def drafts(self) -> list[Draft]:
        """Every draft in the studio folder, by id."""
        if not self.studio_dir.is_dir():
            return []
        return [self.load(p.parent.name) for p in sorted(self.studio_dir.glob(f"*/{DRAFT_FILE}"))]

    def status(self, model_id: str) -> str:
        """The lifecycle status of a draft's model (kept in the model header)."""
        head = self.header_path(model_id)
        return load_model(head).spec.status if head.exists() else "draft"

    def save(self, draft: Draft) -> Saved:
        """Compile ``draft`` into model files; a change of header or SQL makes a new version.

        The model's status and history (its lifecycle, see ``lifecycle.py``) are kept; a model
        in production or retired is not changed (move it back to testing first).
        """
        check(draft)  # before anything is written
        head_path = self.header_path(draft.id)
        status, history = "draft", []
        previous = self.load(draft.id) if self.exists(draft.id) else None
        if head_path.exists():
            if previous is None:
                raise StudioError(
                    "a model file not made in the studio is already here; pick another id",
                    Location(file=str(head_path), field="id"),
                )
            current = load_model(head_path)
            status, history = current.spec.status, list(current.spec.history)
        if status not in EDITABLE:
            raise StudioError(
                f"{draft.id} is {status}; move it back to testing before changing it",
                Location(file=str(head_path), field="status"),
            )
        changed = True
        if previous is not None:
            same = draft.model_copy(update={"version": previous.version})
            old_head, old_sql = _compiled(previous)
            new_head, new_sql = _compiled(same)
            changed = (old_head, old_sql) != (new_head, new_sql)
            draft = same.model_copy(update={"version": previous.version + int(changed)})
            if not changed and previous == draft:
                return Saved(load_model(head_path, self.models_dir), draft.version, False)
        head = header(draft, status, history)
        from lexradar.studio.compile import model_sql

        write_text(head_path.with_suffix(".sql"), model_sql(draft))
        write_text(head_path, header_yaml(head))
        if not self.examples_path(draft.id).exists():
            write_text(self.examples_path(draft.id), f"model: {draft.id}\nexamples: []\n")
        model = load_model(head_path, self.models_dir)
        snap = self.folder(draft.id) / f"v{draft.version}"
        snap.mkdir(parents=True, exist_ok=True)
        for f in (head_path, head_path.with_suffix(".sql")):
            shutil.copyfile(f, snap / f.name)
        write_text(self.draft_path(draft.id), draft_yaml(draft))
        return Saved(model, draft.version, changed)

    def model(self, model_id: str) -> Model:
        """The model a draft compiled to, as the registry loads it."""
        head = self.header_path(model_id)
        if not head.exists():
            raise StudioError(f"draft '{model_id}' was never saved", Location(file=str(head)))
        return load_model(head, self.models_dir)

    def versions(self, model_id: str) -> list[int]:
        return sorted(int(p.name[1:]) for p in self.folder(model_id).glob("v*") if p.is_dir())

    def version(self, model_id: str, number: int) -> Model:
        """The model as version ``number`` of its draft compiled it."""
        path = self.folder(model_id) / f"v{number}" / self.header_path(model_id).name
        if not path.exists():
            known = ", ".join(map(str, self.versions(model_id))) or "none"
            raise StudioError(
                f"{model_id} has no version {number} (versions: {known})", Location(file=str(path))
            )
        return load_model(path)

    def resolve(self, name: str) -> Model:
        """A model by name: ``id`` (the project's own copy, else the registry's), ``id@N`` (a
        draft version) or ``id@pack``."""
        model_id, _, which = name.partition("@")
        if which == "pack":
            from lexradar.models.registry import pack_root

            path = Path(pack_root(), *model_id.split(".")).with_suffix(".yaml")
            if not path.exists():
                raise ModelError(f"no pack model '{model_id}'", Location(field="model"))
            return load_model(path, pack_root())
        if which:
            if not which.isdigit():
                raise StudioError(
                    f"'{name}': a version is a number, e.g. {model_id}@2", Location(field="model")
                )
            return self.version(model_id, int(which))
        return self.registry().own(model_id)


def _compiled(draft: Draft) -> tuple[str, str]:
    from lexradar.studio.compile import model_sql

    head = header(draft)
    head.pop("version")
    return header_yaml(head), model_sql(draft)


def draft_yaml(draft: Draft) -> str:
    """A draft as YAML text (what ``draft.yaml`` holds): empty values left out, a block's kind
    first."""
    data = draft.model_dump(mode="json", exclude_none=True)
    data["base"] = {  # an empty name or region of the base is a choice, kept as null
        **draft.base.model_dump(mode="json", exclude={"filters"}),
        "filters": data["base"]["filters"],
    }
    data["blocks"] = [
        {"kind": b.pop("kind"), **{k: v for k, v in b.items() if v not in ([], {})}}
        for b in data["blocks"]
    ]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def _same(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()
