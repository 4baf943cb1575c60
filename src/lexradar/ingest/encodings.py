"""Text encodings: detect or check a file's encoding, and read any encoding as UTF-8 bytes.

GBK is read as GB18030, its superset. A UTF-8 file passes through as it is (less its BOM); any
other encoding is transcoded in 1 MiB blocks, so memory stays flat as files grow. Every decoding
error names the file and line.
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path
from typing import Any

from lexradar.errors import IngestError, Location

SAMPLE_BYTES = 1 << 20
CHINESE = ("gb2312", "gbk", "gb18030", "cp936", "hz", "big5", "cp950", "big5hkscs")


def _where(path: Path, line: int | None = None, row: int | None = None) -> Location:
    return Location(file=str(path), line=line, row=row)


def _is_utf8(sample: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _looks_chinese(sample: bytes) -> bool:
    """Decodes as GB18030 and most non-ASCII characters are common ones (in GB2312): the
    statistical detectors mistake short Chinese samples for Korean or Japanese."""
    try:
        text = codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    wide = [c for c in text if ord(c) > 127]
    if not wide:
        return False
    common = 0
    for c in wide:
        try:
            c.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common >= 0.8 * len(wide)


def detect_encoding(sample: bytes, path: Path) -> str:
    """BOM → utf-8-sig / utf-16; valid UTF-8 → utf-8; else charset-normalizer (GBK → GB18030)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        if sample.count(b"\x00") > 8:  # not a stray NUL or two: UTF-16 without a BOM, not text
            raise IngestError(
                "this is a binary file, not text (it holds NUL bytes)",
                _where(path, line=sample[: sample.index(b"\x00")].count(b"\n") + 1),
            )
        line = sample[: sample.index(b"\x00")].count(b"\n") + 1
        raise nul_error(
            path, "utf-8" if _is_utf8(sample.replace(b"\x00", b"")) else "gb18030", line
        )
    if _is_utf8(sample):
        return "utf-8"
    if _looks_chinese(sample):
        return "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise IngestError(
            "cannot tell the encoding of this file: it does not look like text in any "
            "encoding (binary junk?)",
            _where(path),
        )
    enc = codecs.lookup(best.encoding).name
    if enc in CHINESE or enc.replace("_", "") in CHINESE:
        try:
            sample.decode("gb18030")
        except UnicodeDecodeError as exc:
            if exc.start < len(sample) - 4:  # not just a character cut at the sample's end
                return enc
        return "gb18030"
    return enc


def resolve_encoding(declared: str | None, sample: bytes, path: Path) -> str:
    """The encoding to read with: the declared one (checked against the sample) or detected."""
    if declared is None:
        return detect_encoding(sample, path)
    try:
        name = codecs.lookup(declared).name
    except LookupError:
        raise IngestError(f"unknown encoding '{declared}'", Location(field="encoding")) from None
    if name in ("gbk", "gb2312", "cp936"):
        name = "gb18030"
    if name == "utf-8" and sample.startswith(codecs.BOM_UTF8):
        name = "utf-8-sig"
    utf8_like = name in ("utf-8", "utf-8-sig")
    if not utf8_like and not sample.isascii() and _is_utf8(sample) and name != "utf-16":
        raise IngestError(
            f"the mapping declares encoding '{declared}' but the file is UTF-8; "
            "set encoding: utf-8 (or leave it out to detect it)",
            Location(file=str(path), field="encoding"),
        )
    return name


UTF8 = ("utf-8", "utf-8-sig")


