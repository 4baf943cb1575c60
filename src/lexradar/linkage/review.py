"""The review list: scored pairs near the threshold, with the fields a reviewer compares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lexradar.linkage.resolve import KEYS_FILE, REVIEW_FILE, linkage_dir


def uncertain_pairs(lake: Path | str, limit: int = 20) -> list[dict[str, Any]]:
    """Pairs of ``review.parquet`` not yet judged, nearest the threshold first."""
    import duckdb

    from lexradar.engine import open_engine
    from lexradar.errors import LexradarError
    from lexradar.linkage import judgements, mentions

    path = linkage_dir(lake) / REVIEW_FILE
    if not path.exists() or not (linkage_dir(lake) / KEYS_FILE).exists():
        raise LexradarError(f"no review list at {path}; run `lexradar resolve` first")
    judged = {j.key() for j in judgements.history(lake)}
    engine = open_engine(Path(lake))
    con: duckdb.DuckDBPyConnection = engine.con  # type: ignore[attr-defined]
    try:
        mentions.build(con)
        rows = (
            con.sql(
                f"""
            SELECT r.unique_id_l, r.unique_id_r, r.match_weight,
                   a.name AS name_l, b.name AS name_r, a.recorded_id AS id_l,
                   b.recorded_id AS id_r, a.birth_date AS birth_l, b.birth_date AS birth_r
            FROM read_parquet('{path}', file_row_number = true) r
            JOIN mentions a ON a.unique_id = r.unique_id_l
            JOIN mentions b ON b.unique_id = r.unique_id_r
            ORDER BY r.file_row_number
            """
            )
            .to_arrow_table()
            .to_pylist()
        )
    finally:
        engine.close()
    out = [r for r in rows if tuple(sorted((r["unique_id_l"], r["unique_id_r"]))) not in judged]
    return out[:limit]
