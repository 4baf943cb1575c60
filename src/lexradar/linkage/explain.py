"""Why two mentions are (or are not) one person: the match weight and what each comparison
contributed, each with a short ``detail`` naming the values that produced it.

The levels are evaluated with the same SQL conditions as the trained model (``model.json``), on
the two rows of the mentions table; a level's weight is log2(m/u), term-frequency adjusted where
the model says so (Splink's formula: u replaced by the value's frequency among mentions).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from lexradar.datasets.derived import LINKAGE_DIR
from lexradar.engine import Engine, Step, literal
from lexradar.linkage.comparisons import level_of, levels_of
from lexradar.linkage.resolve import MODEL_FILE, linkage_dir, weight_to_probability


@dataclass(frozen=True)
class Contribution:
    comparison: str
    level: str
    weight: float
    detail: str


@dataclass
class Explanation:
    left: str
    right: str
    prior_weight: float
    contributions: list[Contribution] = field(default_factory=list)

    @property
    def match_weight(self) -> float:
        return self.prior_weight + sum(c.weight for c in self.contributions)

    @property
    def match_probability(self) -> float:
        return weight_to_probability(self.match_weight)


def _detail(comparison: str, level: str, left: dict[str, Any], right: dict[str, Any]) -> str:
    from lexradar.linkage.variants import are_variants
    from lexradar.normalize import name as nm
    from lexradar.normalize import resident_id as rid

    if comparison == "resident_id":
        a, b = left["id18"], right["id18"]
        if a is None or b is None:
            return f"{left['recorded_id']!r} vs {right['recorded_id']!r}: no usable ID"
        text = rid.compare(a, b).detail
        if level == "renumbered_county":
            text = f"{a} vs {b}: same birth date and sequence; {a[:6]} and {b[:6]} are one county"
        if level == "two_registrations":
            text = f"{a} vs {b}: two registrations, each with its own ID (no weight)"
        bad = [x for x, row in ((a, left), (b, right)) if not row["id_valid"]]
        return text + (f"; check digit fails on {', '.join(bad)}" if bad else "")
    if comparison == "name":
        a, b = left["name"], right["name"]
        if a is None or b is None:
            return "a name is missing"
        if level == "transliteration_variant" or are_variants(a, b):
            return f"{a} vs {b}: transliterations of one name ({left['name_vkey']})"
        if level == "pinyin_similar":
            return f"{a} vs {b}: similar pinyin '{left['name_pinyin']}' / '{right['name_pinyin']}'"
        return nm.compare(a, b).detail
    if comparison == "address":
        a, b = left["address"], right["address"]
        if a is None or b is None:
            return "no registered address on one side (only the household registry has one)"
        if level == "household_member":
            return f"{a}: one address, two names ({left['name']}/{right['name']}): one household"
    a, b = left[comparison], right[comparison]
    if level == "from_damaged_id":
        return f"{a} vs {b}: from an ID that fails its check digit, scored with the ID (no weight)"
    return f"{a} vs {b}: {level.replace('_', ' ')}"


def trained_model(lake: Path | str) -> dict[str, Any]:
    """The lake's trained resolution model (``model.json``)."""
    from lexradar.errors import LexradarError

    model_path = linkage_dir(lake) / MODEL_FILE
    if not model_path.exists():
        raise LexradarError(f"no trained model at {model_path}; run `lexradar resolve` first")
    return cast(dict[str, Any], json.loads(model_path.read_text(encoding="utf-8")))