class Utf8Stream(io.RawIOBase):
    """A binary file in any encoding, read as UTF-8 bytes; decoding errors name the line.

    A file that is UTF-8 already passes through as it is (less its BOM): its bytes are checked
    for NUL here and for valid UTF-8 by the parser that reads them, and :func:`bad_utf8`
    finds the line when that check fails. Any other encoding is transcoded in 1 MiB blocks.
    """

    def __init__(self, path: Path, encoding: str) -> None:
        self.path = path
        self.encoding = encoding
        self._file = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._passthrough = encoding in UTF8
        self._decoder = codecs.getincrementaldecoder(encoding)("strict")
        self._buf: bytes | memoryview = b""
        self._pos = 0
        self._line = 1
        self._eof = False
        self._first = True

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._file.close()
        super().close()

    def _fill(self) -> None:
        while self._pos >= len(self._buf) and not self._eof:
            raw = self._file.read(SAMPLE_BYTES)
            self._eof = not raw
            if self._passthrough:
                if self._first and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8) :]
                self._first = False
                if b"\x00" in raw:
                    line = self._line + raw[: raw.index(b"\x00")].count(b"\n")
                    raise nul_error(self.path, self.encoding, line)
                self._line += raw.count(b"\n")
                self._buf, self._pos = memoryview(raw), 0
                continue
            try:
                text = self._decoder.decode(raw, final=self._eof)
            except UnicodeDecodeError as exc:
                line = self._line + raw[: exc.start].count(b"\n")
                bad = raw[exc.start : exc.start + 4]
                raise IngestError(
                    f"bytes {bad!r} are not valid {self.encoding} (wrong encoding in the mapping, "
                    "or a damaged file)",
                    _where(self.path, line=line),
                ) from None
            if "\x00" in text:  # the line is counted in the text (UTF-16 has 0x0A in characters)
                line = self._line + text[: text.index("\x00")].count("\n")
                raise nul_error(self.path, self.encoding, line)
            self._line += raw.count(b"\n")
            self._buf, self._pos = memoryview(text.encode("utf-8")), 0

    def readinto(self, b: Any) -> int:
        """Fill ``b`` as far as the file goes (pyarrow takes a short read as a block)."""
        view = memoryview(b).cast("B")
        done = 0
        while done < len(view):
            self._fill()
            n = min(len(view) - done, len(self._buf) - self._pos)
            if n <= 0:
                break
            view[done : done + n] = self._buf[self._pos : self._pos + n]
            self._pos += n
            done += n
        return done

    def read_block(self, size: int) -> bytes:
        """Up to ``size`` bytes of UTF-8 (fewer only at the end of the file)."""
        buf = bytearray(size)
        n = self.readinto(buf)
        return bytes(buf[:n])


def nul_error(path: Path, encoding: str, line: int) -> IngestError:
    """The error for a NUL character on (physical, 1-based) ``line``: it names the file, the
    line and the field the NUL is in — the header's column, counted from the line's start with
    the delimiter the header uses (tab, comma, |, ;). Called once, when reading stops."""
    import csv

    header = target = None
    with open(path, encoding=encoding, errors="replace", newline="\n") as f:
        for n, text in enumerate(f, start=1):
            if n == 1:
                header = text.lstrip("\ufeff").rstrip("\r\n")
            if n == line:
                target = text
                break
    field = None
    if header is not None and target is not None and "\x00" in target and line > 1:
        delimiter = max("\t,|;", key=header.count)
        names = next(csv.reader([header], delimiter=delimiter), [])
        before = next(csv.reader([target[: target.index("\x00")]], delimiter=delimiter), [""])
        k = max(len(before) - 1, 0)
        field = names[k] if k < len(names) else f"column {k + 1}"
    where = Location(file=str(path), line=line, field=field)
    return IngestError("NUL character in the text: binary junk in a text file", where)


def bad_utf8(path: Path, encoding: str) -> IngestError:
    """The error for a file declared (or detected) UTF-8 whose bytes are not: it names the
    line of the first bad byte. Called after a parser refused the bytes."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    line = 1
    with open(path, "rb") as f:
        while True:
            raw = f.read(SAMPLE_BYTES)
            try:
                decoder.decode(raw, final=not raw)
            except UnicodeDecodeError as exc:
                line += raw[: exc.start].count(b"\n")
                bad = raw[exc.start : exc.start + 4]
                return IngestError(
                    f"bytes {bad!r} are not valid {encoding} (wrong encoding in the mapping, "
                    "or a damaged file)",
                    _where(path, line=line),
                )
            if not raw:
                break
            line += raw.count(b"\n")
    return IngestError("the file is not valid UTF-8", _where(path))
