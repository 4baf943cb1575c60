"""Export of clue lists to CSV and Excel: identifiers stay text, never numbers, and no cell is a
formula (:mod:`lexradar.models.csvfile`).

:func:`write_rows` writes a short list. :func:`export_queue` writes the filtered queue, of any
length, in bounded memory: the clues are read from the casebook as a stream and each row is
written as soon as it is read — a CSV (UTF-8 with BOM) line by line, an .xlsx sheet as inline
strings straight into its zip entry (:class:`XlsxStream`; a shared-strings table would keep
every text of the file in memory). Every cell of the sheet is a text cell with the text number
format (``@``), so Excel shows ``150404199001011234`` and never ``1.50404E+17``; a cell that
begins like a formula is marked ``quotePrefix`` (Excel keeps it text when edited), and in a CSV
gets the apostrophe of :func:`lexradar.models.csvfile.formula_safe`.

Personal data is masked as everywhere (:func:`lexradar.clues.queries.clue_view`) unless the
export reveals it, which needs a worker's role and a reason. Every export is audited
(``clues.export``: the format, the rows, the filters, the search term masked, the reason), before
the first row is written.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

import sqlalchemy as sa

from lexradar.clues.access import User, require
from lexradar.clues.db import Casebook
from lexradar.clues.errors import CasebookError
from lexradar.clues.queries import SORTS, Filters
from lexradar.clues.queue_events import CluesExported
from lexradar.clues.tables import clues, users
from lexradar.errors import Location
from lexradar.models.csvfile import FORMULA_STARTS, formula_safe, write_csv
from lexradar.normalize.masking import known_values

FORMATS = ("csv", "xlsx")
REVEALERS = ("admin", "leader", "handler")

COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "Clue"),
    ("model", "Model"),
    ("domain", "Domain"),
    ("procuratorate", "Procuratorate"),
    ("region", "Region code"),
    ("severity", "Severity"),
    ("status", "Status"),
    ("person_ids", "Resident IDs"),
    ("names", "Names"),
    ("explanation", "Explanation"),
    ("first_seen", "First seen"),
    ("last_seen", "Last seen"),
    ("times_seen", "Times seen"),
    ("assignee", "Assignee"),
    ("dismiss_reason", "Dismissal reason"),
)
"""The export's columns: key and English header (the caller gives the headers in its language)."""

Label = Callable[[str, str], str]
"""(kind, value) → the text shown: kinds ``domain``, ``severity``, ``status``, ``reason``."""


