"""Rendering helpers shared by the raw styles (:mod:`lexradar.synth.raw`, style 1, and
:mod:`lexradar.synth.raw2`, style 2): dates in mixed formats, 15-digit IDs, variant names,
CSV in any encoding, ``.xlsx`` with IDs stored as numbers, YAML mappings."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import yaml

from lexradar.normalize import name as name_norm
from lexradar.normalize import region_code, resident_id


def _dates(col: pa.ChunkedArray, rng: np.random.Generator) -> pa.Array:
    """Dates in four formats, chosen per row."""
    col = col.combine_chunks()
    if pa.types.is_timestamp(col.type):
        col = pc.cast(col, pa.date32())
    ys, ms, ds = (pc.cast(f(col), pa.string()) for f in (pc.year, pc.month, pc.day))
    iso = pc.strftime(col, "%Y-%m-%d")
    slash = pc.binary_join_element_wise(ys, ms, ds, "/")
    han = pc.binary_join_element_wise(
        pc.binary_join_element_wise(ys, "年", ""),
        pc.binary_join_element_wise(ms, "月", ""),
        pc.binary_join_element_wise(ds, "日", ""),
        "",
    )
    compact = pc.strftime(col, "%Y%m%d")
    choice = pa.array(rng.choice(4, len(col), p=[0.55, 0.2, 0.15, 0.1]).astype(np.int8))
    return pc.choose(choice, iso, slash, han, compact)


def _ids(values: list[str | None], rng: np.random.Generator, rate: float) -> list[str | None]:
    """Some IDs of persons born in 19xx written in their 15-digit form."""
    out = list(values)
    for i in np.flatnonzero(rng.random(len(values)) < rate):
        v = out[i]
        if (
            v
            and v[6:8] == "19"
            and v[6:10] < "1999"
            and resident_id.is_valid(v)
            and region_code.is_valid(v[:6])
            and region_code.lookup(v[:6]).is_current
        ):
            out[i] = resident_id.to15(v)
    return out


def _s2t() -> Any:
    import opencc

    return opencc.OpenCC("s2t")


def _names(values: list[str | None], rng: np.random.Generator, rate: float) -> list[str | None]:
    """Some names with a stray space, traditional characters or a look-alike dot."""
    out = list(values)
    s2t = None
    for i in np.flatnonzero(rng.random(len(values)) < rate):
        v = out[i]
        if not v or len(v) < 2:
            continue
        kind = int(rng.integers(3))
        if name_norm.MIDDLE_DOT in v:
            candidate = v.replace(name_norm.MIDDLE_DOT, "•" if kind else " ・ ")
        elif kind == 0:
            candidate = v[0] + "\u3000" + v[1:] if rng.random() < 0.5 else f" {v[0]} {v[1:]}"
        else:
            s2t = s2t or _s2t()
            candidate = s2t.convert(v)
        if candidate != v and name_norm.clean(candidate) == v:
            out[i] = candidate
    return out


def _write_csv(table: pa.Table, path: Path, encoding: str, delimiter: str = ",") -> None:
    opts = pcsv.WriteOptions(delimiter=delimiter, quoting_style="needed")
    if encoding in ("utf-8", "utf-8-sig"):
        with open(path, "wb") as f:
            if encoding == "utf-8-sig":
                f.write(codecs.BOM_UTF8)
            pcsv.write_csv(table, f, opts)
        return
    tmp = path.with_name(path.name + ".utf8")
    pcsv.write_csv(table, tmp, opts)
    encoder = codecs.getincrementalencoder(encoding)()
    with open(tmp, encoding="utf-8", newline="") as src, open(path, "wb") as dst:
        for block in iter(lambda: src.read(1 << 20), ""):
            dst.write(encoder.encode(block))
        dst.write(encoder.encode("", final=True))
    tmp.unlink()


def _excel_number(text: str | None) -> float | None:
    """An 18-digit ID as Excel stores it when typed as a number: 15 significant digits."""
    if text and len(text) == 18 and text.isdigit():
        return float(f"{int(text):.15g}")
    return None


def _write_xlsx(
    table: pa.Table,
    path: Path,
    rng: np.random.Generator,
    numeric: list[str],
    sheet_name: str = "婚姻登记",
    rows: np.ndarray | None = None,
    rate: float = 0.01,
) -> int:
    """Write an .xlsx; on a share ``rate`` of the rows (of those in ``rows``, when given) the
    first ID cell of the ``numeric`` columns becomes a number, as Excel stores one."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name)
    sheet.append(table.column_names)
    cols = [table[c].to_pylist() for c in table.column_names]
    idx = [table.column_names.index(c) for c in numeric]
    damaged = 0
    flags = rng.random(table.num_rows) < rate
    if rows is not None:
        flags &= rows
    for r, row in enumerate(zip(*cols, strict=True)):
        cells: list[Any] = list(row)
        if flags[r]:
            for i in idx:
                number = _excel_number(cells[i])
                if number is not None:
                    cells[i] = number
                    damaged += 1
                    break
        sheet.append(cells)
    book.save(path)
    return damaged


def _dump(doc: dict[str, Any], path: Path) -> None:
    path.write_text(
        yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8"
    )