class Lookups:
    """What one request reads of the saved mentions and resolution's files, each thing once:
    the mentions' full rows (every column: what explaining a pair needs), their person keys,
    the links of their persons and term frequencies.

    A lookup of a mention reads one row group of every column of ``mentions``, the costliest
    read of a page; a page that explains a chain of links (or a person's links) asks here for
    all the rows it needs at once — one query with a condition per record or an ``IN`` list,
    which the sorted file answers by the row groups holding them — and every later question
    about a row already read is answered without a query. Nothing outlives the object: make
    one per request (the lake may change between requests)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._rows: dict[str, dict[str, Any]] = {}
        self._of_record: dict[str, list[str]] = {}
        self._keys: dict[str, str | None] = {}
        self._links: dict[str, list[Link] | None] = {}
        self._tf: dict[tuple[str, object], float | None] = {}
        self._levels: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def ids_of_records(self, refs: list[str]) -> dict[str, list[tuple[str, Any, Any]]]:
        """``(unique_id, recorded_id, id18)`` of the mentions of each record
        ``dataset:record_id``, in ``unique_id`` order, in one query of three columns (which
        mention of a record is the clue's person's, before any full row is read)."""
        from lexradar.linkage import mentions

        todo = [r for r in dict.fromkeys(refs) if r not in self._of_record]
        found: dict[str, list[tuple[str, Any, Any]]] = {r: [] for r in todo}
        if todo:
            where = " OR ".join(mentions.of_record(r) for r in todo)
            rows = self.engine.rows(
                f"SELECT unique_id, recorded_id, id18 FROM mentions WHERE {where}",
                "mentions of records",
            )
            for uid, recorded, id18 in sorted(rows, key=lambda r: str(r[0])):
                for ref in todo:
                    if uid == ref or str(uid).startswith(ref + ":"):
                        found[ref].append((str(uid), recorded, id18))
        known = {
            r: [(str(x["unique_id"]), x["recorded_id"], x["id18"]) for x in rows]
            for r, rows in self.of_records([r for r in refs if r in self._of_record]).items()
        }
        return {r: known[r] if r in known else found[r] for r in refs}

    def of_records(self, refs: list[str]) -> dict[str, list[dict[str, Any]]]:
        """The mention rows of each record ``dataset:record_id`` (or of one mention, by its
        ``unique_id``), in ``unique_id`` order; one query for the refs not asked before."""
        from lexradar.linkage import mentions

        todo = [r for r in dict.fromkeys(refs) if r not in self._of_record]
        if todo:
            where = " OR ".join(mentions.of_record(r) for r in todo)
            found = self.engine.run(
                Step("mentions of records", f"SELECT * FROM mentions WHERE {where}")
            ).to_pylist()
            for ref in todo:
                self._of_record[ref] = []
            for row in sorted(found, key=lambda r: str(r["unique_id"])):
                uid = str(row["unique_id"])
                self._rows[uid] = row
                for ref in todo:
                    if uid == ref or uid.startswith(ref + ":"):
                        self._of_record[ref].append(uid)
        return {r: [self._rows[u] for u in self._of_record[r]] for r in refs}

    def rows(self, unique_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The rows of the mentions ``unique_ids`` that exist; one ``IN`` query for those not
        read before."""
        todo = [u for u in dict.fromkeys(unique_ids) if u not in self._rows]
        if todo:
            listed = ", ".join(literal(u) for u in todo)
            found = self.engine.run(
                Step("mentions by id", f"SELECT * FROM mentions WHERE unique_id IN ({listed})")
            ).to_pylist()
            for row in found:
                self._rows[str(row["unique_id"])] = row
        return {u: self._rows[u] for u in unique_ids if u in self._rows}

    def mention(self, ref: str) -> dict[str, Any] | None:
        """The row of mention ``ref`` (a ``unique_id``, or a record naming one person: its
        first mention)."""
        if ref in self._rows:
            return self._rows[ref]
        found = self.of_records([ref])[ref]
        return found[0] if found else None

    def person_keys(self, unique_ids: list[str]) -> dict[str, str]:
        """The person key of each mention that has one (one query for those not asked)."""
        todo = [u for u in dict.fromkeys(unique_ids) if u not in self._keys]
        if todo:
            found = _person_keys(self.engine, todo)
            self._keys.update({u: found.get(u) for u in todo})
        return {u: k for u in unique_ids if (k := self._keys.get(u)) is not None}

    def links(self, person_keys: list[str]) -> dict[str, list[Link] | None]:
        """:func:`saved_links` of each person key (one query for those not asked)."""
        todo = [k for k in dict.fromkeys(person_keys) if k not in self._links]
        if todo:
            self._links.update(_saved_links(self.engine, todo))
        return {k: self._links[k] for k in person_keys}

    def term_frequencies(self, column: str, values: list[object]) -> None:
        """Read the term frequencies of ``values`` in ``column`` (one query for those not
        read before): :meth:`term_frequency` then answers them."""
        todo = [v for v in dict.fromkeys(values) if v is not None and (column, v) not in self._tf]
        if not todo:
            return
        found = _term_frequencies(self.engine, column, todo)
        self._tf.update({(column, v): found.get(v) for v in todo})

    def levels(
        self, comparisons: list[dict[str, Any]], pairs: list[tuple[dict[str, Any], dict[str, Any]]]
    ) -> list[list[dict[str, Any]]]:
        """The level of each comparison for each pair of mention rows (one query for the
        pairs not asked before: :func:`lexradar.linkage.comparisons.levels_of_pairs`)."""
        from lexradar.linkage.comparisons import levels_of_pairs

        def key(pair: tuple[dict[str, Any], dict[str, Any]]) -> tuple[str, str]:
            return str(pair[0]["unique_id"]), str(pair[1]["unique_id"])

        todo = list({key(p): p for p in pairs if key(p) not in self._levels}.values())
        for pair, found in zip(todo, levels_of_pairs(self.engine, comparisons, todo), strict=True):
            self._levels[key(pair)] = found
        return [self._levels[key(p)] for p in pairs]

    def prepare(self, model: dict[str, Any], pairs: list[tuple[str, str]]) -> None:
        """Read at once what explaining ``pairs`` of mentions needs: their rows (one query),
        the term frequencies of each adjusted column (one query each) and every pair's
        comparison levels (one query)."""
        self.rows([u for pair in pairs for u in pair])
        found = [(self.mention(a), self.mention(b)) for a, b in pairs]
        both = [(a, b) for a, b in found if a is not None and b is not None]
        for column in tf_columns(model):
            self.term_frequencies(column, [a.get(column) for a, _b in both])
        self.levels(model["comparisons"], both)

    def term_frequency(self, column: str, value: object) -> float | None:
        if (column, value) not in self._tf:
            self._tf[(column, value)] = term_frequency(self.engine, column, value)
        return self._tf[(column, value)]


