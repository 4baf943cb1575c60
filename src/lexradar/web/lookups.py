"""Things pages look up: the model registry (reloaded when a model file changes), procuratorate
names, and the period a page shows."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import sqlalchemy as sa

from lexradar.clues.access import User, scope
from lexradar.clues.db import Casebook
from lexradar.clues.errors import CasebookError
from lexradar.clues.tables import procuratorates
from lexradar.errors import Location
from lexradar.models.registry import Registry, model_files, pack_root
from lexradar.settings import Settings

_lock = threading.Lock()
_cache: dict[tuple[str, ...], tuple[tuple[tuple[str, float], ...], Registry]] = {}


def _signature(roots: list[Path]) -> tuple[tuple[str, float], ...]:
    out = []
    for root in roots:
        if root.is_dir():
            for path in model_files(root):
                for p in (path, path.with_suffix(".sql")):
                    if p.exists():
                        out.append((str(p), p.stat().st_mtime))
    return tuple(out)


def registry(settings: Settings) -> Registry:
    """The models of the project; loaded again only when a model file changed."""
    roots = [pack_root(), *map(Path, settings.model_paths)]
    key = tuple(map(str, roots))
    signature = _signature(roots)
    with _lock:
        cached = _cache.get(key)
        if cached and cached[0] == signature:
            return cached[1]
        found = Registry(settings.model_paths)
        _cache[key] = (signature, found)
        return found


def model_statuses(settings: Settings) -> list[tuple[str, str]]:
    """``(model id, status)`` pairs: what statistics count as in production / under construction."""
    return [(m.id, m.spec.status) for m in registry(settings).models.values()]


def procuratorate_names(casebook: Casebook, actor: User) -> dict[str, str]:
    """Code → name of the procuratorates in the actor's subtree."""
    with casebook.read() as conn:
        rows = conn.execute(
            sa.select(procuratorates.c.code, procuratorates.c.name).where(
                scope(procuratorates.c.code, actor)
            )
        ).all()
    return {r.code: r.name for r in rows}


def list_procuratorates(casebook: Casebook, actor: User) -> list[dict[str, str | None]]:
    """The procuratorates of the actor's subtree, in code order."""
    with casebook.read() as conn:
        rows = conn.execute(
            sa.select(procuratorates)
            .where(scope(procuratorates.c.code, actor))
            .order_by(procuratorates.c.code)
        ).all()
    return [dict(r._mapping) for r in rows]


def parse_month(text: str | None, default: dt.date, field: str) -> dt.date:
    """``YYYY-MM`` (or ``YYYY-MM-DD``) as the first day of that month."""
    if not text:
        return default.replace(day=1)
    try:
        if len(text) == 7:
            return dt.date.fromisoformat(text + "-01")
        return dt.date.fromisoformat(text).replace(day=1)
    except ValueError:
        raise CasebookError(
            f"a month is written YYYY-MM, not {text!r}", Location(field=field)
        ) from None


def period(
    start: str | None, end: str | None, today: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """The months a page shows: ``start``..``end``, by default January to this month."""
    today = today or dt.date.today()
    last = parse_month(end, today, "end")
    first = parse_month(start, last.replace(month=1), "start")
    if first > last:
        raise CasebookError(f"{start} is after {end}", Location(field="start"))
    return first, last
