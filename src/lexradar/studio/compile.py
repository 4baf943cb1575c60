"""From a draft to the files of a model: the YAML header and one readable SELECT.

The SQL is plain DuckDB-dialect SQL with ``:name`` parameters, like a hand-written model's: a
``base`` CTE with the filtered base records, one CTE per element block (each keeps the base
records for which its element holds, with its evidence), and a final SELECT that keeps the base
records every element holds for. Values are written with SQLGlot, and the result is parsed and
checked by :func:`lexradar.models.compile.parse` like any model's SQL.
"""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import ValidationError
from sqlglot import exp

from lexradar.datasets import CONTRACT
from lexradar.errors import Location, ModelError
from lexradar.models.compile import parse
from lexradar.models.spec import ModelSpec, Transition
from lexradar.studio.blocks import (
    BeforeAfter,
    Condition,
    Count,
    Draft,
    Knob,
    Match,
    NotExists,
    Overlap,
    SameIdentity,
)
from lexradar.studio.errors import StudioError

INDENT = "    "


def literal(value: Any) -> str:
    """A Python value as a SQL literal (SQLGlot quotes and escapes it)."""
    return exp.convert(value).sql(dialect="duckdb")


def condition_sql(alias: str, c: Condition) -> str:
    """One filter as SQL on ``alias``'s columns: ``o.status IN ('revoked', 'cancelled')``."""
    col = f"{alias}.{c.column}"
    if c.op in ("is null", "is not null"):
        return f"{col} {c.op.upper()}"
    if c.param:
        return f"{col} {c.op} :{c.param}"
    if c.op in ("in", "not in"):
        listed = ", ".join(literal(v) for v in c.value)
        return f"{col} {c.op.upper()} ({listed})"
    return f"{col} {c.op} {literal(c.value)}"


def condition_text(c: Condition) -> str:
    """A filter in plain words for explanations: ``status in revoked, cancelled``."""
    if c.op in ("is null", "is not null"):
        return f"{c.column} {c.op}"
    value = (
        f":{c.param}"
        if c.param
        else (", ".join(map(str, c.value)) if isinstance(c.value, list) else str(c.value))
    )
    return f"{c.column} {c.op} {value}"


def knob(value: Knob) -> str:
    """A block's number: written in, or its parameter cast to an integer."""
    return str(int(value)) if isinstance(value, int) else f"CAST(:{value} AS INTEGER)"


def _date(alias: str, dataset: str, column: str) -> str:
    """A date column as a date (timestamps are cast)."""
    if CONTRACT[dataset].field(column).type == "timestamp":
        return f"CAST({alias}.{column} AS DATE)"
    return f"{alias}.{column}"


def _esc(text: str) -> str:
    """Literal text inside an explanation template."""
    return text.replace("{", "{{").replace("}", "}}")


class _Names:
    """Output column names, unique across the final SELECT."""

    def __init__(self, taken: list[str]) -> None:
        self.taken = set(taken)

    def new(self, wanted: str) -> str:
        name, i = wanted, 2
        while name in self.taken:
            name, i = f"{wanted}_{i}", i + 1
        self.taken.add(name)
        return name


def _where(lines: list[str], pad: str) -> str:
    return f"\n{pad}AND ".join(lines)