def explain(
    lake: Path | str,
    left: str,
    right: str,
    *,
    engine: Engine | None = None,
    model: dict[str, Any] | None = None,
    lookups: Lookups | None = None,
) -> Explanation:
    """Explain the pair of mentions ``left`` and ``right`` (``dataset:record_id:role``, or a
    ``dataset:record_id`` when the record names one person).

    ``engine``, when given, already holds ``mentions`` (:func:`lexradar.linkage.mentions.
    open_saved`) and stays open; ``model`` is the trained model when the caller has read it:
    a page explaining several pairs opens both once. ``lookups`` (on ``engine``): the rows
    and term frequencies a page has read already (:class:`Lookups`)."""
    from lexradar.engine import open_engine
    from lexradar.errors import LexradarError
    from lexradar.linkage import mentions

    model = model or trained_model(lake)
    own = engine is None and lookups is None
    if lookups is not None:
        engine = lookups.engine
    elif engine is None:
        engine = open_engine(Path(lake))
        mentions.open_saved(engine)
    try:
        reads = lookups or Lookups(engine)
        reads.of_records([r for r in (left, right) if r not in reads._rows])
        rows = {}
        for ref in (left, right):
            found = reads.mention(ref)
            if found is None:
                raise LexradarError(f"no person mention {ref!r} in {lake}")
            rows[ref] = found
        lrow, rrow = rows[left], rows[right]
        prior = model["probability_two_random_records_match"]
        out = Explanation(lrow["unique_id"], rrow["unique_id"], math.log2(prior / (1 - prior)))
        out.contributions = contributions(engine, model, lrow, rrow, reads)
    finally:
        if own:
            engine.close()
    return out


def contributions(
    engine: Engine,
    model: dict[str, Any],
    lrow: dict[str, Any],
    rrow: dict[str, Any],
    lookups: Lookups | None = None,
) -> list[Contribution]:
    """Each comparison's level and weight for two mention rows: the levels in one query, term
    frequencies from the files resolution saved (``tf_<column>.parquet``), through
    ``lookups`` when given."""
    if lookups is not None:
        (levels,) = lookups.levels(model["comparisons"], [(lrow, rrow)])
    else:
        levels = levels_of(engine, model["comparisons"], lrow, rrow)
    return [
        _contribution(engine, comparison, level, lrow, rrow, lookups)
        for comparison, level in zip(model["comparisons"], levels, strict=True)
    ]


def tf_columns(model: dict[str, Any]) -> list[str]:
    """The columns the model adjusts weights by term frequency on."""
    return list(
        dict.fromkeys(
            str(lv["tf_adjustment_column"])
            for c in model["comparisons"]
            for lv in c["comparison_levels"]
            if lv.get("tf_adjustment_column") and not lv.get("is_null_level")
        )
    )


