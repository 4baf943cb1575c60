"""Judgment-document extractor: accuracy on hand labels, article F1, throughput and memory.

    python bench/judgments.py [--corpus PATH] [--synthetic 100000] [--split dev|held_out|both]

Accuracy is per defendant against ``tests/fixtures/judgments/labels-{dev,heldout}.jsonl``
(hand-labelled from the texts): penalty kind and term together, probation months, fine,
charges (the set), and per document the judgment date. Article F1 is over all documents of
a split, micro-averaged, against the corpus's own ``law_articles`` (articles of the Criminal
Law; 之一 folded onto its article). Dev and held-out are reported separately; the held-out
part is never used to tune the rules.

Throughput is single-process, per CPU-second of this process (what one core does; on a shared
machine the wall-clock rate is printed beside it): the 501 documents, then a synthetic corpus
of ``--synthetic`` documents made by perturbing them (names, dates, numerals, amounts),
streamed so that peak memory (``resource`` max RSS and ``tracemalloc`` peak) should stay flat.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lexradar.documents.corpus import CorpusDocument, read_corpus, split_of  # noqa: E402
from lexradar.documents.extract import DocumentElements, extract  # noqa: E402

CORPUS = Path("/work/shared/data/judgments/criminal-judgments.jsonl")
LABELS = {
    "dev": ROOT / "tests/fixtures/judgments/labels-dev.jsonl",
    "held_out": ROOT / "tests/fixtures/judgments/labels-heldout.jsonl",
}
TARGETS = {
    "penalty kind + term": 0.98,
    "probation months": 0.98,
    "fine": 0.98,
    "charges": 0.97,
    "judgment date": 0.99,
    "article F1": 0.98,
}


def read_labels(path: Path) -> dict[str, dict]:
    with open(path, encoding="utf-8") as handle:
        return {row["id"]: row for row in map(json.loads, filter(str.strip, handle))}


def _defendant(elements: DocumentElements, name: str):
    return next((d for d in elements.defendants if d.name == name), None)


def score_labels(docs: dict[str, CorpusDocument], labels: dict[str, dict]) -> tuple[dict, list]:
    """Exact accuracy per field, and the list of mismatches (id, field, expected, got)."""
    hits = dict.fromkeys(("penalty kind + term", "probation months", "fine", "charges"), 0)
    n_def = 0
    n_date = date_hits = 0
    misses: list[tuple[str, str, object, object]] = []
    for doc_id, label in labels.items():
        elements = extract(docs[doc_id].text, doc_id)
        n_date += 1
        got_date = elements.judgment_date.value.isoformat() if elements.judgment_date else None
        if got_date == label["judgment_date"]:
            date_hits += 1
        else:
            misses.append((doc_id, "judgment date", label["judgment_date"], got_date))
        for want in label["defendants"]:
            n_def += 1
            got = _defendant(elements, want["name"])
            s = got.sentence if got else None
            kind = s.penalty_kind.value if s and s.penalty_kind else None
            term = s.term_months.value if s and s.term_months else None
            prob = s.probation_months.value if s and s.probation_months else None
            fine = s.fine.value if s and s.fine else None
            charges = sorted(c.value.name for c in got.charges) if got else []
            checks = {
                "penalty kind + term": (
                    (want["penalty_kind"], want["term_months"]),
                    (kind, term),
                ),
                "probation months": (want["probation_months"], prob),
                "fine": (
                    None if want["fine"] is None else Decimal(want["fine"]),
                    fine,
                ),
                "charges": (sorted(want["charges"]), charges),
            }
            for field, (expected, actual) in checks.items():
                if expected == actual:
                    hits[field] += 1
                else:
                    misses.append((f"{doc_id} {want['name']}", field, expected, actual))
    scores = {k: (v / n_def if n_def else 0.0, n_def) for k, v in hits.items()}
    scores["judgment date"] = (date_hits / n_date if n_date else 0.0, n_date)
    return scores, misses


def article_f1(docs: list[CorpusDocument]) -> tuple[float, float, float, int]:
    tp = fp = fn = 0
    for doc in docs:
        got = set(extract(doc.text, doc.id).law_articles("刑法"))
        want = set(doc.law_articles)
        tp += len(got & want)
        fp += len(got - want)
        fn += len(want - got)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return f1, p, r, len(docs)


_NAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
_CN = "〇一二三四五六七八九"


def synthetic(base: list[CorpusDocument], n: int, seed: int = 7) -> Iterator[str]:
    """``n`` documents: each a base document with its digits, years and surnames perturbed."""
    rng = random.Random(seed)
    for i in range(n):
        text = base[i % len(base)].text
        a, b = rng.choice("0123456789"), rng.choice("0123456789")
        c1, c2 = rng.choice(_CN[1:]), rng.choice(_CN[1:])
        s1, s2 = rng.choice(_NAMES), rng.choice(_NAMES)
        yield text.translate(str.maketrans({a: b, c1: c2, s1: s2}))


def throughput(texts: Iterator[str]) -> tuple[int, float, float, float]:
    """(documents, CPU seconds, tracemalloc peak MiB, max RSS MiB) for extracting every text."""
    n = 0
    tracemalloc.start()
    t0 = time.process_time()
    for text in texts:
        extract(text)
        n += 1
    seconds = time.process_time() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return n, seconds, peak / 2**20, rss


def plain_throughput(texts: Iterator[str]) -> tuple[int, float, float]:
    """(documents, wall seconds, CPU seconds of this process): on a shared machine the CPU
    seconds say what one core does, the wall seconds what this run got."""
    n = 0
    t0, c0 = time.perf_counter(), time.process_time()
    for text in texts:
        extract(text)
        n += 1
    return n, time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--synthetic", type=int, default=100_000)
    parser.add_argument("--split", choices=["dev", "held_out", "both"], default="both")
    parser.add_argument("--misses", action="store_true", help="print every mismatch (dev only)")
    args = parser.parse_args()

    corpus = list(read_corpus(args.corpus))
    by_id = {d.id: d for d in corpus}
    splits = ["dev", "held_out"] if args.split == "both" else [args.split]
    rows: dict[str, dict[str, str]] = {}
    for split in splits:
        labels = read_labels(LABELS[split])
        wrong = [i for i in labels if split_of(i) != split]
        if wrong:
            raise SystemExit(f"{LABELS[split]}: {len(wrong)} labelled ids are not in {split}")
        scores, misses = score_labels(by_id, labels)
        f1, p, r, n = article_f1([d for d in corpus if split_of(d.id) == split])
        col = {k: f"{v:.3f} (n={m})" for k, (v, m) in scores.items()}
        col["article F1"] = f"{f1:.3f} (P {p:.3f} R {r:.3f}, n={n})"
        rows[split] = col
        if args.misses and split == "dev":
            for miss in misses:
                print("MISS", *miss)
    print(f"{'field':<22}{'target':>8}  " + "".join(f"{s:<32}" for s in splits))
    for field, target in TARGETS.items():
        print(f"{field:<22}{target:>8.2f}  " + "".join(f"{rows[s][field]:<32}" for s in splits))

    n, wall, cpu = plain_throughput(d.text for d in corpus)
    print(
        f"\nthroughput, {n} real documents: {n / cpu:,.0f} documents per CPU-second "
        f"({n / wall:,.0f}/s wall, {wall:.2f} s)"
    )
    if args.synthetic:
        n, wall, cpu = plain_throughput(synthetic(corpus, args.synthetic))
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"throughput, {n:,} synthetic documents: {n / cpu:,.0f} documents per CPU-second "
            f"({n / wall:,.0f}/s wall, {wall:.1f} s), max RSS {rss:.0f} MiB"
        )
        for size in (1_000, 10_000):
            n, _cpu, peak, _ = throughput(synthetic(corpus, size, seed=size))
            print(f"tracemalloc peak over {n:,} synthetic documents: {peak:.2f} MiB")


if __name__ == "__main__":
    main()
