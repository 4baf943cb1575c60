"""Reading the next chunk in a background thread: same chunks, same row numbers, same
errors, and the reader closed however the caller stops."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from lexradar.errors import IngestError, Location
from lexradar.ingest.readers import Chunk, open_reader, prefetched


def _chunk(start: int, n: int) -> Chunk:
    rows = np.arange(start + 1, start + n + 1, dtype=np.int64)
    return Chunk(pa.table({"c0": pa.array([str(r) for r in rows])}), rows)


def test_same_chunks_rows_and_bad_rows_as_a_plain_loop(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    lines = ["id,name"]
    for i in range(1, 3001):
        lines.append(f"{i},名{i},多余" if i % 997 == 0 else f"{i},名{i}")
    path.write_text("\n".join(lines) + "\n", encoding="gb18030")
    plain = open_reader(path, "csv")
    expected = list(plain.chunks())
    reader = open_reader(path, "csv")
    got = list(prefetched(reader.chunks()))
    assert [c.rows.tolist() for c in got] == [c.rows.tolist() for c in expected]
    assert [c.table.equals(e.table) for c, e in zip(got, expected, strict=True)] == [True]
    assert [(b.row, b.reason) for b in reader.bad_rows] == [
        (997, "too_many_fields"),
        (1994, "too_many_fields"),
        (2991, "too_many_fields"),
    ]
    assert reader.bad_rows == plain.bad_rows
    assert sum(c.table.num_rows for c in got) + len(reader.bad_rows) == 3000


def test_an_error_of_the_reader_comes_after_the_chunks_before_it() -> None:
    def chunks() -> Iterator[Chunk]:
        yield _chunk(0, 3)
        yield _chunk(3, 2)
        raise IngestError("cannot parse the file", Location(file="f.csv", row=6))

    seen = []
    with pytest.raises(IngestError, match="cannot parse") as info:
        for chunk in prefetched(chunks()):
            seen.append(chunk.rows.tolist())
    assert seen == [[1, 2, 3], [4, 5]]
    assert info.value.location.row == 6


def test_stopping_early_closes_the_reader_and_ends_the_thread() -> None:
    closed = threading.Event()
    produced = []

    def chunks() -> Iterator[Chunk]:
        try:
            for i in range(100):
                produced.append(i)
                yield _chunk(i * 10, 10)
        finally:
            closed.set()

    before = {t.name for t in threading.enumerate()}
    with closing(prefetched(chunks())) as it:
        first = next(it)
    assert first.rows.tolist() == list(range(1, 11))
    assert closed.is_set()
    assert len(produced) <= 3  # one chunk in hand, at most one waiting, one being read
    assert "lexradar-reader" not in {t.name for t in threading.enumerate()} - before