def contribution(
    engine: Engine, comparison: dict[str, Any], lrow: dict[str, Any], rrow: dict[str, Any]
) -> Contribution:
    """One comparison's level and weight for two mention rows."""
    return _contribution(engine, comparison, level_of(engine, comparison, lrow, rrow), lrow, rrow)


def _tf_view(column: str) -> str:
    return f"_lr_tf_file_{column}"


def open_term_frequencies(engine: Engine, columns: tuple[str, ...] | None = None) -> list[str]:
    """Views of the term-frequency files resolution saved (``tf_<column>.parquet``) on
    ``engine``, for ``columns`` (default: every such file) that have one; returns those
    columns."""
    if columns is None:
        folder = Path(engine.path(LINKAGE_DIR))
        columns = tuple(sorted(p.stem[3:] for p in folder.glob("tf_*.parquet")))
    return [
        c
        for c in columns
        if engine.view_of_parquet(_tf_view(c), engine.path(LINKAGE_DIR, f"tf_{c}.parquet"))
        is not None
    ]


def term_frequency(engine: Engine, column: str, value: object) -> float | None:
    """The share of mentions with ``value`` in ``column``, as Splink adjusts for it: from the
    file resolution saved (sorted, so the lookup skips row groups; its view is opened once
    per engine), else counted over ``mentions``."""
    from lexradar.errors import LexradarError

    view = _tf_view(column)
    sql = f"SELECT tf_{column} FROM {view} WHERE {column} = {literal(value)}"
    try:
        found = engine.scalar(sql, "term frequency")
    except LexradarError:  # not opened on this engine yet
        if not open_term_frequencies(engine, (column,)):
            sql = (
                f"SELECT count(*) FILTER (WHERE {column} = {literal(value)}) / count({column}) "
                "FROM mentions"
            )
        found = engine.scalar(sql, "term frequency")
    return float(cast(float, found)) if found else None


def _term_frequencies(engine: Engine, column: str, values: list[object]) -> dict[object, float]:
    """:func:`term_frequency` of several values of ``column``: one query on the saved file
    (its view opened once per engine), else one count over ``mentions`` per value."""
    from lexradar.errors import LexradarError

    listed = ", ".join(literal(v) for v in values)
    sql = f"SELECT {column}, tf_{column} FROM {_tf_view(column)} WHERE {column} IN ({listed})"
    try:
        rows = engine.rows(sql, "term frequencies")
    except LexradarError:  # not opened on this engine yet
        if not open_term_frequencies(engine, (column,)):
            found = {v: term_frequency(engine, column, v) for v in values}
            return {v: f for v, f in found.items() if f is not None}
        rows = engine.rows(sql, "term frequencies")
    return {v: float(f) for v, f in rows if f}


def _contribution(
    engine: Engine,
    comparison: dict[str, Any],
    level: dict[str, Any],
    lrow: dict[str, Any],
    rrow: dict[str, Any],
    lookups: Lookups | None = None,
) -> Contribution:
    name = comparison["output_column_name"]
    label = level["label_for_charts"]
    if level.get("is_null_level"):
        return Contribution(name, label, 0.0, _detail(name, label, lrow, rrow))
    m, u = level.get("m_probability"), level.get("u_probability")
    weight = math.log2(m / u) if m and u else 0.0
    tf_col = level.get("tf_adjustment_column")
    if tf_col and u:
        share = (
            lookups.term_frequency(tf_col, lrow[tf_col])
            if lookups is not None
            else term_frequency(engine, tf_col, lrow[tf_col])
        )
        if share:
            weight += level.get("tf_adjustment_weight", 1.0) * math.log2(u / share)
    return Contribution(name, label, round(weight, 2), _detail(name, label, lrow, rrow))


MAX_CHAIN_CLUSTER = 500
"""A person of more mentions than this is not searched for a chain (the links of such a cluster
are read only up to here; the pair is then explained directly)."""


@dataclass(frozen=True)
class Link:
    """One link of a chain: two mentions resolution linked, at ``weight`` (``judged``: a
    reviewer's "same" judgement linked them, whatever the weight)."""

    left: str
    right: str
    weight: float
    judged: bool = False


def _threshold(engine: Engine) -> float | None:
    """The match weight the last resolution linked at (``run.json``)."""
    text = engine.read_text(engine.path(LINKAGE_DIR, "run.json"))
    if not text:
        return None
    found = json.loads(text).get("threshold_weight")
    return float(found) if found is not None else None


