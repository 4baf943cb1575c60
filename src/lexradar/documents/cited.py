"""The sentence of the judgment a clue cites, read from the document it was ingested from.

A clue cites ``judgments:<record_id>``. When the ``judgments`` row came from a judgment
document (``lexradar ingest documents``), its provenance names the document file
(``source_file``) and the document's index in it (``source_row``); :func:`cited_sentence`
reads that document again, finds the party's clause in the result part (判决如下 …) and
returns it with its span, so the clue page can show the court's own words beside the row.
A row that came from a table has no document: the answer is ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

_CLAUSE_END = "。；;\n"


@dataclass(frozen=True, slots=True)
class CitedSentence:
    """The court's words about one party: the clause, its span, and where the document is."""

    record_id: str
    case_no: str | None
    party_name: str | None
    clause: str
    start: int
    end: int
    source_file: str
    document_index: int


def _row(lake: Path, record_id: str) -> dict[str, object] | None:
    import pyarrow.dataset as ds

    folder = lake / "judgments"
    parts = sorted(folder.glob("batch-*.parquet"))
    if not parts:
        return None
    data = ds.dataset([str(p) for p in parts], format="parquet")
    cols = ["record_id", "case_no", "party_name", "source_file", "source_row"]
    table = data.to_table(columns=cols, filter=ds.field("record_id") == record_id)
    return table.to_pylist()[0] if table.num_rows else None


def clause_of(text: str, party: str | None, start: int, end: int) -> tuple[int, int] | None:
    """The span of the first sentence of ``text[start:end]`` that names ``party`` (else the
    first of the result part)."""
    at = text.find(party, start, end) if party else -1
    if at < 0:
        at = start
    stop = min((i for i in (text.find(c, at, end) for c in _CLAUSE_END) if i >= 0), default=end)
    begin = max(text.rfind(c, start, at) for c in _CLAUSE_END + "：:")
    begin = start if begin < start else begin + 1
    return (begin, min(stop + 1, end)) if stop > begin else None


def cited_sentence(lake: Path, ref: str) -> CitedSentence | None:
    """The result clause of the judgment behind ``ref`` (``judgments:<record_id>`` or the bare
    record id), or ``None`` when the row came from a table or its document is gone."""
    from lexradar.documents.extract import extract
    from lexradar.documents.readers import DocumentFileError, read_documents

    record_id = ref.removeprefix("judgments:")
    row = _row(Path(lake), record_id)
    if row is None or not row.get("source_file") or "#" not in record_id:
        return None
    source, index = Path(str(row["source_file"])), int(row["source_row"] or 0)  # type: ignore[call-overload]
    if not source.exists():
        return None
    try:
        found = next((t for i, (_, t) in enumerate(read_documents(source), 1) if i == index), None)
    except DocumentFileError:
        return None
    if found is None:
        return None
    e = extract(found)
    if e.result_span is None:
        return None
    name = row.get("party_name")
    span = clause_of(found, str(name) if name else None, *e.result_span)
    if span is None:
        return None
    return CitedSentence(
        record_id, row.get("case_no"), name, found[span[0] : span[1]].strip(), span[0], span[1],  # type: ignore[arg-type]
        str(source), index,
    )  # fmt: skip
