"""Peer for ``bench/e2e.py``: person resolution with a plain Splink configuration.

Run: ``.venv/bin/python bench/plain_splink.py LAKE TRUTH_PERSONS OUT_DIR``. The input is the
same mentions table lexradar builds (:func:`lexradar.linkage.mentions.build`: every person named
by every dataset, names and IDs cleaned), so that only the model differs. The configuration is
what a Splink user writes first: exact ID, Jaro-Winkler name (0.9, 0.7), exact birth date;
blocking on the ID and on name + birth year; prior from exact IDs, u by random sampling, m by EM
on the two blocking rules; clusters at match probability 0.9. Prints JSON: seconds, pairs,
clusters, and pairwise precision, recall and F1 against the synthetic truth (as
:mod:`lexradar.linkage.evaluate` scores lexradar's keys).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

import duckdb

from lexradar.engine import open_engine
from lexradar.linkage import mentions
from lexradar.linkage.evaluate import Score

THRESHOLD = 0.9


def main() -> None:
    lake, truth, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    logging.disable(logging.WARNING)
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on

    started = time.perf_counter()
    engine = open_engine(lake)
    n = mentions.build(engine)
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.ExactMatch("id18"),
            cl.JaroWinklerAtThresholds("name", [0.9, 0.7]),
            cl.ExactMatch("birth_date"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("id18"),
            block_on("name", "birth_year"),
        ],
    )
    db_api = engine.splink_api()
    linker = Linker(db_api.register("mentions"), settings)
    linker.training.estimate_probability_two_random_records_match([block_on("id18")], recall=0.95)
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("id18"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("name", "birth_year")
    )
    pairs = linker.inference.predict(threshold_match_probability=THRESHOLD)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pairs, THRESHOLD)
    keys = out / "person_keys.parquet"
    engine.write_parquet(
        "SELECT c.cluster_id AS person_key, m.dataset, m.record_id, m.role "
        f"FROM {clusters.physical_name} c JOIN mentions m USING (unique_id)",
        str(keys),
    )
    n_pairs = engine.count(pairs.physical_name)
    engine.close()
    seconds = time.perf_counter() - started

    sc = duckdb.connect()
    sc.execute(
        f"CREATE TABLE j AS SELECT k.person_key, t.true_person_id FROM '{keys}' k JOIN '{truth}' t "
        "ON t.dataset = k.dataset AND t.record_id = k.record_id AND t.role = k.role"
    )

    def count(group: str) -> int:
        sql = f"SELECT sum(n * (n - 1) // 2) FROM (SELECT count(*) n FROM j GROUP BY {group})"
        return int(sc.execute(sql).fetchall()[0][0] or 0)

    s = Score(count("true_person_id"), count("person_key"), count("person_key, true_person_id"))
    print(json.dumps({
        "mentions": n, "pairs_over_threshold": n_pairs, "seconds": seconds,
        "precision": s.precision, "recall": s.recall, "f1": s.f1,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
