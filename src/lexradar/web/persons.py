"""One person's file (一人一档): every record resolution gave one person, across the datasets, on
a timeline; the clues that cite them; the links that joined the records.

A person is named by one of their mentions (``dataset:record_id:role``), never by their
person key: a key is usually a resident ID, which must not stand in a URL. Everything is read
from resolution's saved files by lookups that read one row group each
(:data:`lexradar.linkage.mentions.BY_PERSON`, :data:`lexradar.linkage.mentions.LINKS`, the
sorted mentions) and from the datasets by ``record_id``; records are masked by their fields'
value types (:func:`lexradar.normalize.masking.mask_row`), the links' details with the
person's names.

Who may see a person: a user for whom a clue citing one of the person's records (or resident
IDs) lies in their region's subtree, and an admin of a province (a procuratorate at province
level) for any person of the lake. Anyone else gets "not found".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from lexradar.clues.access import User, scope
from lexradar.clues.db import Casebook
from lexradar.clues.errors import NotFoundError
from lexradar.clues.queries import ClueView, clue_view
from lexradar.clues.tables import clues
from lexradar.datasets.contract_model import CONTRACT
from lexradar.engine import Engine
from lexradar.normalize.masking import TextMasker, known_values, mask_row

if TYPE_CHECKING:
    from lexradar.linkage.explain import Lookups

MAX_RECORDS = 200
"""Records shown on one person's page (a larger cluster is cut, and says so)."""
MAX_EXPLAINED = 12
"""Links explained comparison by comparison; others are listed with their weight."""
REF = re.compile(r"[a-z_]+:[A-Za-z0-9_.\-]{1,64}:[a-z_]+")
"""A mention reference as URLs carry it."""

WHEN: dict[str, tuple[str, ...]] = {
    "persons": ("registered_on",),
    "marriage_events": ("event_date",),
    "judgments": ("judgment_date", "effective_date"),
    "deaths": ("death_date",),
    "travel_documents": ("issued_on",),
    "pension_payments": ("month",),
    "allowance_payments": ("month",),
    "driver_licenses": ("status_date",),
    "custody_records": ("start_date",),
}
"""The date a record of each dataset is placed at on the timeline (the first one present)."""
WHAT: dict[str, tuple[str, ...]] = {
    "persons": ("status", "cancel_reason", "region_code"),
    "marriage_events": ("event_type", "cert_no", "office"),
    "judgments": ("case_no", "cause", "party_role", "outcome", "term_months", "effective_date"),
    "deaths": ("source",),
    "travel_documents": ("doc_type", "doc_no", "expires_on", "issuing_office"),
    "pension_payments": ("amount",),
    "allowance_payments": ("amount",),
    "driver_licenses": ("license_class", "status"),
    "custody_records": ("custody_type", "end_date"),
}
"""The fields that say what happened, in the order shown (masked as their types say)."""


@dataclass
class Event:
    """One record on the person's timeline."""

    date: Any
    dataset: str
    ref: str
    role: str
    what: list[tuple[str, Any]]


@dataclass
class PersonFile:
    ref: str
    name: str = ""
    """The person's name as the registry (else the first record) states it, masked."""
    resident_id: str = ""
    """Their resident ID, masked."""
    events: list[Event] = field(default_factory=list)
    clues: list[ClueView] = field(default_factory=list)
    links: list[Any] = field(default_factory=list)
    """:class:`lexradar.web.evidence.PairExplanation` per link, heaviest first"""
    unexplained: int = 0
    """Links beyond :data:`MAX_EXPLAINED`, not explained one by one."""
    datasets: list[str] = field(default_factory=list)
    truncated: bool = False
    problem: str = ""


def person_refs(engine: Engine, unique_ids: list[str], lookups: Lookups | None = None) -> list[str]:
    """One reference per distinct person among the mentions ``unique_ids`` (the first mention
    of each, in the order given): what a clue page links to (``lookups``, on ``engine``: the
    keys the page read already)."""
    from lexradar.linkage.explain import person_key_of

    keys = (
        lookups.person_keys(unique_ids)
        if lookups is not None
        else person_key_of(engine, unique_ids)
    )
    seen: dict[str, str] = {}
    for uid in unique_ids:
        key = keys.get(uid)
        if key is not None and key not in seen:
            seen[key] = uid
    return list(seen.values())


def _members(engine: Engine, ref: str) -> tuple[str | None, list[str]]:
    from lexradar.linkage.explain import cluster_of, person_key_of

    key = person_key_of(engine, [ref]).get(ref)
    if key is None:
        return None, []
    return key, cluster_of(engine, key, limit=MAX_RECORDS)


