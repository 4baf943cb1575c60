"""Model SQL runs in a sandbox: one read-only query over the contract, decided by what the
SQLGlot tree contains (an allow-list, not a list of forbidden words).

What a model's SQL may contain:

- exactly one statement, a query: ``SELECT`` (DuckDB's ``FROM``-first form too), ``UNION`` /
  ``INTERSECT`` / ``EXCEPT`` of them, ``WITH … SELECT``;
- tables: the contract's datasets (:data:`lexradar.datasets.CONTRACT`), the resolution views
  (:data:`lexradar.datasets.derived.VIEW_NAMES`) and the query's own CTEs, by their bare names
  (no catalog or schema, no file path);
- expressions: columns, literals, parameters (``:name``), operators, ``CASE``, casts, window
  functions, subqueries, lambdas, ``UNNEST`` of a list, and calls of the scalar, aggregate and
  window functions in :data:`FUNCTIONS`.

Anything else — a second statement, ``COPY``, ``ATTACH``, ``INSTALL``, ``LOAD``, ``PRAGMA``,
``SET``, DDL and DML, ``CALL``, ``EXPORT``/``IMPORT DATABASE``, a table function
(``read_csv``, ``glob``, ``duckdb_settings()`` …), a function that reads settings or the
session (``current_setting``, ``getenv``, ``version`` …), ``other.users`` — is refused with an
error naming it, its file and line. DuckDB engines for models are locked as well
(``open_engine(lake, sandbox=True)``), so a query that got past this check still could not
reach a file outside the lake or change a setting.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from pathlib import Path

import sqlglot
from sqlglot import Token, TokenType, exp
from sqlglot.errors import ParseError, TokenError

from lexradar.errors import Location, ModelError

#: The functions a rule may call: DuckDB's scalar, aggregate, window functions and macros
#: (``duckdb_functions()`` of DuckDB 2.0.1) but those of the catalog, the session, settings,
#: sequences, variables and logs (``current_setting``, ``current_user``, ``pg_*``,
#: ``has_*_privilege``, ``getvariable``, ``nextval``, ``version``, ``write_log`` …) and the
#: collations. A table function (``read_csv``, ``glob``, ``range`` in ``FROM`` …) is never one.
_NAMES = """
    abs acos acosh add age aggregate ago any_value apply approx_count_distinct approx_quantile
    approx_top_k arbitrary arg_max arg_max_null arg_max_nulls_last arg_min arg_min_null
    arg_min_nulls_last argmax argmin array_agg array_aggr array_aggregate array_append array_apply
    array_cat array_concat array_contains array_cosine_distance array_cosine_similarity
    array_cross_product array_distance array_distinct array_dot_product array_extract array_filter
    array_grade_up array_has array_has_all array_has_any array_indexof array_inner_product
    array_intersect array_length array_negative_dot_product array_negative_inner_product
    array_pop_back array_pop_front array_position array_prepend array_push_back array_push_front
    array_reduce array_resize array_reverse array_reverse_sort array_select array_slice array_sort
    array_to_json array_to_string array_to_string_comma_default array_transform array_unique
    array_value array_where array_zip ascii asin asinh atan atan2 atanh avg bar base64 bin binom
    bit_and bit_count bit_length bit_or bit_position bit_xor bitstring bitstring_agg
    bitstring_byte_comparable bool_and bool_or cardinality cbrt ceil ceiling century char_length
    character_length chr concat concat_ws contains corr cos cosh cot count count_if count_star
    countif covar_pop covar_samp create_sort_key cume_dist current_date current_localtime
    current_localtimestamp damerau_levenshtein date_add date_diff date_part date_sub date_trunc
    datediff datepart datesub datetrunc day dayname dayofmonth dayofweek dayofyear days_in_month
    decade decimal_average decimal_division decode degrees dense_rank divide editdist3 element_at
    encode ends_with entropy enum_code enum_first enum_last enum_range enum_range_boundary epoch
    epoch_ms epoch_ns epoch_us equi_width_bins era error even exp factorial favg fdiv fill filter
    first first_value flatten floor fmod format format_bytes from_base64 from_binary from_hex
    from_json from_json_strict fsum gamma gcd gen_random_uuid generate_series generate_subscripts
    geomean geometric_mean get_bit get_current_time get_current_timestamp grade_up greatest
    greatest_common_divisor group_concat hamming hash hex histogram histogram_exact hour
    icu_sort_key if ilike_escape index_key instr is_histogram_other_bin isfinite isinf isnan isodow
    isoyear jaccard jaro_similarity jaro_winkler_similarity json json_array json_array_length
    json_contains json_copy_strftime_if_date json_copy_strftime_if_timestamp json_deep_merge
    json_exists json_extract json_extract_path json_extract_path_text json_extract_string
    json_group_array json_group_object json_group_structure json_insert json_keys json_merge_patch
    json_merge_patch_diff json_normalize json_object json_pretty json_quote json_remove
    json_replace json_set json_strip_nulls json_structure json_transform json_transform_strict
    json_type json_valid json_value julian kahan_sum kurtosis kurtosis_pop lag last last_day
    last_value lcase lcm lead least least_common_multiple left left_grapheme len length
    length_grapheme levenshtein lgamma like_escape list list_aggr list_aggregate list_any_value
    list_append list_apply list_approx_count_distinct list_avg list_bit_and list_bit_or
    list_bit_xor list_bool_and list_bool_or list_cat list_concat list_contains list_cosine_distance
    list_cosine_similarity list_count list_distance list_distinct list_dot_product list_element
    list_entropy list_extract list_filter list_first list_grade_up list_has list_has_all
    list_has_any list_histogram list_indexof list_inner_product list_intersect list_kurtosis
    list_kurtosis_pop list_last list_mad list_max list_median list_min list_mode
    list_negative_dot_product list_negative_inner_product list_pack list_position list_prepend
    list_product list_reduce list_resize list_reverse list_reverse_sort list_select list_sem
    list_skewness list_slice list_sort list_stddev_pop list_stddev_samp list_string_agg list_sum
    list_transform list_unique list_value list_var_pop list_var_samp list_where list_zip listagg ln
    log log10 log2 lower lpad ltrim lttb mad make_date make_time make_timestamp make_timestamp_ms
    make_timestamp_ns make_timestamptz map map_concat map_contains map_contains_entry
    map_contains_value map_entries map_extract map_extract_value map_from_entries map_keys
    map_values max max_by md5 md5_number md5_number_lower md5_number_upper mean median microsecond
    millennium millisecond min min_by minute mismatches mod mode month monthname multiply
    nanosecond nextafter nfc_normalize normalized_interval not_ilike_escape not_like_escape now
    nth_value ntile nullif octet_length ord overlay parse_dirname parse_dirpath parse_filename
    parse_formatted_bytes parse_path path_join percent_rank pi position pow power prefix printf
    product quantile quantile_cont quantile_disc quarter radians random range rank rank_dense
    reduce regexp_escape regexp_extract regexp_extract_all regexp_full_match regexp_matches
    regexp_replace regexp_split_to_array regexp_split_to_table regr_avgx regr_avgy regr_count
    regr_intercept regr_r2 regr_slope regr_sxx regr_sxy regr_syy remap_struct repeat replace
    reservoir_quantile reverse right right_grapheme round round_even roundbankers row row_number
    row_to_json rpad rtrim second sem set_bit sha1 sha256 sign signbit sin sinh skewness split
    split_part sqrt starts_with stddev stddev_pop stddev_samp str_split str_split_regex strftime
    string_agg string_split string_split_regex string_to_array strip_accents strlen strpos strptime
    struct_concat struct_contains struct_extract struct_extract_at struct_has struct_indexof
    struct_insert struct_keys struct_pack struct_position struct_update struct_values substr
    substring substring_grapheme subtract suffix sum sum_no_overflow sumkahan switch tan tanh
    time_bucket timetz_byte_comparable timezone timezone_hour timezone_minute to_base to_base64
    to_binary to_centuries to_days to_decades to_hex to_hours to_json to_microseconds to_millennia
    to_milliseconds to_minutes to_months to_quarters to_seconds to_timestamp to_weeks to_years
    today transaction_timestamp translate trim trunc try_strptime typeof ucase unbin unhex unicode
    union_extract union_tag union_value unpivot_list upper url_decode url_encode uuid
    uuid_extract_timestamp uuid_extract_version uuidv4 uuidv7 var_pop var_samp variance
    variant_array_length variant_comparator variant_contains variant_exists variant_extract
    variant_extract_string variant_group_array variant_group_object variant_keys variant_normalize
    variant_type variant_typeof vector_type vertex_extract wavg week weekday weekofyear
    weighted_avg xor year yearweek
