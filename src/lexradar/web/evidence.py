"""The evidence of a clue: its records read back from the lake, side by side, and for persons
resolved across records, why the records are one person (:func:`lexradar.linkage.explain`).

Records carry personal data, so they are masked by the one masking function, by their fields'
value types (:func:`lexradar.normalize.masking.mask_row`), unless the page shows a clue revealed
with a reason (an audited action).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lexradar.datasets.contract_model import CONTRACT
from lexradar.errors import LexradarError
from lexradar.normalize.masking import known_values, mask_row

if TYPE_CHECKING:
    from lexradar.engine import Engine
    from lexradar.linkage.explain import Lookups

log = logging.getLogger(__name__)
PROVENANCE = ("record_id", "batch_id", "source_file", "source_row")
MAX_RECORDS = 12
MAX_PAIRS = 2


@dataclass
class Record:
    ref: str
    dataset: str
    values: dict[str, Any]


@dataclass
class SideBySide:
    """Records as columns, fields as rows; ``differs[field][i]`` marks a differing cell."""

    records: list[Record] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    differs: dict[str, list[bool]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    problem: str = ""
    names: list[str] = field(default_factory=list, repr=False)
    """The records' unmasked names (server side only): what masking of derived texts needs."""


def refs_of(record_refs: str) -> list[tuple[str, str]]:
    """``dataset:record_id;…`` as (dataset, record id) pairs, known datasets only."""
    out = []
    for ref in filter(None, record_refs.split(";")):
        dataset, _, record = ref.partition(":")
        if dataset in CONTRACT and record:
            out.append((dataset, record))
    return out[:MAX_RECORDS]


@contextlib.contextmanager
def _engine(lake: Path, engine: Engine | None) -> Iterator[Engine]:
    """``engine`` when given (left open), else one lent by the web process's pool
    (:mod:`lexradar.web.engines`) for the length of the block."""
    if engine is not None:
        yield engine
        return
    from lexradar.web.engines import lease

    with lease(lake) as leased:
        yield leased


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def side_by_side(
    lake: Path, record_refs: str, *, masked: bool = True, engine: Engine | None = None
) -> SideBySide:
    """The clue's records from the lake, aligned by field, differing values marked
    (``engine``, when given, is used and left open)."""
    refs = refs_of(record_refs)
    out = SideBySide()
    if not refs:
        return out
    try:
        with _engine(lake, engine) as eng:
            found = records_of(eng, refs)
    except LexradarError as exc:
        out.problem = str(exc)
        return out
    for dataset, record in refs:
        ref = f"{dataset}:{record}"
        row = found.get(ref)
        if row is None:
            out.missing.append(ref)
            continue
        personal = known_values(row, CONTRACT[dataset].value_types())
        out.names += [v for t, v in personal if t == "name" and isinstance(v, str)]
        values = mask_row(dataset, row) if masked else row
        out.records.append(Record(ref, dataset, values))
    names: list[str] = []
    for rec in out.records:
        names += [k for k in rec.values if k not in names and k not in PROVENANCE]
    out.fields = names + [p for p in PROVENANCE if any(p in r.values for r in out.records)]
    for name in out.fields:
        present = [_text(r.values.get(name)) for r in out.records if name in r.values]
        differ = name not in PROVENANCE and len(present) > 1 and len(set(present)) > 1
        out.differs[name] = [differ and name in r.values for r in out.records]
    return out


def records_of(engine: Engine, refs: list[tuple[str, str]]) -> dict[str, dict[str, Any]]:
    """The rows of ``(dataset, record_id)`` refs, as ``dataset:record_id`` → row, one query
    per dataset (the parts are written in ``record_id`` order, so row groups are skipped)."""
    from lexradar.engine import literal
    from lexradar.engine.base import Step

    wanted: dict[str, list[str]] = {}
    for dataset, record in refs:
        wanted.setdefault(dataset, []).append(record)
    found: dict[str, dict[str, Any]] = {}
    for dataset, ids in wanted.items():
        listed = ", ".join(literal(i) for i in dict.fromkeys(ids))
        table = engine.run(
            Step(
                f"evidence from {dataset}", f"SELECT * FROM {dataset} WHERE record_id IN ({listed})"
            )
        )
        for row in table.to_pylist():
            found[f"{dataset}:{row['record_id']}"] = row
    return found


@dataclass
class PairExplanation:
    left: str
    right: str
    weight: float
    probability: float
    contributions: list[tuple[str, str, float, str]]
    judged: bool = False
    """A reviewer's "same" judgement linked the two, whatever the weight."""

    @property
    def deciding(self) -> list[str]:
        """The comparisons that carried the link: positive weight, heaviest first."""
        positive = sorted((c for c in self.contributions if c[2] > 0), key=lambda c: -c[2])
        return [c[0] for c in positive[:3]]


@dataclass
class Chain:
    """Why the clue's person in the first record is the one in another record: the links
    resolution made from one mention to the other (one link when they were compared
    directly; several, through other records, when they were joined transitively), or,
    when resolution did not join them, the pair explained directly (``linked`` false)."""

    left: str
    right: str
    links: list[PairExplanation]
    linked: bool = True

    @property
    def through(self) -> list[str]:
        """The mentions between the two ends."""
        return [link.right for link in self.links[:-1]]