def _block_sql(draft: Draft, i: int, block: Any, names: _Names) -> tuple[str, str, list[str]]:
    """(CTE text, its name, evidence columns it adds) for block ``i`` (1-based)."""
    base = draft.base
    ds, t = block.dataset, CONTRACT[block.dataset].title
    bdate = _date("base", base.dataset, base.date)
    on = f"o.{block.person} = base.{base.person}"
    filters = [condition_sql("o", c) for c in block.filters]
    refs = f"ARRAY_SORT(ARRAY_AGG('{ds}:' || o.record_id)) AS refs"
    name = f"e{i}_{block.kind}"
    pad = INDENT * 2
    if isinstance(block, NotExists):
        col = names.new(f"{block.alias}_deadline")
        odate = _date("o", ds, block.date)
        inner = [on, *filters, f"{odate} >= {bdate}", f"{odate} <= {bdate} + {knob(block.days)}"]
        sql = (
            f"{INDENT}-- element {i}: no {t.en} record"
            + (f" ({'; '.join(condition_text(c) for c in block.filters)})" if filters else "")
            + f" within {block.days} days of {base.date}\n"
            f"{INDENT}SELECT base.record_id,\n"
            f"{INDENT}       {bdate} + {knob(block.days)} AS {col}\n"
            f"{INDENT}FROM base\n"
            f"{INDENT}WHERE {bdate} + {knob(block.days)} <= :as_of\n"
            f"{INDENT}  AND NOT EXISTS (\n"
            f"{pad}SELECT 1\n{pad}FROM {ds} AS o\n"
            f"{pad}WHERE {_where(inner, pad + '  ')}\n"
            f"{INDENT}  )"
        )
        return sql, name, [col]
    where = [*filters]
    group = "GROUP BY base.record_id"
    if isinstance(block, Match):
        col = names.new(f"{block.alias}_count")
        what, extra = f"a {t.en} record of the same person", f"COUNT(*) AS {col}"
    elif isinstance(block, Overlap):
        col = names.new(f"{block.alias}_start")
        start = _date("o", ds, block.start)
        where.append(f"{start} <= {bdate}")
        if block.end:
            end = _date("o", ds, block.end)
            where.append(f"({end} IS NULL OR {end} >= {bdate})")
        what = f"{base.date} falls within a {t.en} period ({block.start}–{block.end or 'open'})"
        extra = f"MIN({start}) AS {col}"
    elif isinstance(block, BeforeAfter):
        col = names.new(f"{block.alias}_{block.date}")
        odate = _date("o", ds, block.date)
        sign = "+" if block.direction == "after" else "-"
        near, far = (">=", "<=") if block.direction == "after" else ("<=", ">=")
        where.append(f"{odate} {near} {bdate} {sign} {knob(block.min_days)}")
        if block.max_days is not None:
            where.append(f"{odate} {far} {bdate} {sign} {knob(block.max_days)}")
        what = f"a {t.en} record dated {block.direction} {base.date} by {block.min_days}+ days"
        extra = f"{'MIN' if block.direction == 'after' else 'MAX'}({odate}) AS {col}"
    elif isinstance(block, Count):
        col = names.new(f"{block.alias}_count")
        odate = _date("o", ds, block.date)
        where += [f"{odate} >= {bdate}", f"{odate} <= {bdate} + {knob(block.window_days)}"]
        group += f"\n{INDENT}HAVING COUNT(*) >= {knob(block.threshold)}"
        what = f"{block.threshold}+ {t.en} records within {block.window_days} days"
        extra = f"COUNT(*) AS {col}"
    elif isinstance(block, SameIdentity):
        col = names.new(f"{block.alias}_other_ids")
        pairs = [f"o.{theirs} = base.{mine}" for mine, theirs in block.compare.items()]
        on = " AND ".join(pairs)
        where += [f"o.{block.person} IS NOT NULL", f"o.{block.person} <> base.{base.person}"]
        what = f"a {t.en} record with the same {', '.join(block.compare)} under another ID"
        extra = f"ARRAY_SORT(ARRAY_AGG(DISTINCT o.{block.person})) AS {col}"
    else:  # pragma: no cover - the discriminated union has no other kind
        raise ModelError(f"unknown block kind {block.kind}", Location(field=f"blocks.{i}"))
    sql = (
        f"{INDENT}-- element {i}: {what}\n"
        f"{INDENT}SELECT base.record_id,\n{INDENT}       {refs},\n{INDENT}       {extra}\n"
        f"{INDENT}FROM base\n"
        f"{INDENT}JOIN {ds} AS o\n{INDENT}  ON {on}\n"
        + (f"{INDENT}WHERE {_where(where, INDENT + '  ')}\n" if where else "")
        + f"{INDENT}{group}"
    )
    return sql, name, [col]


def _fixed_columns(draft: Draft) -> list[str]:
    """Output columns that are not a block's evidence: the clue's and the base record's."""
    base = draft.base
    return [
        "person_id",
        "person_name",
        draft.key_column,
        base.date,
        "person_ids",
        "record_refs",
        "region_code",
        "severity",
        *_kept(draft),
    ]


def _kept(draft: Draft) -> list[str]:
    """Columns the base filters test, shown in the result (and the explanation) as they are."""
    base = draft.base
    taken = {base.person, base.name, base.date, "record_id", base.region}
    out: list[str] = []
    for c in base.filters:
        if c.column not in taken and c.column not in out:
            out.append(c.column)
    return out


