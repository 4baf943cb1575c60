"""Similar cases (类案): from one judgment, the judgments with the same charges and penalty
pattern, ranked by BM25 over their elements and their text.

A model builder starts from an individual case; the cases like it show whether the pattern is
one court's habit or the region's, and give the positive examples of a model. :class:`Library`
holds a set of documents; :meth:`Library.similar` answers, for one of them (or any text):

1. the candidates that share the query's **pattern** — the same charges (official names, as
   :mod:`lexradar.documents.charges` normalises them) and, with ``same_penalty``, the same
   penalty (principal penalty kind, suspended or not, fined or not); when fewer than ``k``
   share it, the rest of the ranking follows, each hit saying which parts of the pattern it
   shares;
2. ranked by **BM25** (k1 1.2, b 0.75) over character bigrams of the court's reasons and
   result (本院认为 … the end of the result part: the header, the parties and the evidence
   lists add more noise than signal) and over element tokens (each charge,
   the penalty kind, the term in bands of a year, probation, fine, combined sentence, every
   cited article), which count ten times (chosen on the development part of the real corpus).

Character bigrams need no word segmenter (no dictionary, no download) and serve Chinese
retrieval about as well as words do. The index is in memory: postings per token, about
1.5 MB per thousand documents. It is built once per library (``Library.build``).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from lexradar.documents.extract import DocumentElements, extract

K1 = 1.2
B = 0.75
#: How many times an element token counts against one text bigram.
ELEMENT_WEIGHT = 10
_HAN_OR_DIGIT = re.compile(r"[\u4e00-\u9fff0-9]+")


@dataclass(frozen=True, slots=True)
class Pattern:
    """What two cases must share to be alike: the charges and the penalty."""

    charges: frozenset[str]
    penalty: str | None  # 有期徒刑, 拘役, 缓刑:有期徒刑, 免予刑事处罚 … of the first defendant
    fined: bool

    def describe(self) -> str:
        charges = "、".join(sorted(self.charges)) or "（无罪名）"
        return f"{charges} / {self.penalty or '?'}" + ("+罚金" if self.fined else "")


@dataclass(slots=True)
class Hit:
    """One similar case: its id, its score, its pattern and which parts it shares."""

    doc_id: str
    score: float
    pattern: Pattern
    same_charges: bool
    same_penalty: bool


@dataclass(slots=True)
class _Doc:
    doc_id: str
    pattern: Pattern
    tf: Counter[str]
    length: int


def pattern_of(e: DocumentElements) -> Pattern:
    """The pattern of a document: the charges of all its defendants, the first one's penalty."""
    charges = frozenset(c.value.official or c.value.name for d in e.defendants for c in d.charges)
    penalty: str | None = None
    fined = False
    if e.defendants:
        s = e.defendants[0].sentence
        kind = s.penalty_kind.value if s.penalty_kind else None
        penalty = f"缓刑:{kind}" if kind and s.probation_months is not None else kind
        fined = s.fine is not None
    elif e.result is not None:
        penalty = e.result.outcome
    if not charges and e.cause is not None:
        charges = frozenset([e.cause.value])
    return Pattern(charges, penalty, fined)


def element_tokens(e: DocumentElements) -> list[str]:
    """The elements as tokens (``罪:盗窃罪``, ``刑:有期徒刑``, ``期:2``, ``条:刑法264`` …)."""
    out: list[str] = []
    for d in e.defendants:
        out += [f"罪:{c.value.official or c.value.name}" for c in d.charges]
        s = d.sentence
        if s.penalty_kind:
            out.append(f"刑:{s.penalty_kind.value}")
        if s.term_months and s.term_months.value is not None:
            out.append(f"期:{int(s.term_months.value) // 12}")
        if s.probation_months is not None:
            out.append("缓刑")
        if s.fine is not None:
            out.append("罚金")
        if s.combined is not None and s.combined.value:
            out.append("数罪并罚")
    out += [f"条:{a.law}{a.article}" for a in e.articles]
    if e.cause is not None:
        out.append(f"由:{e.cause.value}")
    return out


