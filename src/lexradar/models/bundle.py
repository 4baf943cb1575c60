"""A model as one file, to move between procuratorates: header, SQL, golden examples, docs.

A bundle leaves the procuratorate, so it carries no real personal data: the golden examples
are pseudonymised on export (:func:`bundle_examples`), each example with its own
:class:`~lexradar.normalize.pseudonym.Pseudonymiser` — the same person keeps one pseudonym across
the example's rows and expectations, IDs stay valid (or wrong by as much as they were), dates
and amounts are kept — so the examples still pass where the bundle is imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from lexradar.errors import Location, ModelError
from lexradar.models.registry import EXAMPLES_SUFFIX, Model, load_model
from lexradar.normalize.pseudonym import Pseudonymiser, pseudonymise_given

FORMAT = "lexradar-model/1"
SUFFIX = ".lexmodel.yaml"


def export_model(model: Model, out: Path) -> Path:
    """Write the model, its SQL, its examples and its docs page (if any) to one YAML file."""
    examples = model.path.with_name(model.path.stem + EXAMPLES_SUFFIX)
    docs = model.path.with_suffix(".md")
    bundle = {
        "format": FORMAT,
        "id": model.id,
        "version": model.spec.version,
        "header": model.path.read_text(encoding="utf-8"),
        "sql": model.sql,
        "examples": bundle_examples(examples.read_text(encoding="utf-8"))
        if examples.exists()
        else None,
        "docs": docs.read_text(encoding="utf-8") if docs.exists() else None,
    }
    out = Path(out)
    if out.is_dir():
        out = out / f"{model.id}{SUFFIX}"
    out.write_text(
        yaml.safe_dump(bundle, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8"
    )
    return out


def pseudonymised_example(example: dict[str, Any]) -> dict[str, Any]:
    """One golden example with its rows, expectations and name pseudonymised consistently,
    and marked ``pseudonymised``; one already marked so is returned as it is (its pseudonyms,
    pseudonymised again with a fresh key, would give back a real ID about one time in 64)."""
    if example.get("pseudonymised") is True:
        return example
    given = example.get("given")
    pseudo = Pseudonymiser.for_rows(given) if isinstance(given, dict) else Pseudonymiser()
    out = dict(example)
    if isinstance(given, dict):
        out["given"] = pseudonymise_given(given, pseudo)
    for key in ("expect", "name", "name_zh"):
        if key in example:
            out[key] = pseudo.any(example[key])
    out["pseudonymised"] = True
    return out


def bundle_examples(text: str) -> str:
    """An examples file as a bundle carries it: every example pseudonymised."""
    data = yaml.safe_load(text) or {}
    if isinstance(data, dict) and isinstance(data.get("examples"), list):
        data["examples"] = [
            pseudonymised_example(e) if isinstance(e, dict) else e for e in data["examples"]
        ]
    return yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False, width=200, default_flow_style=None
    )


def import_model(bundle_file: Path, folder: Path, known: set[str], force: bool = False) -> Model:
    """Unpack a bundle into ``folder`` (at the path its id names) and validate it."""
    bundle_file = Path(bundle_file)
    try:
        data = yaml.safe_load(bundle_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ModelError(f"cannot read the bundle: {exc}", Location(file=str(bundle_file))) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ModelError(f"not a {FORMAT} bundle", Location(file=str(bundle_file), field="format"))
    model_id = str(data.get("id", ""))
    if model_id in known and not force:
        raise ModelError(
            f"a model '{model_id}' is already registered; use --force to replace yours",
            Location(file=str(bundle_file), field="id"),
        )
    header = Path(folder, *model_id.split(".")).with_suffix(".yaml")
    header.parent.mkdir(parents=True, exist_ok=True)
    written = [header, header.with_suffix(".sql")]
    header.write_text(data["header"], encoding="utf-8")
    header.with_suffix(".sql").write_text(data["sql"], encoding="utf-8")
    if data.get("examples"):
        ex = header.with_name(header.stem + EXAMPLES_SUFFIX)
        ex.write_text(data["examples"], encoding="utf-8")
        written.append(ex)
    if data.get("docs"):
        header.with_suffix(".md").write_text(data["docs"], encoding="utf-8")
        written.append(header.with_suffix(".md"))
    try:
        return load_model(header, Path(folder))
    except ModelError:
        for f in written:  # an invalid bundle leaves nothing behind
            f.unlink(missing_ok=True)
        raise