"""
FUNCTIONS = frozenset(_NAMES.split()) | {
    "current_time",
    "current_timestamp",
    "localtime",
    "localtimestamp",
}

#: Function-shaped syntax of SQLGlot's tree (``AND``, ``CASE``, ``CAST``, ``EXTRACT``,
#: ``EXISTS`` …): allowed as such, their arguments checked like everything else.
_SYNTAX: tuple[type[exp.Expr], ...] = (
    exp.Connector,
    exp.Case,
    exp.If,
    exp.Cast,
    exp.Coalesce,
    exp.Extract,
    exp.Array,
    exp.Exists,
    exp.Greatest,
    exp.Least,
    exp.Struct,
    exp.Unnest,  # a list as rows; reads nothing
    exp.Explode,  # unnest() in the select list
)

#: The node kinds a query may be made of (functions are checked by name, tables by name).
_NODES: tuple[type[exp.Expr], ...] = (
    exp.Select,
    exp.SetOperation,
    exp.With,
    exp.CTE,
    exp.Subquery,
    exp.From,
    exp.Join,
    exp.Lateral,
    exp.Where,
    exp.Group,
    exp.Cube,
    exp.Rollup,
    exp.GroupingSets,
    exp.Having,
    exp.Qualify,
    exp.Order,
    exp.Ordered,
    exp.Limit,
    exp.Offset,
    exp.Distinct,
    exp.Alias,
    exp.TableAlias,
    exp.Table,
    exp.Column,
    exp.Identifier,
    exp.Star,
    exp.Dot,
    exp.Tuple,
    exp.Paren,
    exp.Placeholder,
    exp.Literal,
    exp.Null,
    exp.Boolean,
    exp.Var,
    exp.DataType,
    exp.DataTypeParam,
    exp.Interval,
    exp.Window,
    exp.WindowSpec,
    exp.Filter,
    exp.IgnoreNulls,
    exp.RespectNulls,
    exp.WithinGroup,
    exp.Lambda,
    exp.Bracket,
    exp.Slice,
    exp.JSONPath,
    exp.JSONPathPart,
    exp.Values,
    exp.Binary,
    exp.Unary,
    exp.Between,
    exp.In,
    exp.Any,
    exp.All,
    exp.Func,
)

#: The statement a query may be: a SELECT or a set operation of SELECTs.
_QUERIES = (exp.Select, exp.SetOperation)
#: Words a statement of the allowed kind starts with (after any opening parentheses).
_STARTS = {TokenType.SELECT, TokenType.WITH, TokenType.FROM}
_NOT_KEYWORDS = {
    TokenType.VAR,
    TokenType.IDENTIFIER,
    TokenType.STRING,
    TokenType.NUMBER,
    TokenType.L_PAREN,
    TokenType.EQ,
}


def _refuse(what: str, where: str, line: int | None) -> ModelError:
    return ModelError(
        f"{what}; model SQL may be one read-only query (SELECT, UNION, WITH … SELECT) over "
        "the contract's datasets and the resolution views",
        Location(file=where, line=line, field="sql"),
    )


def _line(node: exp.Expr) -> int | None:
    """The line of the first token SQLGlot kept a position for, in ``node`` or below it."""
    for n in node.walk():
        line = n.meta.get("line") if n.meta else None
        if line:
            return int(line)
    return None


def _statements(sql: str, where: str) -> None:
    """Count the statements and look at how each starts, before parsing: a statement SQLGlot
    cannot parse (``EXPORT DATABASE``) is still named."""
    try:
        tokens = sqlglot.Dialect.get_or_raise("duckdb").tokenize(sql)
    except TokenError:
        return  # the parser reports it, with its line
    statements: list[list[Token]] = [[]]
    for tok in tokens:
        if tok.token_type == TokenType.SEMICOLON:
            statements.append([])
        else:
            statements[-1].append(tok)
    statements = [s for s in statements if s]
    for stmt in statements:  # the first statement of another kind is named, wherever it is
        first = next((t for t in stmt if t.token_type != TokenType.L_PAREN), stmt[0])
        if first.token_type not in _STARTS:
            raise _refuse(f"{_words(stmt)} statement is not allowed", where, first.line)
    if len(statements) > 1:
        second = statements[1]
        raise _refuse(
            f"more than one statement (the second, {_words(second)}, starts on line "
            f"{second[0].line})",
            where,
            second[0].line,
        )


def _words(tokens: list[Token]) -> str:
    """The keywords a statement starts with, as written (``COPY``, ``EXPORT DATABASE`` …)."""
    words = [tokens[0].text.upper()]
    if len(tokens) > 1 and tokens[1].token_type not in _NOT_KEYWORDS:
        words.append(tokens[1].text.upper())
    return " ".join(words)


def _kind(node: exp.Expr) -> str:
    """How a statement or construct is written: its keyword (``COPY``, ``LOAD``, ``PRAGMA``)."""
    if isinstance(node, exp.Command):
        return str(node.this).upper()
    return node.key.upper()


def function_name(node: exp.Func) -> str | None:
    """The name a call is allowed by, or None when no allowed function has it."""
    if isinstance(node, exp.Anonymous):
        name = node.name.lower()
        return name if name in FUNCTIONS else None
    # a function SQLGlot knows: by its names, or the one it is written as in DuckDB's dialect
    # (strftime is TimeToStr to SQLGlot); one DuckDB writes as an operator (``l && m``,
    # ``j ->> '$.a'``) is an operator
    rendered = node.sql(dialect="duckdb")
    called = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(\(|$)", rendered)
    if called is None:
        return rendered
    names = [*type(node).sql_names(), called.group(1)]
    return next((n.lower() for n in names if n.lower() in FUNCTIONS), None)


def _called(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return node.name
    names = type(node).sql_names()
    return (names[0] if names else node.key).lower()


def check_query(tree: exp.Expr | None, tables: Collection[str], where: str) -> exp.Query:
    """Refuse anything but one read-only query over ``tables`` (and its own CTEs); the query
    when it is one."""
    if tree is None:
        raise _refuse("the SQL holds no statement", where, 1)
    if not isinstance(tree, _QUERIES):
        raise _refuse(f"{_kind(tree)} statement is not allowed", where, _line(tree) or 1)
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    for node in tree.walk():
        line = _line(node)
        if isinstance(node, exp.Command) or not isinstance(node, _NODES):
            raise _refuse(f"{_kind(node)} is not allowed in model SQL", where, line)
        if isinstance(node, exp.Table):
            _check_table(node, tables, ctes, where, line)
        elif isinstance(node, exp.Column) and (node.args.get("db") or node.args.get("catalog")):
            raise _refuse(
                f"the qualified name {node.sql(dialect='duckdb')} is not allowed (a column is "
                "named by its table or alias only)",
                where,
                line,
            )
        elif (
            isinstance(node, exp.Func)
            and not isinstance(node, _SYNTAX)
            and function_name(node) is None
        ):
            raise _refuse(
                f"the function {_called(node)}() is not allowed in model SQL", where, line
            )
    return tree


def _check_table(
    table: exp.Table, tables: Collection[str], ctes: set[str], where: str, line: int | None
) -> None:
    known = {*tables, *ctes}
    inner = table.this
    if isinstance(inner, exp.Func) or not isinstance(inner, exp.Identifier):
        name = _called(inner) if isinstance(inner, exp.Func) else _kind(inner)
        raise _refuse(f"the table function {name}() is not allowed", where, line)
    if table.args.get("db") or table.args.get("catalog"):
        raise _refuse(
            f"the qualified name {table.sql(dialect='duckdb').split(' AS ')[0]} is not allowed "
            "(tables are named by their bare names; no other catalog or schema)",
            where,
            line,
        )
    if inner.quoted and any(c in inner.name for c in "/\\.:"):
        raise _refuse(f"reading the file '{inner.name}' is not allowed", where, line)
    if table.name not in known:
        raise ModelError(
            f"unknown dataset '{table.name}'; known: {', '.join(tables)}",
            Location(file=where, line=line, field="sql"),
        )


def sandboxed(sql: str, tables: Sequence[str], sql_file: Path | str) -> exp.Query:
    """Parse ``sql`` (DuckDB's dialect) into exactly one read-only query over ``tables``."""
    where = str(sql_file)
    _statements(sql, where)
    try:
        trees = sqlglot.parse(sql, read="duckdb")
    except ParseError as exc:
        err = exc.errors[0] if exc.errors else {}
        raise ModelError(
            f"SQL syntax error: {err.get('description', exc)}",
            Location(file=where, line=err.get("line"), field="sql"),
        ) from exc
    found = [t for t in trees if t is not None]
    if len(found) != 1:
        raise _refuse(f"{len(found)} statements", where, 1)
    return check_query(found[0], tables, where)