def write_rows(path: Path, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Write ``rows`` to ``path`` (.csv as UTF-8 with BOM for Excel, or .xlsx, every cell text;
    in a CSV a cell that begins with = + - @, a tab or a carriage return gets an apostrophe)."""
    path = Path(path)
    if path.suffix == ".csv":
        write_csv(path, columns, rows)
    elif path.suffix == ".xlsx":
        with path.open("wb") as f, XlsxStream(f, len(columns)) as sheet:
            sheet.header(columns)
            for row in rows:
                sheet.row(row)
    else:
        raise CasebookError("export to a .csv or .xlsx file", Location(file=str(path)))


# .xlsx, streamed

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
_PKG = "http://schemas.openxmlformats.org/package/2006"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS_TYPE = "application/vnd.openxmlformats-package.relationships+xml"
_TEXT_XF = '<xf numFmtId="49" fontId="{font}" fillId="0" borderId="0" xfId="0" {extra}/>'
_PARTS = {
    "[Content_Types].xml": (
        f'{_XML}<Types xmlns="{_PKG}/content-types">'
        f'<Default Extension="rels" ContentType="{_RELS_TYPE}"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_SML}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_SML}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_SML}.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'{_XML}<Relationships xmlns="{_PKG}/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        '<sheets><sheet name="clues" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'{_XML}<Relationships xmlns="{_PKG}/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
        "</Relationships>"
    ),
    # cell styles: 0 default, 1 text (@), 2 text with quotePrefix, 3 bold text (the header)
    "xl/styles.xml": (
        f'{_XML}<styleSheet xmlns="{_MAIN}">'
        '<fonts count="2"><font><sz val="11"/><name val="等线"/></font>'
        '<font><b/><sz val="11"/><name val="等线"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellStyleXfs><cellXfs count="4">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        + _TEXT_XF.format(font=0, extra='applyNumberFormat="1"')
        + _TEXT_XF.format(font=0, extra='applyNumberFormat="1" quotePrefix="1"')
        + _TEXT_XF.format(font=1, extra='applyNumberFormat="1" applyFont="1"')
        + '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
        "</cellStyles></styleSheet>"
    ),
}


def _letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


class XlsxStream:
    """One sheet of text cells written row by row into an .xlsx file object (bounded memory)."""

    def __init__(self, f: IO[bytes], width: int, widths: Sequence[int] = ()) -> None:
        self._zip = zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        for name, text in _PARTS.items():
            self._zip.writestr(name, text)
        self._sheet = self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        self._refs = [_letters(i + 1) for i in range(width)]
        self._n = 0
        self._buf = io.StringIO()
        cols = "".join(
            f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>'
            for i, w in enumerate(widths)
        )
        self._write(
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            + (f"<cols>{cols}</cols>" if cols else "")
            + "<sheetData>"
        )

    def _write(self, text: str) -> None:
        self._buf.write(text)
        if self._buf.tell() > 1 << 16:
            self._flush()

    def _flush(self) -> None:
        self._sheet.write(self._buf.getvalue().encode("utf-8"))
        self._buf = io.StringIO()

    def _cells(self, values: Sequence[object], header: bool) -> None:
        self._n += 1
        r = self._n
        parts = [f'<row r="{r}">']
        for ref, value in zip(self._refs, values, strict=False):
            text = _ILLEGAL_XML.sub("", "" if value is None else str(value))
            style = 3 if header else 2 if text.startswith(FORMULA_STARTS) else 1
            parts.append(
                f'<c r="{ref}{r}" t="inlineStr" s="{style}"><is><t xml:space="preserve">'
                f"{escape(text)}</t></is></c>"
            )
        parts.append("</row>")
        self._write("".join(parts))

    def header(self, values: Sequence[object]) -> None:
        self._cells(values, header=True)

    def row(self, values: Sequence[object]) -> None:
        self._cells(values, header=False)

    def close(self) -> None:
        self._write("</sheetData></worksheet>")
        self._flush()
        self._sheet.close()
        self._zip.close()

    def __enter__(self) -> XlsxStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


WIDTHS = {"id": 8, "model": 24, "procuratorate": 24, "person_ids": 42, "names": 20,
          "explanation": 80, "first_seen": 20, "last_seen": 20}  # fmt: skip


# the queue's rows


@dataclass
class Export:
    """What an export wrote."""

    format: str
    rows: int
    revealed: bool


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _shown(row: Any, reveal: bool, english: bool) -> tuple[str, str, str]:
    """The persons, names and explanation of a clue row as exported: masked as
    :func:`lexradar.clues.queries.clue_view` masks them (IDs by their type, names by theirs,
    the explanation knowing the evidence's personal values) unless ``reveal``."""
    from lexradar.normalize import masking

    evidence = json.loads(row.evidence or "{}")
    personal = known_values(evidence)
    names = list(dict.fromkeys(str(v) for k, v in personal if k == "name"))
    persons = [p for p in (row.person_ids or "").split(";") if p]
    text = (row.explanation_en if english else row.explanation) or ""
    if not reveal:
        persons = [str(masking.mask("resident_id", p)) for p in persons]
        names = list(dict.fromkeys(str(masking.mask("name", n)) for n in names))
        text = masking.TextMasker(personal)(text)
    return "；".join(persons), "；".join(names), text


def queue_rows(
    casebook: Casebook,
    actor: User,
    filters: Filters,
    *,
    sort: str = "newest",
    reveal: bool = False,
    label: Label | None = None,
    models: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    english: bool = False,
) -> Iterator[list[str]]:
    """The rows of the filtered queue (the search resolved first), read as a stream, in the
    queue's order; masked unless ``reveal`` (the caller has audited it)."""
    if sort not in SORTS:
        raise CasebookError(f"sort must be one of {', '.join(SORTS)}", Location(field="sort"))
    show = label or (lambda _kind, value: value)
    models, names = models or {}, names or {}
    query = (
        sa.select(clues, users.c.username.label("assignee"))
        .select_from(clues.outerjoin(users, users.c.id == clues.c.assignee_id))
        .where(*filters.conditions(actor))
        .order_by(SORTS[sort], clues.c.id.desc())
    )
    with casebook.read() as conn:
        result = conn.execute(
            query, execution_options={"stream_results": True, "max_row_buffer": 1000}
        )
        for row in result:
            persons, people, text = _shown(row, reveal, english)
            yield [
                str(row.id),
                models.get(row.model_id, row.model_id),
                show("domain", row.domain),
                names.get(row.procuratorate_code, row.procuratorate_code),
                row.region_code,
                show("severity", row.severity),
                show("status", row.status),
                persons,
                people,
                text,
                _when(row.first_seen),
                _when(row.last_seen),
                str(row.times_seen),
                row.assignee or "",
                show("reason", row.dismiss_reason) if row.dismiss_reason else "",
            ]


def _count(casebook: Casebook, actor: User, filters: Filters) -> int:
    with casebook.read() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count()).select_from(clues).where(*filters.conditions(actor))
            ).scalar_one()
        )