def _keys_view(engine: Engine) -> str | None:
    """A view of ``person_keys.parquet`` on ``engine`` (sorted by ``unique_id``)."""
    from lexradar.datasets.derived import KEYS_FILE
    from lexradar.errors import LexradarError

    view = "_lr_person_keys_file"
    try:
        engine.columns(view)
    except LexradarError:
        if engine.view_of_parquet(view, engine.path(LINKAGE_DIR, KEYS_FILE)) is None:
            return None
    return view


def person_key_of(engine: Engine, unique_ids: list[str]) -> dict[str, str]:
    """The person key of each mention (one lookup, which the keys file, sorted by
    ``unique_id``, answers by the row groups holding them)."""
    return _person_keys(engine, list(dict.fromkeys(unique_ids)))


def _person_keys(engine: Engine, unique_ids: list[str]) -> dict[str, str]:
    view = _keys_view(engine)
    if view is None or not unique_ids:
        return {}
    listed = ", ".join(literal(u) for u in unique_ids)
    rows = engine.rows(
        f"SELECT unique_id, person_key FROM {view} WHERE unique_id IN ({listed})", "person keys"
    )
    return {str(u): str(k) for u, k in rows if k is not None}


def _index_view(engine: Engine, name: str) -> str | None:
    """A view of the saved person index file ``name`` (:data:`lexradar.linkage.mentions.
    BY_PERSON` or ``LINKS``), opened once per engine; None without the file."""
    from lexradar.errors import LexradarError

    view = "_lr_" + name.removesuffix(".parquet")
    try:
        engine.columns(view)
    except LexradarError:
        if engine.view_of_parquet(view, engine.path(LINKAGE_DIR, name)) is None:
            return None
    return view


def cluster_of(engine: Engine, person_key: str, limit: int = MAX_CHAIN_CLUSTER) -> list[str]:
    """The mentions resolution gave ``person_key`` (at most ``limit`` + 1), by ``unique_id``:
    from the saved index by person (one row group), else a scan of the keys."""
    from lexradar.linkage.mentions import BY_PERSON

    view = _index_view(engine, BY_PERSON) or _keys_view(engine)
    if view is None:
        return []
    rows = engine.rows(
        f"SELECT unique_id FROM {view} WHERE person_key = {literal(person_key)} "
        f"ORDER BY unique_id LIMIT {int(limit) + 1}",
        "mentions of a person",
    )
    return [str(r[0]) for r in rows]


def saved_links(engine: Engine, person_key: str) -> list[Link] | None:
    """The links clustering joined ``person_key``'s mentions with (the saved
    :data:`lexradar.linkage.mentions.LINKS`); None when the lake has no such file."""
    return _saved_links(engine, [person_key])[person_key]


def _saved_links(engine: Engine, person_keys: list[str]) -> dict[str, list[Link] | None]:
    """:func:`saved_links` of several persons, in one lookup (the file is sorted by
    ``person_key``: the row groups holding them are read)."""
    from lexradar.linkage.mentions import LINKS

    view = _index_view(engine, LINKS)
    if view is None or not person_keys:
        return dict.fromkeys(person_keys)
    listed = ", ".join(literal(k) for k in person_keys)
    rows = engine.rows(
        f"SELECT person_key, unique_id_l, unique_id_r, match_weight FROM {view} "
        f"WHERE person_key IN ({listed}) ORDER BY person_key, unique_id_l, unique_id_r",
        "links of persons",
    )
    out: dict[str, list[Link] | None] = {k: [] for k in person_keys}
    for key, a, b, w in rows:
        links = out[str(key)]
        assert links is not None
        links.append(Link(str(a), str(b), float(w) if w is not None else 0.0, judged=w is None))
    return out


def links_within(engine: Engine, members: list[str], lake: Path | str) -> list[Link]:
    """The links resolution made between ``members`` (one person's mentions): the saved pairs
    (``pairs.parquet``) at or above the threshold it linked at, registry pairs only when judged
    the same, less pairs judged different, plus pairs judged the same."""
    from lexradar.linkage import judgements
    from lexradar.linkage.incremental import PAIRS_FILE

    inside = set(members)
    judged = {j.key(): str(j.decision) for j in judgements.load(lake) if set(j.key()) <= inside}
    out: dict[tuple[str, str], Link] = {}
    threshold = _threshold(engine)
    path = engine.path(LINKAGE_DIR, PAIRS_FILE)
    if threshold is not None and members and engine.exists(path):
        listed = ", ".join(literal(m) for m in members)
        rows = engine.rows(
            f"SELECT unique_id_l, unique_id_r, match_weight FROM read_parquet({literal(path)}) "
            f"WHERE unique_id_l IN ({listed}) AND unique_id_r IN ({listed}) "
            f"AND match_weight >= {threshold}",
            "links of a person",
        )
        for left, right, weight in rows:
            a, b = sorted((str(left), str(right)))
            registry = a.startswith("persons:") and b.startswith("persons:")
            if judged.get((a, b)) == "different" or registry:
                continue
            out[(a, b)] = Link(a, b, float(weight))
    for (a, b), decision in judged.items():
        if decision == "same":
            known = out.get((a, b))
            out[(a, b)] = Link(a, b, known.weight if known else 0.0, judged=True)
    return list(out.values())


