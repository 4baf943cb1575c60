"""The clue search index: keyed hashes of the identifiers and names a clue cites.

A clue names persons by resident ID (``person_ids``) and carries names, case numbers and
marriage certificate numbers in its evidence. Searching those texts in place would mean reading
every clue, and the casebook must not hold a second copy of them in clear text. So each clue
gets rows in ``clue_terms`` (migration 0007): one per value, the value first brought to its
normal form and then hashed with HMAC-SHA256 under a key derived from the casebook's audit key
(which the database never holds, see :mod:`lexradar.clues.anchor`). A copy of the database alone
cannot be searched, nor its IDs recovered by hashing every possible number.

The normal forms are lexradar's own (:mod:`lexradar.normalize`):

- ``id``: a resident ID as :func:`lexradar.normalize.resident_id.parse` reads it — 18
  characters, a 15-digit ID converted, full-width digits and a lower-case ``x`` folded; a
  mistyped check digit is kept as written (the clue may cite the same mistyped number);
- ``id15``: the first 15 digits of every ID, so that a number Excel damaged (it keeps 15
  significant digits: ``1.50404199001011E+17``) still finds its clues — the lost digits are not
  guessed, so it finds every clue of a number with those 15 digits;
- ``name``: :func:`lexradar.normalize.name.clean` (simplified characters, one middle dot);
- ``case``: the case-number normal form of the judgment extractor (half-width brackets,
  ``字第`` dropped: ``（2014）西刑初字第175号`` is ``(2014)西刑初175号``);
- ``cert``: :func:`lexradar.normalize.cert_no.clean` (``J150103－2018－35`` is
  ``J1501032018000035``).

Loading a clue (:mod:`lexradar.clues.store`) writes its terms in the same transaction; new
evidence replaces them. :func:`backfill` indexes clues loaded before the index existed
(``lexradar casebook init`` runs it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lexradar.clues.errors import CasebookError
from lexradar.clues.tables import clue_terms, clues
from lexradar.errors import Location, NormalizeError

KINDS = ("id", "id15", "name", "case", "cert")
_CONTEXT = b"lexradar-clue-terms:v1"
_SCIENTIFIC = re.compile(r"([0-9])(?:\.([0-9]*))?E\+?([0-9]{1,3})")
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_CASE_HINT = re.compile(r"[(（〔［\[【][0-9０-９]{4}[)）〕］\]】]|号$")


def key_of(secret: bytes) -> bytes:
    """The search key, derived from the audit key's secret (one key file to keep)."""
    return hmac.new(secret, _CONTEXT, hashlib.sha256).digest()


def casebook_key(casebook: Any) -> bytes:
    """The search key of a :class:`~lexradar.clues.db.Casebook` (its audit key's)."""
    return key_of(casebook.anchor.key().secret)


def digest(key: bytes, kind: str, normal: str) -> str:
    """The stored form of one term: 32 hex digits of HMAC-SHA256 over ``kind:normal``."""
    return hmac.new(key, f"{kind}:{normal}".encode(), hashlib.sha256).hexdigest()[:32]


# normal forms


def _excel_digits(text: str) -> str | None:
    """The significant digits an Excel-damaged ID kept (15 of them), else ``None``."""
    text = "".join(unicodedata.normalize("NFKC", text).split()).upper()
    if m := _SCIENTIFIC.fullmatch(text):
        digits = m.group(1) + (m.group(2) or "")
        if len(digits) < 14:  # shown rounded: too little is left to search by
            return None
        return digits[:15].ljust(15, "0")  # Excel drops trailing zeros of the mantissa
    digits = text.split(".")[0]
    return digits[:15] if digits.isdigit() and len(digits) >= 15 else None


def id_terms(raw: object) -> set[tuple[str, str]]:
    """``id`` and ``id15`` terms of one resident ID as a clue or a search gives it."""
    from lexradar.normalize import resident_id as rid

    parsed = rid.parse(raw)
    if parsed.status in ("valid", "converted_15", "bad_check_digit"):
        return {("id", parsed.value), ("id15", parsed.value[:15])}
    if parsed.status == "damaged_excel":
        digits = _excel_digits(str(raw))
        return {("id15", digits)} if digits else set()
    return set()


def name_term(raw: object) -> tuple[str, str] | None:
    from lexradar.normalize import name as name_

    try:
        return ("name", name_.clean(raw))
    except NormalizeError:
        return None


def case_term(raw: object) -> tuple[str, str] | None:
    from lexradar.documents.extract import normalise_case_number

    text = str(raw or "").strip()
    return ("case", normalise_case_number(text)) if text else None


def cert_term(raw: object) -> tuple[str, str] | None:
    from lexradar.normalize import cert_no

    try:
        return ("cert", cert_no.clean(raw))
    except NormalizeError:
        return None


def _is_case_column(column: str) -> bool:
    base = re.sub(r"_[0-9]+$", "", column)
    return base in ("case_no", "case_nos") or base.endswith(("_case_no", "_case_nos"))


