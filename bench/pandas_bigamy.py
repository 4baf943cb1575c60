"""Peer for ``bench/e2e.py``: ``marriage.bigamy`` written the straightforward way in pandas.

Run: ``.venv/bin/python bench/pandas_bigamy.py LAKE AS_OF`` (needs pandas). It reads the three
datasets the model reads (``marriage_events``, ``judgments``, ``deaths``) from the lake's
Parquet files, applies the model's rule with merges and filters — a marriage registration whose
party had an earlier marriage to another spouse not ended, on or before the new date, by a
divorce registration, an effective court divorce or the spouse's death — and prints JSON: the
clue count, the clues' fingerprints (as lexradar computes them, to compare with the model) and
the seconds of the work after reading.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from lexradar.models.run import fingerprint


def read(lake: Path, dataset: str, columns: list[str]) -> pd.DataFrame:
    """A dataset's Parquet files as one DataFrame (dates as datetime64)."""
    parts = sorted((lake / dataset).glob("*.parquet"))
    frames = [pq.read_table(p, columns=columns).to_pandas() for p in parts]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    for col in columns:
        if col.endswith("_date"):
            df[col] = pd.to_datetime(df[col])
    return df


def bigamy(
    me: pd.DataFrame, jd: pd.DataFrame, de: pd.DataFrame, as_of: pd.Timestamp
) -> pd.DataFrame:
    """The rows the model returns: person, new and old registration."""
    reg = me[(me.event_type == "marriage") & (me.event_date <= as_of)]
    side = ["record_id", "cert_no", "event_date"]
    husbands = reg[[*side, "husband_id", "wife_id"]].set_axis(
        [*side, "person_id", "spouse_id"], axis=1
    )
    wives = reg[[*side, "wife_id", "husband_id"]].set_axis(
        [*side, "person_id", "spouse_id"], axis=1
    )
    marriages = pd.concat([husbands, wives], ignore_index=True).dropna(subset=["person_id"])

    # what ends a marriage: a divorce registration of the two (or citing the certificate) ...
    div = me[(me.event_type == "divorce") & (me.event_date <= as_of)]
    ends = [pd.DataFrame({
        "p1": div[["husband_id", "wife_id"]].min(axis=1),
        "p2": div[["husband_id", "wife_id"]].max(axis=1),
        "cert_no": div.prior_cert_no,
        "ended_on": div.event_date,
    })]  # fmt: skip
    # ... or an effective court divorce between plaintiff and defendant
    pl = jd[(jd.party_role == "plaintiff") & (jd.outcome == "divorce_granted")]
    pl = pl[pl.effective_date <= as_of]
    df = jd[jd.party_role == "defendant"][["case_no", "party_id"]]
    court = pl.merge(df, on="case_no", suffixes=("", "_q"))
    ends.append(pd.DataFrame({
        "p1": court[["party_id", "party_id_q"]].min(axis=1),
        "p2": court[["party_id", "party_id_q"]].max(axis=1),
        "cert_no": court.cited_cert_no,
        "ended_on": court.effective_date,
    }))  # fmt: skip
    endings = pd.concat(ends, ignore_index=True)

    pairs = marriages.merge(marriages, on="person_id", suffixes=("_n", "_o"))
    pairs = pairs[
        pairs.spouse_id_o.notna()
        & pairs.spouse_id_n.notna()
        & (pairs.spouse_id_o != pairs.spouse_id_n)
        & (
            (pairs.event_date_o < pairs.event_date_n)
            | ((pairs.event_date_o == pairs.event_date_n) & (pairs.record_id_o < pairs.record_id_n))
        )
    ].reset_index(drop=True)
    pairs["p1"] = pairs[["person_id", "spouse_id_o"]].min(axis=1)
    pairs["p2"] = pairs[["person_id", "spouse_id_o"]].max(axis=1)
    pairs["cid"] = pairs.index

    def ended(hit: pd.DataFrame, until: str = "ended_on") -> set[int]:
        inside = (hit[until] >= hit.event_date_o) & (hit[until] <= hit.event_date_n)
        return set(hit.loc[inside, "cid"])

    drop = ended(pairs.merge(endings.dropna(subset=["p1", "p2"]), on=["p1", "p2"]))
    by_cert = pairs.merge(
        endings.dropna(subset=["cert_no"]), left_on="cert_no_o", right_on="cert_no"
    )
    drop |= ended(by_cert)
    dead = pairs.merge(de.dropna(subset=["person_id"]), left_on="spouse_id_o", right_on="person_id")
    drop |= set(dead.loc[dead.death_date <= dead.event_date_n, "cid"])
    return pairs[~pairs.cid.isin(drop)][["person_id", "record_id_n", "record_id_o"]]


def main() -> None:
    lake, as_of = Path(sys.argv[1]), pd.Timestamp(sys.argv[2])
    me = read(lake, "marriage_events", [
        "record_id", "cert_no", "event_type", "event_date", "husband_id", "wife_id",
        "prior_cert_no",
    ])  # fmt: skip
    jd = read(lake, "judgments", [
        "case_no", "party_id", "party_role", "outcome", "effective_date", "cited_cert_no",
    ])  # fmt: skip
    de = read(lake, "deaths", ["person_id", "death_date"])
    started = time.perf_counter()
    clues = bigamy(me, jd, de, as_of)
    work = time.perf_counter() - started
    fps = sorted(
        fingerprint("marriage.bigamy", (p, n, o))
        for p, n, o in clues.itertuples(index=False, name=None)
    )
    print(json.dumps({"clues": len(fps), "fingerprints": fps, "work_seconds": work}))


if __name__ == "__main__":
    main()
