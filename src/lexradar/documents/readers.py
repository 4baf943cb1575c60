"""Judgment documents from files: plain text, JSON Lines, ``.docx`` and ``.html``.

:func:`read_documents` yields ``(id, text)`` for every document of a file or a folder:

- ``.jsonl`` / ``.ndjson`` / ``.json`` (one object a line): ``id`` and ``document`` (or
  ``text``); a line without a text is an error naming the file and line;
- ``.txt``: one document, or several separated by a line holding only a form feed or
  ``====`` (id ``name`` or ``name#2`` …); read as UTF-8, then GB18030 (courts' exports);
- ``.docx``: the paragraphs and tables' cells of the document, in order (python-docx);
- ``.html`` / ``.htm``: the text of the page (scripts and styles dropped), blocks on lines;
- ``.pdf`` (a text PDF, not a scan): its text by poppler's ``pdftotext`` (which must be
  installed: ``apt-get install poppler-utils``); a PDF with no text is an error saying so;
- a folder: every such file in it, sorted by name.

Text is returned as written: the extractor reads full-width forms and runs of spaces itself,
and its spans index this text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from lexradar.errors import LexradarError

SUFFIXES = (".jsonl", ".ndjson", ".json", ".txt", ".docx", ".html", ".htm", ".pdf")
_SEPARATOR = re.compile(r"\n[ \t]*(?:\f|={4,})[ \t]*\n")


class DocumentFileError(LexradarError):
    """A document file that cannot be read; the message names the file (and line)."""


def read_documents(path: str | Path) -> Iterator[tuple[str, str]]:
    """``(id, text)`` of every document of ``path`` (a file or a folder)."""
    path = Path(path)
    if not path.exists():
        raise DocumentFileError(f"{path}: no such file or folder")
    if path.is_dir():
        for child in sorted(path.iterdir()):  # one level: a folder of documents
            if child.is_file() and child.suffix.lower() in SUFFIXES:
                yield from read_documents(child)
        return
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        yield from _jsonl(path)
    elif suffix == ".docx":
        yield path.stem, _docx(path)
    elif suffix in (".html", ".htm"):
        yield path.stem, _html(_decode(path))
    elif suffix == ".pdf":
        yield path.stem, _pdf(path)
    else:
        parts = [p for p in _SEPARATOR.split(_decode(path)) if p.strip()]
        for i, part in enumerate(parts, start=1):
            yield (path.stem if i == 1 else f"{path.stem}#{i}"), part


def _decode(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentFileError(f"{path}: neither UTF-8 nor GB18030 text")


def _jsonl(path: Path) -> Iterator[tuple[str, str]]:
    with open(path, encoding="utf-8-sig") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DocumentFileError(f"{path}, line {line_no}: not JSON ({exc.msg})") from None
            text = row.get("document", row.get("text")) if isinstance(row, dict) else None
            if not isinstance(text, str):
                raise DocumentFileError(
                    f"{path}, line {line_no}: no 'document' or 'text' field with the text"
                )
            yield str(row.get("id") or f"{path.stem}:{line_no}"), text


def _docx(path: Path) -> str:
    import docx  # python-docx, a dependency; imported only when a .docx is read

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several kinds for a damaged file
        raise DocumentFileError(f"{path}: not a readable .docx ({exc})") from None
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(line for line in lines if line.strip())


def _pdf(path: Path) -> str:
    import shutil
    import subprocess

    tool = shutil.which("pdftotext")
    if tool is None:
        raise DocumentFileError(
            f"{path}: reading a PDF needs poppler's pdftotext (apt-get install poppler-utils)"
        )
    done = subprocess.run(
        [tool, "-enc", "UTF-8", str(path), "-"], capture_output=True, timeout=120, check=False
    )
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DocumentFileError(f"{path}: not a readable PDF ({reason[-1] if reason else 'error'})")
    text = done.stdout.decode("utf-8", "replace").replace("\f", "\n")
    if not text.strip():
        raise DocumentFileError(f"{path}: the PDF holds no text (a scan needs OCR first)")
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())


class _Text(HTMLParser):
    _BLOCKS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "td"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _html(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())
