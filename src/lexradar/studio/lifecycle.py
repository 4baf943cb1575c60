"""Moving a model along draft → testing → production → retired, with who and when, audited.

The move itself is :func:`lexradar.models.scaffold.move` (the allowed moves are ``TRANSITIONS``
of the model spec; the header's ``history`` records who, when and why); the studio adds the
rules a procuratorate needs around it and writes the move into the casebook's audit chain
through its one write path (``Casebook.write``), as event ``model.move``; when that write
fails the header is put back, so a move is never left unaudited. Faces call it through
:meth:`lexradar.project.Project.promote`, the one promote path:

- only model builders and admins move models;
- a model goes to production only when every golden example passes and at least one of them is
  positive (the starting case is one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lexradar.clues.access import User, require
from lexradar.clues.db import Casebook, Event
from lexradar.errors import Location
from lexradar.models.examples import run_all
from lexradar.models.registry import Model
from lexradar.models.scaffold import move
from lexradar.models.spec import TRANSITIONS
from lexradar.studio.errors import StudioError

MOVERS = ("admin", "model_builder")
ACTION = "model.move"


@dataclass(frozen=True)
class Moved:
    model: Model
    from_status: str
    to_status: str
    examples_passed: int | None


def move_model(
    casebook: Casebook,
    actor: User,
    model: Model,
    to: str,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Moved:
    """Move ``model`` to status ``to`` as ``actor``; the move and its audit entry are written
    together."""
    require(actor, *MOVERS)
    current = model.spec.status
    if to not in TRANSITIONS.get(current, ()):
        raise StudioError(
            f"{model.id} cannot move from {current} to {to}; allowed: "
            f"{', '.join(TRANSITIONS[current])}",
            Location(file=str(model.path), field="status"),
        )
    passed = None
    if to == "production":
        results = run_all(model)
        failed = [r.name for r in results if not r.passed]
        if failed:
            raise StudioError(
                f"{model.id} has failing golden examples: {'; '.join(failed)}",
                Location(file=str(model.path), field="status"),
            )
        if not any(r.example.kind == "positive" for r in results):
            raise StudioError(
                f"{model.id} needs at least one positive golden example before production",
                Location(file=str(model.path), field="status"),
            )
        passed = len(results)
    before = model.path.read_text(encoding="utf-8")
    try:
        with casebook.write() as (_conn, events):
            events.append(
                Event(
                    actor.username,
                    ACTION,
                    f"model:{model.id}",
                    {
                        "from": current,
                        "to": to,
                        "version": model.spec.version,
                        "reason": reason,
                        "examples_passed": passed,
                    },
                )
            )
            moved = move(model, to, actor.username, reason, now)
    except BaseException:
        # the audit entry and the header change go together: no entry, no change
        if model.path.read_text(encoding="utf-8") != before:
            model.path.write_text(before, encoding="utf-8")
        raise
    return Moved(moved, current, to, passed)