def person_mentions(
    lake: Path,
    refs: list[str],
    person_ids: list[str],
    engine: Engine | None = None,
    lookups: Lookups | None = None,
) -> list[str]:
    """For each record, the mention of the clue's person (``dataset:record_id:role``).

    A record naming several persons (a marriage: husband and wife) contributes the mention
    whose recorded ID is one of the clue's persons; a record naming one person, that one.
    ``engine``, when given, is used (and left open); ``lookups`` (on that engine) keeps what
    was read for the rest of the request (the mentions of all records in one query).
    """
    from lexradar.linkage import mentions
    from lexradar.linkage.explain import Lookups

    wanted = {p for p in person_ids if p}
    with _engine(lake, engine) as eng:
        # resolution's own mentions: nothing rebuilt per page. A record without a mention of
        # its own is a payment (one mention per payee, through the first payment) or came in
        # a batch after the last resolution: it is left out of the panel.
        mentions.ensure(eng)
        found = (lookups or Lookups(eng)).ids_of_records(refs)
    out = []
    for ref in refs:
        rows = found[ref]
        mine = [r[0] for r in rows if r[1] in wanted or r[2] in wanted]
        if mine:
            out.append(mine[0])
        elif len(rows) == 1:
            out.append(rows[0][0])
    return out


def pair_explanation(ex: Any, masker: Any, judged: bool = False) -> PairExplanation:
    rows = [
        (c.comparison, c.level, c.weight, masker(c.detail) if masker else c.detail)
        for c in ex.contributions
    ]
    return PairExplanation(
        ex.left, ex.right, round(ex.match_weight, 2), ex.match_probability, rows, judged
    )


def _path_names(lookups: Lookups, uids: list[str]) -> list[str]:
    """The names of the mentions on a chain, as resolution cleaned them (to mask them in its
    details: a record between the clue's records is not among the clue's names), from the
    rows the chain's explanations read."""
    rows = lookups.rows(uids)
    return [str(rows[u]["name"]) for u in uids if u in rows and rows[u]["name"]]


def resolution(
    lake: Path,
    records: list[str],
    person_ids: list[str],
    *,
    masked: bool = True,
    names: list[str] | None = None,
    engine: Engine | None = None,
    lookups: Lookups | None = None,
) -> tuple[list[Chain], str]:
    """Why the clue's person in the first of ``records`` (``dataset:record_id``) is the one in
    each other record (up to :data:`MAX_PAIRS` pairs): the chain of links between them
    (:func:`lexradar.linkage.explain.explain_chain`), each link explained.

    Empty, with the reason, when the lake has no trained resolution model or the records do
    not name the clue's person. Details are masked knowing ``names`` and the names of every
    mention on a chain. Every mention is read once (:class:`lexradar.linkage.explain.Lookups`:
    ``lookups`` when given, on ``engine``, which the caller may ask further).
    """
    from lexradar.linkage.explain import (
        Lookups,
        chain_pairs,
        chain_path,
        explain_chain,
        trained_model,
    )
    from lexradar.linkage.resolve import MODEL_FILE, linkage_dir
    from lexradar.normalize.masking import TextMasker

    if len(records) < 2:
        return [], ""
    if not (linkage_dir(lake) / MODEL_FILE).exists():
        return [], "no trained resolution model in the lake (lexradar resolve)"
    out: list[Chain] = []
    try:
        with _engine(lake, engine) as eng:  # one engine and one read of the model for all
            model = trained_model(lake)
            reads = lookups if lookups is not None else Lookups(eng)
            found = person_mentions(lake, list(dict.fromkeys(records)), person_ids, eng, reads)
            unique = list(dict.fromkeys(found))
            others = unique[1 : MAX_PAIRS + 1]
            if others:  # the persons of all ends and their links, each in one query
                keys = reads.person_keys([unique[0], *others])
                reads.links(list(dict.fromkeys(keys.values())))
            paths = {o: chain_path(lake, unique[0], o, reads) for o in others}
            # every mention on every chain read at once, with what explaining them needs
            pairs = [p for o in others for p in chain_pairs(unique[0], o, paths[o])]
            reads.prepare(model, pairs)
            for other in others:
                links, explained = explain_chain(
                    lake, unique[0], other, engine=eng, model=model, lookups=reads
                )
                masker = None
                if masked:
                    ends = [x for link in links for x in (link.left, link.right)]
                    on_path = list(dict.fromkeys([unique[0], other, *ends]))
                    known = [*(names or []), *_path_names(reads, on_path)]
                    masker = TextMasker([("name", n) for n in known])
                judged = [link.judged for link in links] or [False]
                out.append(
                    Chain(
                        unique[0],
                        other,
                        [
                            pair_explanation(ex, masker, j)
                            for ex, j in zip(explained, judged, strict=False)
                        ],
                        linked=bool(links),
                    )
                )
    except LexradarError as exc:
        return out, str(exc)
    return out, ""


def cited_sentences(lake: Path, record_refs: str) -> list[dict[str, Any]]:
    """The court's own words about the party, for each judgment a clue cites that came from a
    judgment document (``lexradar ingest documents``: record ids ``<document>#<party>``),
    masked like every text shown (the party's name known to the mask). A judgment row that
    came from a table has no document and no sentence."""
    from lexradar.documents.cited import cited_sentence
    from lexradar.normalize.masking import mask_text

    out: list[dict[str, Any]] = []
    for dataset, record_id in refs_of(record_refs):
        if dataset != "judgments" or "#" not in record_id:
            continue
        found = cited_sentence(lake, f"judgments:{record_id}")
        if found is None:
            continue
        known = [("name", found.party_name)] if found.party_name else []
        out.append(
            {
                "ref": f"judgments:{record_id}",
                "case_no": found.case_no,
                "clause": mask_text(found.clause, known),
                "span": (found.start, found.end),
            }
        )
    return out