def text_tokens(text: str, e: DocumentElements) -> list[str]:
    """Character bigrams of the court's reasons and result (本院认为 … the end of the result
    part), else of the body after the party paragraphs."""
    end = e.result_span[1] if e.result_span else len(text)
    start = text.rfind("本院认为", 0, e.result_span[0] if e.result_span else len(text))
    if start < 0:
        start = max((p.name.end for p in e.parties), default=0)
    body = text[start:end] if end > start else text
    out: list[str] = []
    for run in _HAN_OR_DIGIT.findall(body):
        out += [run[i : i + 2] for i in range(len(run) - 1)]
    return out


def tokens(text: str, e: DocumentElements) -> Counter[str]:
    tf = Counter(text_tokens(text, e))
    for t in element_tokens(e):
        tf[t] += ELEMENT_WEIGHT
    return tf


@dataclass
class Library:
    """Documents indexed for similar-case search (see the module doc)."""

    docs: list[_Doc] = field(default_factory=list)
    postings: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    by_id: dict[str, int] = field(default_factory=dict)
    avg_length: float = 0.0

    @classmethod
    def build(cls, documents: Iterable[tuple[str, str]]) -> Library:
        """Index ``(id, text)`` pairs (extracting each document's elements once)."""
        lib = cls()
        for doc_id, text in documents:
            e = extract(text, doc_id)
            tf = tokens(text, e)
            i = len(lib.docs)
            lib.docs.append(_Doc(doc_id, pattern_of(e), tf, sum(tf.values())))
            lib.by_id[doc_id] = i
            for token, n in tf.items():
                lib.postings.setdefault(token, []).append((i, n))
        lib.avg_length = sum(d.length for d in lib.docs) / max(len(lib.docs), 1)
        return lib

    def __len__(self) -> int:
        return len(self.docs)

    def _idf(self, token: str) -> float:
        n = len(self.postings.get(token, ()))
        return math.log(1 + (len(self.docs) - n + 0.5) / (n + 0.5))

    def scores(self, query: Counter[str]) -> dict[int, float]:
        """BM25 of every document sharing a token with ``query`` (each query token once)."""
        out: dict[int, float] = {}
        avg = self.avg_length or 1.0
        for token in query:
            postings = self.postings.get(token)
            if not postings:
                continue
            idf = self._idf(token)
            for i, n in postings:
                norm = K1 * (1 - B + B * self.docs[i].length / avg)
                out[i] = out.get(i, 0.0) + idf * n * (K1 + 1) / (n + norm)
        return out

    def similar(
        self,
        doc_id: str | None = None,
        *,
        text: str | None = None,
        k: int = 10,
        same_penalty: bool = True,
        fill: bool = True,
        by_pattern: bool = True,
    ) -> list[Hit]:
        """The ``k`` cases most like document ``doc_id`` of the library (or like ``text``).

        Cases sharing the pattern come first (charges, and the penalty with ``same_penalty``),
        each group by BM25; with ``fill`` the others follow when too few share it. Without
        ``by_pattern`` the ranking is BM25 alone (what the text and elements say)."""
        if text is not None:
            e = extract(text, doc_id)
            query, pattern, own = tokens(text, e), pattern_of(e), None
        elif doc_id is not None and doc_id in self.by_id:
            own = self.by_id[doc_id]
            query, pattern = self.docs[own].tf, self.docs[own].pattern
        else:
            raise KeyError(f"no document {doc_id!r} in the library")
        ranked = []
        for i, score in self.scores(query).items():
            if i == own:
                continue
            p = self.docs[i].pattern
            charges = bool(pattern.charges) and p.charges == pattern.charges
            penalty = p.penalty == pattern.penalty and p.fined == pattern.fined
            tier = 0 if charges and (penalty or not same_penalty) else (1 if charges else 2)
            if not by_pattern:
                tier = 0
            if tier and not fill:
                continue
            ranked.append((tier, -score, i, charges, penalty))
        ranked.sort()
        return [
            Hit(self.docs[i].doc_id, -neg, self.docs[i].pattern, charges, penalty)
            for _, neg, i, charges, penalty in ranked[:k]
        ]

    def pattern(self, doc_id: str) -> Pattern:
        return self.docs[self.by_id[doc_id]].pattern