def clue_terms_of(person_ids: str, evidence: str) -> set[tuple[str, str]]:
    """Every (kind, normal form) a clue cites: its persons' IDs, and the IDs, names, case
    numbers and certificate numbers of its evidence (columns typed by their names,
    :func:`lexradar.normalize.masking.column_type`; the IDs written in its other texts)."""
    from lexradar.normalize.masking import column_type

    out: set[tuple[str, str]] = set()
    for pid in (person_ids or "").split(";"):
        if pid.strip():
            out |= id_terms(pid)
    try:
        data = json.loads(evidence or "{}")
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        return out
    for column, value in data.items():
        kind = "case" if _is_case_column(column) else column_type(column)
        for item in value if isinstance(value, list | tuple) else [value]:
            if item is None or item == "" or isinstance(item, dict | list):
                continue
            if kind == "resident_id":
                out |= id_terms(item)
            elif kind == "name":
                found = name_term(item)
            elif kind == "case":
                found = case_term(item)
            elif kind == "cert_no":
                found = cert_term(item)
            else:  # a text: the resident IDs written in it
                for m in _ID_IN_TEXT.finditer(str(item)):
                    out |= id_terms(m.group(0))
                continue
            if kind != "resident_id" and found:
                out.add(found)
    return out


# the search term


@dataclass(frozen=True)
class Term:
    """What a search term was read as: its kinds and normal forms, and how to show it."""

    text: str
    forms: tuple[tuple[str, str], ...]

    @property
    def kinds(self) -> list[str]:
        return sorted({k for k, _ in self.forms})

    def hashes(self, key: bytes) -> list[str]:
        return sorted({digest(key, k, v) for k, v in self.forms})

    @property
    def masked(self) -> str:
        """The term as the audit log keeps it: an ID or a name masked, a number as it is."""
        from lexradar.normalize import masking
        from lexradar.normalize import resident_id as rid

        kind, value = self.forms[0]
        if kind == "id":
            return str(rid.mask(value))
        if kind == "id15":
            return value[:6] + "*" * 9
        if kind == "name":
            return str(masking.mask("name", value))
        return masking.mask_text(value)


def interpret(text: str) -> Term:
    """Read a search term as a resident ID (18 or 15 digits, or damaged by Excel), a case
    number, a certificate number or a name; :class:`CasebookError` when it is none of them."""
    from lexradar.normalize import cert_no
    from lexradar.normalize import resident_id as rid

    term = (text or "").strip()
    where = Location(field="search")
    if len(term) < 2:
        raise CasebookError("a search term needs at least two characters", where)
    if len(term) > 64:
        raise CasebookError("a search term is at most 64 characters", where)
    parsed = rid.parse(term)
    if parsed.status in ("valid", "converted_15", "bad_check_digit"):
        return Term(term, (("id", parsed.value),))
    if parsed.status == "damaged_excel":
        digits = _excel_digits(term)
        if digits is None:
            raise CasebookError(f"{parsed.detail}: too few digits are left to search by", where)
        return Term(term, (("id15", digits),))
    if _CASE_HINT.search(unicodedata.normalize("NFKC", term)):
        found = case_term(term)
        assert found is not None
        return Term(term, (found,))
    cert = cert_term(term)
    if cert and cert_no.LAYOUT.fullmatch(cert[1]):
        return Term(term, (cert,))
    if any(c.isdigit() for c in unicodedata.normalize("NFKC", term)):
        raise CasebookError(
            "search by a resident ID (18 or 15 digits), a case number such as "
            "(2023)蒙0404刑初12号, a certificate number such as J150404-2018-000035, or a name",
            where,
        )
    name = name_term(term)
    if name is None:
        raise CasebookError("not a name, an ID, a case or a certificate number", where)
    return Term(term, (name,))


def matching(hashes: Sequence[str]) -> sa.ColumnElement[bool]:
    """The condition on ``clues`` that the clue cites one of the terms ``hashes``."""
    return clues.c.id.in_(
        sa.select(clue_terms.c.clue_id).where(clue_terms.c.term.in_(list(hashes)))
    )


# keeping the index


def index(conn: Connection, key: bytes, rows: Iterable[Any]) -> int:
    """(Re)write the terms of ``rows`` (with ``id``, ``person_ids``, ``evidence``); the number
    of term rows written."""
    rows = list(rows)
    if not rows:
        return 0
    ids = [r.id for r in rows]
    for start in range(0, len(ids), 500):
        conn.execute(clue_terms.delete().where(clue_terms.c.clue_id.in_(ids[start : start + 500])))
    values = [
        {"term": h, "clue_id": r.id}
        for r in rows
        for h in sorted({digest(key, k, v) for k, v in clue_terms_of(r.person_ids, r.evidence)})
    ]
    if values:
        conn.execute(clue_terms.insert(), values)
    return len(values)


def index_fingerprints(conn: Connection, key: bytes, fingerprints: Sequence[str]) -> int:
    """Index the clues with these fingerprints (just loaded or given new evidence)."""
    written = 0
    for start in range(0, len(fingerprints), 500):
        rows = conn.execute(
            sa.select(clues.c.id, clues.c.person_ids, clues.c.evidence).where(
                clues.c.fingerprint.in_(list(fingerprints[start : start + 500]))
            )
        ).all()
        written += index(conn, key, rows)
    return written


def backfill(conn: Connection, key: bytes, batch: int = 2000) -> int:
    """Index every clue that has no terms yet (clues loaded before migration 0007); the
    number of clues indexed."""
    done = 0
    last = 0
    while True:
        rows = conn.execute(
            sa.select(clues.c.id, clues.c.person_ids, clues.c.evidence)
            .where(
                clues.c.id > last,
                ~sa.exists().where(clue_terms.c.clue_id == clues.c.id),
            )
            .order_by(clues.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return done
        index(conn, key, rows)
        done += len(rows)
        last = rows[-1].id
