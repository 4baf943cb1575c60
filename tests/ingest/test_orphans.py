"""Lake batches are visible only with their manifest (issue 16): an ingest killed (a real
``os._exit``, no cleanup) before its manifest, or between the manifest and the rename of its
rows, never leaves rows a model sees without the batch listed; ``lexradar batches`` shows what
the kill left, and the next ingest of the file loads it once. A part no manifest lists (what an
older ingest's kill left: rows in place, manifest missing) is set aside and listed as an orphan.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lexradar.cli.app import app
from lexradar.datasets.lake import Lake
from lexradar.engine import open_engine
from lexradar.ingest import batches as b
from lexradar.ingest import ingest
from tests.ingest.conftest import deaths_mapping

runner = CliRunner()
ROWS = 3_000


def _deaths(path: Path, first: int, n: int = ROWS) -> Path:
    lines = ["身份证号,姓名,死亡日期"] + [
        f"15040419900101{(first + i) % 10000:04d},张{chr(0x4E00 + (first + i) % 4000)},2020-01-02"
        for i in range(n)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _killed_ingest(mapping: Path, lake: Path, when: str) -> int:
    """Run an ingest in another process that dies (``os._exit``, no cleanup) ``when``:
    ``manifest`` as the manifest is about to be written, ``rename`` as the rows are about to
    take their place."""
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from lexradar.ingest import batches as b
        from lexradar.ingest import ingest

        write_json, replace = b.write_json, b.os.replace

        def dying_write(path, data):
            if {when!r} == "manifest" and path.parent.name == "_batches" and "." not in path.stem:
                os._exit(9)
            write_json(path, data)

        class DyingOs:
            def __getattr__(self, name):
                return getattr(os, name)

            @staticmethod
            def replace(src, dst):
                if {when!r} == "rename" and Path(dst).name.startswith("batch-"):
                    os._exit(9)
                replace(src, dst)

        b.write_json, b.os = dying_write, DyingOs()
        ingest([Path({str(mapping)!r})], Path({str(lake)!r}), workers=1)
        """
    )
    return subprocess.run([sys.executable, "-c", script], check=False).returncode


def _deaths_seen(lake: Path) -> int:
    with open_engine(lake, sandbox=True) as engine:
        return int(engine.rows("SELECT count(*) AS n FROM deaths")[0][0])


def _batches_cli(lake: Path) -> str:
    res = runner.invoke(app, ["batches", "--lake", str(lake)], env={"COLUMNS": "300"})
    assert res.exit_code == 0, res.output
    return res.output


@pytest.fixture
def lake(tmp_path: Path) -> tuple[Path, Path]:
    """A lake with one batch of deaths loaded, and the mapping of a second file (not loaded)."""
    folder = tmp_path / "exports"
    folder.mkdir()
    _deaths(folder / "d1.csv", 0)
    lake = tmp_path / "lake"
    (first,) = ingest([deaths_mapping(folder, "d1.csv")], lake, workers=1)
    assert first.loaded == ROWS
    _deaths(folder / "d2.csv", 5_000, 900)
    return lake, deaths_mapping(folder, "d2.csv")


def test_killed_before_the_manifest(lake: tuple[Path, Path]) -> None:
    root, mapping = lake
    assert _killed_ingest(mapping, root, "manifest") == 9
    # the rows were written (a temporary file) but are not in the lake, and no batch is listed
    assert list((root / "deaths").glob(".batch-*.tmp"))
    assert _deaths_seen(root) == ROWS
    assert [m["status"] for m in b.list_batches(root)] == ["loaded"]
    # the next ingest of the file loads it once and leaves no temporary file behind
    (again,) = ingest([mapping], root, workers=1)
    assert again.status == "loaded" and again.loaded == 900
    assert _deaths_seen(root) == ROWS + 900
    assert not list((root / "deaths").glob(".*.tmp"))


def test_killed_between_the_manifest_and_the_rows(lake: tuple[Path, Path]) -> None:
    root, mapping = lake
    assert _killed_ingest(mapping, root, "rename") == 9
    assert _deaths_seen(root) == ROWS  # listed, but no row visible
    statuses = sorted(m["status"] for m in b.list_batches(root))
    assert statuses == ["incomplete", "loaded"]
    assert "incomplete" in _batches_cli(root)
    (again,) = ingest([mapping], root, workers=1)  # not "unchanged": the rows never arrived
    assert again.status == "loaded" and again.loaded == 900
    assert _deaths_seen(root) == ROWS + 900
    assert sorted(m["status"] for m in b.list_batches(root)) == ["loaded", "loaded"]


def test_rows_without_a_manifest_are_set_aside_and_listed(lake: tuple[Path, Path]) -> None:
    """What an ingest killed between the rename of its rows and its manifest left (before the
    rows went into place last): a part in the dataset's folder that no manifest lists."""
    root, mapping = lake
    (second,) = ingest([mapping], root, workers=1)
    b.manifest_path(root, second.batch_id).unlink()  # the manifest never got written
    part = b.data_path(root, "deaths", second.batch_id)
    assert part.exists()
    # models do not see the rows: neither DuckDB (the glob) nor Spark (the parts)
    assert _deaths_seen(root) == ROWS
    assert part not in Lake(root).parts("deaths") and not part.exists()
    assert Lake(root).rows("deaths") == ROWS
    # `lexradar batches` lists the orphan with its rows
    orphans = [m for m in b.list_batches(root) if m["status"] == "orphan"]
    assert [(m["batch_id"], m["dataset"], m["read"]) for m in orphans] == [
        (second.batch_id, "deaths", 900)
    ]
    out = _batches_cli(root)
    assert "orphan" in out and second.batch_id in out
    # the next ingest of the file loads it once and removes the orphan
    (again,) = ingest([mapping], root, workers=1)
    assert again.status == "loaded" and again.loaded == 900
    assert _deaths_seen(root) == ROWS + 900
    assert [m for m in b.list_batches(root) if m["status"] == "orphan"] == []


def test_hand_made_parts_are_always_read(tmp_path: Path) -> None:
    """Parts not named as an ingest names them (a synthetic lake's part-0000, a test's
    batch-month-2) need no manifest."""
    from lexradar.datasets.lake import write_rows

    out = write_rows(
        tmp_path,
        "deaths",
        [
            {
                "person_id": "15040419900101123X",
                "name": "张三",
                "death_date": dt.date(2020, 1, 2),
                "source": "cremation",
            }
        ],
    )
    other = out.with_name("batch-month-2.parquet")
    other.write_bytes(out.read_bytes())
    assert Lake(tmp_path).parts("deaths") == sorted([out, other])