def _citing(casebook: Casebook, user: User, refs: list[str], ids: list[str]) -> list[Any]:
    """Rows of the clues in ``user``'s subtree citing one of the records ``refs``
    (``dataset:record_id``) or one of the resident IDs ``ids``."""
    if not refs and not ids:
        return []
    wrapped_refs = sa.literal(";") + clues.c.record_refs + sa.literal(";")
    wrapped_ids = sa.literal(";") + clues.c.person_ids + sa.literal(";")
    cited = [wrapped_refs.contains(f";{r};", autoescape=True) for r in refs]
    cited += [wrapped_ids.contains(f";{i};", autoescape=True) for i in ids]
    query = (
        sa.select(clues)
        .where(scope(clues.c.procuratorate_code, user), sa.or_(*cited))
        .order_by(clues.c.id)
        .limit(100)
    )
    with casebook.read() as conn:
        return list(conn.execute(query))


def _province_admin(user: User) -> bool:
    return user.role == "admin" and len(user.prefix) <= 2


def person_file(casebook: Casebook, user: User, engine: Engine, ref: str) -> PersonFile:
    """The file of the person of mention ``ref``, masked; :class:`NotFoundError` when there is
    no such person or the user may not see them (see the module doc)."""
    from lexradar.linkage import mentions
    from lexradar.linkage.explain import Lookups
    from lexradar.web.evidence import records_of

    hidden = NotFoundError(f"no person {ref!r} in {user.username}'s region")
    if not REF.fullmatch(ref) or ref.split(":", 1)[0] not in CONTRACT:
        raise hidden
    key, members = _members(engine, ref)
    if key is None:
        raise hidden
    out = PersonFile(ref, truncated=len(members) > MAX_RECORDS)
    members = members[:MAX_RECORDS]
    mentions.ensure(engine)
    lookups = Lookups(engine)  # the members' full rows, read once: the links' ends among them
    rows = lookups.rows(members).values()
    ids = sorted({str(v) for r in rows for v in (r["recorded_id"], r["id18"]) if v})
    names = sorted({str(r["name"]) for r in rows if r["name"]})
    split = [m.split(":") for m in members]
    record_refs = [f"{d}:{r}" for d, r, _role in split]
    cited = _citing(casebook, user, record_refs, ids)
    if not cited and not _province_admin(user):
        raise hidden
    found = records_of(engine, [(d, r) for d, r, _role in split])
    known: list[tuple[str, Any]] = [("name", n) for n in names]
    for row_ref in record_refs:
        row = found.get(row_ref)
        if row is not None:
            known += known_values(row, CONTRACT[row_ref.split(":")[0]].value_types())
    masker = TextMasker(known)
    out.clues = [clue_view(r, masked=True, known=known) for r in cited]
    for (dataset, _record, role), row_ref in zip(split, record_refs, strict=True):
        row = found.get(row_ref)
        if row is None:
            continue
        masked = mask_row(dataset, row, known)
        date = next((row[c] for c in WHEN.get(dataset, ()) if row.get(c) is not None), None)
        what = [(c, masked[c]) for c in WHAT.get(dataset, ()) if masked.get(c) is not None]
        out.events.append(Event(date, dataset, row_ref, role, what))
        if not out.name or dataset == "persons":
            out.name = str(masked.get("name") or masked.get("party_name") or out.name)
            rid = masked.get("person_id") or masked.get("party_id")
            out.resident_id = str(rid or out.resident_id)
    out.events.sort(key=lambda e: (e.date is None, str(e.date or ""), e.ref))
    out.datasets = sorted({e.dataset for e in out.events})
    out.links, out.unexplained = _links(lookups, key, masker)
    return out


def _links(lookups: Lookups, key: str, masker: TextMasker) -> tuple[list[Any], int]:
    """The links that joined the person's mentions, the heaviest :data:`MAX_EXPLAINED`
    explained comparison by comparison (masked), and how many more there are (the rows of
    their mentions through ``lookups``, a :class:`lexradar.linkage.explain.Lookups`)."""
    from lexradar.errors import LexradarError
    from lexradar.linkage.explain import explain, explain_links, trained_model
    from lexradar.linkage.resolve import MODEL_FILE, linkage_dir
    from lexradar.web.evidence import pair_explanation

    lake = lookups.engine.lake.path
    links = list(lookups.links([key])[key] or [])
    if not links or not (linkage_dir(lake) / MODEL_FILE).exists():
        return [], len(links)
    links.sort(key=lambda link: (not link.judged, -link.weight, link.left, link.right))
    model = trained_model(lake)
    shown = links[:MAX_EXPLAINED]
    out = []
    try:
        explained = explain_links(
            lake, [(link.left, link.right) for link in shown], model=model, lookups=lookups
        )
        out = [
            pair_explanation(ex, masker, link.judged)
            for ex, link in zip(explained, shown, strict=True)
        ]
    except LexradarError:  # as before: the links explained up to the one that failed
        for link in shown:
            try:
                ex = explain(lake, link.left, link.right, model=model, lookups=lookups)
            except LexradarError:
                break
            out.append(pair_explanation(ex, masker, link.judged))
    return out, max(0, len(links) - len(out))
