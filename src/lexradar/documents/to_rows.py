"""Judgment documents to rows of the ``judgments`` dataset (one row per party and decision).

:func:`document_rows` turns the elements of one document
(:class:`~lexradar.documents.extract.DocumentElements`) into rows with the contract's fields
(``src/lexradar/datasets/contract/judgments.yaml``), so that every model runs on documents as
on a court's table:

- a criminal judgment gives one row per defendant: ``party_role`` ``accused``, ``cause`` the
  charges (、-joined, as written), ``outcome`` from the executed sentence (``imprisonment``,
  ``criminal_detention``, ``probation``, ``fine``, ``exempted``), ``term_months`` the term — for
  probation the probation period, with the suspended sentence in ``sentence_months``, as the
  contract reads them;
- a civil judgment gives one row per plaintiff and defendant with the document's outcome
  (``divorce_granted``, ``divorce_denied``, ``plaintiff_won``, ``plaintiff_lost``,
  ``withdrawn``), the cause (案由), the amount claimed (the first of the 诉讼请求) and the
  first cited marriage certificate number;
- ``party_appeared`` as the account of the trial says it of the party (到庭参加诉讼 → true;
  拒不到庭, 未到庭, 缺席审理 → false; :attr:`~lexradar.documents.extract.Party.appeared`), a
  default judgment's (缺席判决) defendants false when it names none, else left empty;
- what cannot fill a required field is not guessed: the party is returned in ``rejected``
  with the reason (document id, party, field), to be quarantined by the ingest batch like
  any other bad row.

:func:`rows_from_texts` does the same over ``(id, text)`` pairs (e.g. from
:func:`lexradar.documents.readers.read_documents`), one document at a time (flat memory).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from lexradar.documents.extract import DocumentElements, Party, extract

CASE_KINDS = {"刑事": "criminal", "民事": "civil", "行政": "administrative"}
ROLES = {
    "原告": "plaintiff",
    "原审原告": "plaintiff",
    "上诉人（原审原告）": "plaintiff",
    "被上诉人（原审原告）": "plaintiff",
    "被告": "defendant",
    "原审被告": "defendant",
    "上诉人（原审被告）": "defendant",
    "被上诉人（原审被告）": "defendant",
}
#: Fields every row must have (the contract's required fields).
REQUIRED = (
    "case_no",
    "cause",
    "case_kind",
    "party_name",
    "party_role",
    "judgment_date",
    "outcome",
    "court_region_code",
)


@dataclass(frozen=True, slots=True)
class Rejected:
    """A party whose row could not be made, and why (the fields that could not be read)."""

    doc_id: str | None
    party: str | None
    reason: str


@dataclass(slots=True)
class DocumentRows:
    """The rows of one document and the parties left out."""

    rows: list[dict[str, Any]]
    rejected: list[Rejected]


def _base(e: DocumentElements) -> dict[str, Any]:
    return {
        "case_no": e.case_number.value if e.case_number else None,
        "case_kind": CASE_KINDS.get(e.case_kind.value) if e.case_kind else None,
        "judgment_date": e.judgment_date.value if e.judgment_date else None,
        "effective_date": e.effective_date.value if e.effective_date else None,
        "court": e.court.value if e.court else None,
        "court_region_code": e.court_region_code.value if e.court_region_code else None,
        "cited_cert_no": e.cert_numbers[0].value if e.cert_numbers else None,
        "claim_amount": e.claim_amount.value if e.claim_amount else None,
    }


def _appeared(text: str | None, party: Party | None) -> bool | None:
    """Whether the party appeared at trial: as the account of the trial says
    (:attr:`Party.appeared`), else ``False`` for a defendant of a default judgment (缺席判决),
    else unknown."""
    if party is None:
        return None
    if party.appeared is not None:
        return party.appeared.value
    if text is not None and "缺席判决" in text and party.role.value.endswith("被告"):
        return False
    return None


def _finish(row: dict[str, Any], e: DocumentElements, who: str, out: DocumentRows) -> None:
    missing = [f for f in REQUIRED if row.get(f) in (None, "")]
    if missing:
        out.rejected.append(Rejected(e.doc_id, who, "not read: " + ", ".join(missing)))
    else:
        out.rows.append(row)


def document_rows(e: DocumentElements, text: str | None = None) -> DocumentRows:
    """The ``judgments`` rows of one document's elements (``text``: a default judgment's
    defendants did not appear, when the account of the trial does not say)."""
    out = DocumentRows([], [])
    base = _base(e)
    if base["case_kind"] == "criminal" or (base["case_kind"] is None and e.defendants):
        base["case_kind"] = "criminal"
        ids = {p.name.value: p for p in e.parties if p.is_defendant}
        for d in e.defendants:
            sentence = d.sentence.as_row()
            party = ids.get(d.name)
            row = dict(base)
            row.update(
                cause="、".join(c.value.name for c in d.charges) or None,
                party_id=party.resident_id.value if party and party.resident_id else None,
                party_name=d.name,
                party_role="accused",
                party_appeared=_appeared(None, party),
                outcome=sentence["outcome"],
                term_months=sentence["term_months"],
                sentence_months=sentence["sentence_months"],
            )
            _finish(row, e, d.name, out)
        if not e.defendants:
            out.rejected.append(Rejected(e.doc_id, None, "no defendant's sentence read"))
        return out
    outcome = e.result.outcome if e.result is not None else None
    for party in e.parties:
        role = ROLES.get(party.role.value)
        if role is None:
            continue  # 第三人, 申请人 …: no role in the contract
        row = dict(base)
        row.update(
            cause=e.cause.value if e.cause else None,
            party_id=party.resident_id.value if party.resident_id else None,
            party_name=party.name.value,
            party_role=role,
            party_appeared=_appeared(text, party),
            outcome=outcome,
            term_months=None,
            sentence_months=None,
        )
        _finish(row, e, party.name.value, out)
    if not out.rows and not out.rejected:
        out.rejected.append(Rejected(e.doc_id, None, "no plaintiff or defendant read"))
    return out


def rows_from_texts(
    documents: Iterable[tuple[str, str]],
) -> Iterator[tuple[str, DocumentRows]]:
    """``(id, rows)`` for every ``(id, text)``: extraction and conversion, one at a time."""
    for doc_id, text in documents:
        yield doc_id, document_rows(extract(text, doc_id), text)


def iso(value: Any) -> Any:
    """A row value as JSON can hold it (dates as ISO strings)."""
    return value.isoformat() if isinstance(value, dt.date) else value