def generate_sql(draft: Draft) -> str:
    """The SELECT the blocks make (not the hand-edited one)."""
    base = draft.base
    b_where = [f"base.{base.person} IS NOT NULL"]
    if any(not isinstance(b, (Match, SameIdentity)) for b in draft.blocks):
        b_where.append(f"base.{base.date} IS NOT NULL")  # the elements measure from it
    b_where += [condition_sql("base", c) for c in base.filters]
    head = [
        f"-- {draft.id} v{draft.version}: made in the model studio from element blocks.",
        "-- One row per base record for which every element holds; edit freely.",
        "WITH base AS (",
        f"{INDENT}-- the base records: {CONTRACT[base.dataset].title.en}",
        f"{INDENT}SELECT *",
        f"{INDENT}FROM {base.dataset} AS base",
        f"{INDENT}WHERE {_where(b_where, INDENT + '  ')}",
        ")",
    ]
    names = _Names(_fixed_columns(draft))
    ctes, joins, evidence = [], [], []
    for i, block in enumerate(draft.blocks, start=1):
        sql, name, cols = _block_sql(draft, i, block, names)
        ctes.append(f"{name} AS (\n{sql}\n)")
        joins.append(f"JOIN {name} AS e{i}\n  ON e{i}.record_id = base.record_id")
        evidence += [f"e{i}.{c}" for c in cols]
    refs = f"['{base.dataset}:' || base.record_id]"
    for i, block in enumerate(draft.blocks, start=1):
        if not isinstance(block, NotExists):
            refs = f"ARRAY_CONCAT({refs}, e{i}.refs)"
    region = f"base.{base.region}" if base.region else f"SUBSTR(base.{base.person}, 1, 6)"
    select = [
        f"base.{base.person} AS person_id",
        *([f"base.{base.name} AS person_name"] if base.name else []),
        f"base.record_id AS {draft.key_column}",
        f"base.{base.date}",
        *(f"base.{c}" for c in _kept(draft)),
        *evidence,
        f"[base.{base.person}] AS person_ids",
        f"{refs} AS record_refs",
        f"{region} AS region_code",
        f"{literal(draft.severity)} AS severity",
    ]
    body = "\n".join(head) + ("".join(f",\n{c}" for c in ctes))
    return (
        body
        + "\nSELECT "
        + f",\n{INDENT}   ".join(select)
        + "\nFROM base"
        + "".join(f"\n{j}" for j in joins)
        + "\n"
    )


def explanation(draft: Draft) -> tuple[str, str]:
    """The explanation templates (zh, en) of the compiled model, one phrase per element."""
    base = draft.base
    bt = CONTRACT[base.dataset].title
    who = "{person_name}（{person_id}）" if base.name else "{person_id}"
    who_en = "{person_name} ({person_id})" if base.name else "{person_id}"
    shown = [base.date, *_kept(draft)]
    zh = [
        f"{who}的{_esc(bt.zh)}记录{{{draft.key_column}}}（"
        + "，".join(f"{c}：{{{c}}}" for c in shown)
        + "）"
    ]
    en = [
        f"{who_en}: {_esc(bt.en)} record {{{draft.key_column}}} ("
        + ", ".join(f"{c} {{{c}}}" for c in shown)
        + ")"
    ]
    names = _Names(_fixed_columns(draft))
    for i, block in enumerate(draft.blocks, start=1):
        _, _, (col,) = _block_sql(draft, i, block, names)
        t = CONTRACT[block.dataset].title
        cond = "；".join(_esc(condition_text(c)) for c in block.filters)
        cond_en = "; ".join(_esc(condition_text(c)) for c in block.filters)
        if isinstance(block, Match):
            zh.append(f"同一身份证号下有{{{col}}}条{_esc(t.zh)}记录")
            en.append(f"{{{col}}} {_esc(t.en)} record(s) under the same ID")
        elif isinstance(block, NotExists):
            zh.append(f"截至{{{col}}}无{_esc(t.zh)}记录" + (f"（{cond}）" if cond else ""))
            en.append(
                f"no {_esc(t.en)} record" + (f" ({cond_en})" if cond else "") + f" by {{{col}}}"
            )
        elif isinstance(block, Overlap):
            zh.append(f"该日期处于自{{{col}}}起的{_esc(t.zh)}期间")
            en.append(f"the date falls within a {_esc(t.en)} period from {{{col}}}")
        elif isinstance(block, BeforeAfter):
            side = "之后" if block.direction == "after" else "之前"
            zh.append(f"其{_esc(t.zh)}记录日期{{{col}}}在此{side}")
            en.append(f"a {_esc(t.en)} record dated {{{col}}}, {block.direction} it")
        elif isinstance(block, Count):
            zh.append(f"{block.window_days}天内有{{{col}}}条{_esc(t.zh)}记录")
            en.append(f"{{{col}}} {_esc(t.en)} records within {block.window_days} days")
        elif isinstance(block, SameIdentity):
            zh.append(f"身份证号{{{col}}}下另有{_esc(t.zh)}记录，{'、'.join(block.compare)}相同")
            en.append(
                f"another {_esc(t.en)} record under ID(s) {{{col}}} with the same "
                + ", ".join(block.compare)
            )
    return "；".join(zh) + "。", "; ".join(en) + "."


