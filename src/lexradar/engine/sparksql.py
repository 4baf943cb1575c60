"""DuckDB's SQL in Spark's dialect: the one translation every Spark run goes through (model
rules, resolution, the resolution views).

SQLGlot transpiles most of it; :func:`to_spark` also rewrites the DuckDB functions Spark lacks
or spells differently: ``hamming`` (no Spark built-in: counted over the positions), ``len`` of a
list (``size``), ``list_sum`` (``aggregate``), 1-based list indexing (``element_at``), string
slices (``substring``), ``try_strptime`` (``try_to_timestamp`` with a Java pattern),
``regexp_full_match`` (an anchored ``rlike``) and ``jaro_winkler_similarity`` (the
``jaro_winkler`` function of Splink's Scala jar, which lexradar's Spark sessions load).
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

_STRPTIME = {"%Y": "yyyy", "%m": "MM", "%d": "dd", "%H": "HH", "%M": "mm", "%S": "ss"}


def _java_pattern(fmt: str) -> str:
    for c, j in _STRPTIME.items():
        fmt = fmt.replace(c, j)
    return fmt


def _hamming(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    """Characters that differ between two strings of one length (NULL for unequal lengths,
    where DuckDB's ``hamming`` fails)."""
    sql = (
        "CASE WHEN length(__a) = length(__b) THEN size(filter(sequence(1, length(__a)), "
        "hk -> substring(__a, hk, 1) <> substring(__b, hk, 1))) END"
    )
    tree = sqlglot.parse_one(sql, read="spark")
    return tree.transform(
        lambda n: (
            (a.copy() if n.name == "__a" else b.copy())
            if isinstance(n, exp.Column) and n.name in ("__a", "__b")
            else n
        )
    )


def _rewrite(node: exp.Expression) -> exp.Expression:
    """One node of a DuckDB tree in the form Spark understands (see the module docstring)."""
    if isinstance(node, exp.Anonymous):
        name = node.name.lower()
        args: list[exp.Expression] = node.expressions
        if name == "hamming" and len(args) == 2:
            return _hamming(args[0], args[1])
        if name == "list_sum" and len(args) == 1:
            return sqlglot.parse_one(
                "aggregate(__x, CAST(0 AS BIGINT), (acc, v) -> acc + coalesce(v, 0))",
                read="spark",
            ).transform(
                lambda n: args[0].copy() if isinstance(n, exp.Column) and n.name == "__x" else n
            )
        if name == "try_strptime" and len(args) == 2 and isinstance(args[1], exp.Literal):
            return exp.Anonymous(
                this="try_to_timestamp",
                expressions=[args[0], exp.Literal.string(_java_pattern(args[1].this))],
            )
    if isinstance(node, exp.JarowinklerSimilarity):
        return exp.Anonymous(this="jaro_winkler", expressions=[node.this, node.expression])
    if isinstance(node, exp.RegexpFullMatch):
        pattern = node.expression
        if isinstance(pattern, exp.Literal):
            return exp.RegexpLike(
                this=node.this, expression=exp.Literal.string(f"^(?:{pattern.this})$")
            )
    if isinstance(node, exp.Length) and isinstance(
        node.this, (exp.ArrayFilter, exp.Array, exp.Transform)
    ):
        return exp.Anonymous(this="size", expressions=[node.this])
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
        index = node.expressions[0]
        if isinstance(index, exp.Slice):  # s[:n] / s[a:b], 1-based and inclusive
            start = index.this or exp.Literal.number(1)
            if index.expression is None:
                return exp.Anonymous(this="substring", expressions=[node.this, start])
            length = exp.Add(
                this=exp.Sub(this=index.expression, expression=start),
                expression=exp.Literal.number(1),
            )
            return exp.Substring(this=node.this, start=start, length=length)
        return exp.Anonymous(this="element_at", expressions=[node.this, index])
    return node


def to_spark(sql: str | exp.Expr, pretty: bool = False) -> str:
    """DuckDB SQL (a query, a statement or a bare condition; text or a SQLGlot tree) in
    Spark's dialect."""
    tree = sqlglot.parse_one(sql, read="duckdb") if isinstance(sql, str) else sql.copy()
    # a rewritten node's children are not visited in the same pass: repeat until nothing moves
    for _ in range(8):
        before = tree.sql(dialect="duckdb")
        tree = tree.transform(_rewrite)
        if tree.sql(dialect="duckdb") == before:
            break
    return tree.sql(dialect="spark", pretty=pretty)