def start_export(
    casebook: Casebook,
    actor: User,
    filters: Filters,
    fmt: str,
    *,
    reason: str | None = None,
) -> int:
    """Check and audit an export before anything is written: the format, the role (revealing
    needs a worker and a reason), the search term; the number of clues it will hold."""
    if fmt not in FORMATS:
        raise CasebookError("export to .csv or .xlsx", Location(field="format"))
    revealed = reason is not None
    if revealed:
        require(actor, *REVEALERS)
        if not reason or not reason.strip():
            raise CasebookError("revealing personal data needs a reason", Location(field="reason"))
    term = filters.resolve(casebook)
    n = _count(casebook, actor, filters)
    with casebook.write() as (_conn, events):
        events.append(
            CluesExported(
                actor.username,
                actor.procuratorate_code,
                fmt,
                n,
                filters.shown(),
                term.masked if term else None,
                revealed,
                reason.strip() if reason else None,
            )
        )
    return n


def headers(translate: Callable[[str], str] | None = None) -> list[str]:
    """The column headers: ``translate(key)`` for each, else English."""
    return [translate(k) if translate else en for k, en in COLUMNS]


def csv_chunks(header: Sequence[str], rows: Iterator[Sequence[str]]) -> Iterator[bytes]:
    """A CSV (UTF-8 with BOM, every cell formula-safe) as byte chunks of about 64 KiB."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    buf.write("\ufeff")
    writer.writerow([formula_safe(c) for c in header])
    for row in rows:
        writer.writerow([formula_safe(v) for v in row])
        if buf.tell() > 1 << 16:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")


def write_xlsx(f: IO[bytes], header: Sequence[str], rows: Iterator[Sequence[str]]) -> None:
    widths = [WIDTHS.get(k, 12) for k, _ in COLUMNS]
    with XlsxStream(f, len(header), widths) as sheet:
        sheet.header(header)
        for row in rows:
            sheet.row(row)


def export_queue(
    casebook: Casebook,
    actor: User,
    filters: Filters,
    path: Path,
    *,
    sort: str = "newest",
    reason: str | None = None,
    translate: Callable[[str], str] | None = None,
    label: Label | None = None,
    models: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    english: bool = False,
) -> Export:
    """Write the filtered queue to ``path`` (.csv or .xlsx), audited; revealed with ``reason``."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise CasebookError("export to a .csv or .xlsx file", Location(file=str(path)))
    n = start_export(casebook, actor, filters, fmt, reason=reason)
    rows = queue_rows(
        casebook, actor, filters, sort=sort, reveal=reason is not None, label=label,
        models=models, names=names, english=english,
    )  # fmt: skip
    with path.open("wb") as f:
        if fmt == "csv":
            for chunk in csv_chunks(headers(translate), rows):
                f.write(chunk)
        else:
            write_xlsx(f, headers(translate), rows)
    return Export(fmt, n, reason is not None)