def describe(draft: Draft) -> str:
    """The rule in plain words (the header's ``description``)."""
    base = draft.base
    parts = [f"Starts from {CONTRACT[base.dataset].title.en} records"]
    if base.filters:
        parts[0] += " where " + " and ".join(condition_text(c) for c in base.filters)
    for block in draft.blocks:
        t = CONTRACT[block.dataset].title.en
        cond = " and ".join(condition_text(c) for c in block.filters)
        where = f" where {cond}" if cond else ""
        if isinstance(block, Match):
            parts.append(f"the person has a {t} record{where}")
        elif isinstance(block, NotExists):
            parts.append(
                f"no {t} record{where} is dated within {block.days} days after {base.date}"
            )
        elif isinstance(block, Overlap):
            parts.append(f"{base.date} falls within a {t} period{where}")
        elif isinstance(block, BeforeAfter):
            parts.append(
                f"a {t} record{where} is dated {block.direction} {base.date} by at "
                f"least {block.min_days} days"
            )
        elif isinstance(block, Count):
            parts.append(
                f"at least {block.threshold} {t} records{where} fall within "
                f"{block.window_days} days"
            )
        elif isinstance(block, SameIdentity):
            parts.append(
                f"a {t} record{where} has the same {', '.join(block.compare)} "
                "under another resident ID"
            )
    return "; ".join(parts) + ". One clue per base record, made in the model studio."


def header(
    draft: Draft, status: str = "draft", history: list[Transition] | None = None
) -> dict[str, Any]:
    """The model header (what ``<name>.yaml`` holds) for a draft."""
    zh, en = explanation(draft)
    return {
        "id": draft.id,
        "title": draft.title.model_dump(),
        "domain": draft.domain,
        "supervision_point": draft.supervision_point.model_dump(),
        "legal_basis": list(draft.legal_basis),
        "datasets": draft.datasets,
        "parameters": [p.model_dump(exclude_none=True) for p in draft.parameters],
        "clue": {
            "key": ["person_id", draft.key_column],
            "persons": "person_ids",
            "refs": "record_refs",
            "region": "region_code",
            "severity": "severity",
        },
        "explanation": {"zh": zh, "en": en},
        "status": status,
        "version": draft.version,
        "owner": draft.owner,
        "description": describe(draft),
        "history": [h.model_dump(by_alias=True, mode="json") for h in history or []],
    }


def header_yaml(head: dict[str, Any]) -> str:
    """The header as YAML text, in the order a person would write it."""
    return yaml.safe_dump(head, allow_unicode=True, sort_keys=False, width=100)


def model_sql(draft: Draft) -> str:
    """The SQL of the compiled model: the hand-edited one if any, else the blocks'."""
    return draft.sql if draft.sql is not None else generate_sql(draft)


def check(draft: Draft) -> tuple[ModelSpec, str]:
    """Compile and validate a draft as the registry would; errors name the draft and field."""
    head = header(draft)
    try:
        spec = ModelSpec.model_validate(head)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise StudioError(
            err["msg"], Location(file=f"draft {draft.id}", field=".".join(map(str, err["loc"])))
        ) from exc
    sql = model_sql(draft)
    parse(spec, sql, f"{draft.id} (studio draft SQL)")
    return spec, sql