def chain(links: list[Link], start: str, end: str) -> list[Link] | None:
    """The shortest path of links from ``start`` to ``end`` (fewest links; of those, the
    heaviest), each link oriented along the path; None when they are not connected."""
    import heapq

    graph: dict[str, list[tuple[str, Link]]] = {}
    for link in links:
        graph.setdefault(link.left, []).append((link.right, link))
        graph.setdefault(link.right, []).append((link.left, link))
    best: dict[str, tuple[int, float]] = {start: (0, 0.0)}
    back: dict[str, tuple[str, Link]] = {}
    queue: list[tuple[int, float, str]] = [(0, 0.0, start)]
    while queue:
        hops, neg, node = heapq.heappop(queue)
        if node == end:
            break
        if (hops, neg) > best.get(node, (hops, neg)):
            continue
        for other, link in graph.get(node, []):
            cost = (hops + 1, neg - (1e3 if link.judged else link.weight))
            if cost < best.get(other, (1 << 30, 0.0)):
                best[other] = cost
                back[other] = (node, link)
                heapq.heappush(queue, (cost[0], cost[1], other))
    if end not in back and start != end:
        return None
    path: list[Link] = []
    node = end
    while node != start:
        prev, link = back[node]
        path.append(Link(prev, node, link.weight, link.judged))
        node = prev
    return path[::-1]


def explain_links(
    lake: Path | str,
    pairs: list[tuple[str, str]],
    *,
    model: dict[str, Any],
    lookups: Lookups,
) -> list[Explanation]:
    """:func:`explain` for each pair of mentions, the rows of all of them read in one query
    the term frequencies of each adjusted column in one more and the comparisons' levels of
    all pairs in one (:class:`Lookups`)."""
    lookups.prepare(model, pairs)
    return [explain(lake, a, b, model=model, lookups=lookups) for a, b in pairs]


def chain_path(lake: Path | str, left: str, right: str, lookups: Lookups) -> list[Link] | None:
    """The path of links resolution joined the mentions ``left`` and ``right`` by (full
    ``unique_id`` values) inside their person; None when they are not of one person, or their
    person is too large to search."""
    engine = lookups.engine
    keys = lookups.person_keys([left, right])
    path = None
    if keys.get(left) is not None and keys.get(left) == keys.get(right):
        saved = lookups.links([keys[left]])[keys[left]]
        if saved:
            path = chain(saved, left, right)
        if not path:  # a lake resolved before the links were saved, or incrementally since
            members = cluster_of(engine, keys[left])
            if len(members) <= MAX_CHAIN_CLUSTER:
                path = chain(links_within(engine, members, lake), left, right)
    return path or None


def chain_pairs(left: str, right: str, path: list[Link] | None) -> list[tuple[str, str]]:
    """The pairs :func:`explain_chain` explains for ``path``: its links, else the two ends."""
    return [(a.left, a.right) for a in path] if path else [(left, right)]


def explain_chain(
    lake: Path | str,
    left: str,
    right: str,
    *,
    engine: Engine,
    model: dict[str, Any],
    lookups: Lookups | None = None,
) -> tuple[list[Link], list[Explanation]]:
    """How resolution joined the mentions ``left`` and ``right`` (full ``unique_id``s): the
    path of links between them inside their person, and each link explained
    (:func:`explain`). A pair not of one person, or whose person is too large to search, is
    explained directly (one explanation, no links). ``lookups`` (on ``engine``): what the
    page has read already; every mention on the path is read once."""
    reads = lookups or Lookups(engine)
    path = chain_path(lake, left, right, reads)
    explained = explain_links(lake, chain_pairs(left, right, path), model=model, lookups=reads)
    return path or [], explained
