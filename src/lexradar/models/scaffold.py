"""Model files made for the author: a new model from a template, and lifecycle moves.

Both edit files on disk in a user's model folder; the built-in pack is never changed in place.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from lexradar.errors import Location, ModelError
from lexradar.models.registry import EXAMPLES_SUFFIX, Model, load_model, pack_root
from lexradar.models.spec import TRANSITIONS

HEADER = """id: {id}
title: {{zh: 新模型, en: New model}}
domain: {domain}
supervision_point:
  zh: 待填写：本模型针对的违法情形
  en: "To fill in: the irregularity this model targets"
legal_basis:
  - 待填写
datasets: [persons, deaths]
parameters: []
clue:
  key: [person_id]
  persons: person_ids
  refs: record_refs
  region: region_code
  severity: severity
explanation:
  zh: "{{name}}（户籍状态{{status}}）已于{{death_date}}死亡。"
  en: "{{name}} (registration {{status}}) died on {{death_date}}."
status: draft
version: 1
owner: "{owner}"
description: >-
  To fill in: the rule in plain words. This template flags persons whose household registration
  is still active although a death record exists.
"""

SQL = """-- {id}: replace with the rule. One row per clue; keys, person_ids, record_refs,
-- region_code and severity are required; :as_of is the run date.
SELECT p.person_id, p.name, p.status, d.death_date,
       [p.person_id] AS person_ids,
       ['persons:' || p.record_id, 'deaths:' || d.record_id] AS record_refs,
       p.region_code,
       'medium' AS severity
FROM persons AS p
JOIN deaths AS d ON d.person_id = p.person_id
WHERE p.status = 'active' AND d.death_date <= :as_of
"""

EXAMPLES = """model: {id}
examples: []
"""


def new_model(model_id: str, domain: str, folder: Path, owner: str = "150000") -> Path:
    """Write ``<folder>/<a>/<b>.yaml``, ``.sql`` and ``.examples.yaml``; returns the header path."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+", model_id):
        raise ModelError("a model id is dotted lower-case words, e.g. pension.after_death",
                         Location(field="id"))  # fmt: skip
    header = Path(folder, *model_id.split(".")).with_suffix(".yaml")
    if header.exists():
        raise ModelError("a model file already exists here", Location(file=str(header)))
    header.parent.mkdir(parents=True, exist_ok=True)
    values = {"id": model_id, "domain": domain, "owner": owner}
    header.write_text(HEADER.format(**values), encoding="utf-8")
    header.with_suffix(".sql").write_text(SQL.format(**values), encoding="utf-8")
    header.with_name(header.stem + EXAMPLES_SUFFIX).write_text(
        EXAMPLES.format(**values), encoding="utf-8"
    )
    load_model(header, Path(folder))  # the template itself must validate
    return header


def move(model: Model, to: str, by: str, reason: str, now: dt.datetime | None = None) -> Model:
    """Move a model to another lifecycle status, recording who, when and why in its header."""
    if _in_pack(model.path):
        raise ModelError(
            "built-in models are not changed in place; export it and import it into a folder "
            "of your own first",
            Location(file=str(model.path), field="status"),
        )
    current = model.spec.status
    if to not in TRANSITIONS[current]:
        raise ModelError(
            f"cannot move from {current} to {to}; allowed: {', '.join(TRANSITIONS[current])}",
            Location(file=str(model.path), field="status"),
        )
    text = model.path.read_text(encoding="utf-8")
    text, n = re.subn(r"(?m)^status:\s*\S+\s*$", f"status: {to}", text, count=1)
    if n != 1:
        raise ModelError("no 'status:' line to change", Location(file=str(model.path)))
    entry = {
        "from": current,
        "to": to,
        "by": by,
        "at": (now or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat(),
        "reason": reason,
    }
    item = yaml.safe_dump([entry], allow_unicode=True, default_flow_style=True, width=1000)
    if re.search(r"(?m)^history:\s*$", text):
        text = text.rstrip("\n") + "\n  - " + item.strip()[1:-1] + "\n"
    else:
        text = re.sub(r"(?m)^history:\s*\[\]\s*$\n?", "", text)
        text = text.rstrip("\n") + "\nhistory:\n  - " + item.strip()[1:-1] + "\n"
    model.path.write_text(text, encoding="utf-8")
    return load_model(model.path)


def _in_pack(path: Path) -> bool:
    try:
        path.resolve().relative_to(pack_root().resolve())
    except ValueError:
        return False
    return True
