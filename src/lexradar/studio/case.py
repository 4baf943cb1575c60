"""Starting a draft from an individual case: its records become the base, the elements and the
first golden example.

The builder picks the records of the case (``search`` finds them), says which of the base
record's values make it the kind of record the rule is about (``keep``: ``cause``,
``party_role``…), and gets a draft whose base is that record's dataset filtered on those values
and which matches every other dataset of the case on the person. The remaining elements ("no
revocation within 90 days") are blocks added next.
"""

from __future__ import annotations

from typing import Any

from lexradar.datasets import CONTRACT
from lexradar.engine import Engine
from lexradar.errors import Location
from lexradar.models.spec import Parameter, ParamType, Text
from lexradar.studio.blocks import Base, Condition, Draft, Match, Op
from lexradar.studio.errors import StudioError
from lexradar.studio.search import fetch, parse_ref


def draft_from_case(
    engine: Engine,
    model_id: str,
    refs: list[str],
    domain: str,
    keep: list[str] | None = None,
    params: dict[str, str] | None = None,
    base_ref: str | None = None,
    title: Text | None = None,
    rule: Text | None = None,
    legal_basis: list[str] | None = None,
    owner: str = "150000",
) -> Draft:
    """A draft from the records ``refs`` of one case.

    ``keep`` names columns of the base record whose values become base filters; ``params``
    maps some of them to parameter names (``cause`` → ``:cause``, defaulting to the case's
    value). The base record is ``base_ref`` or the first reference.
    """
    if not refs:
        raise StudioError("pick at least one record of the case", Location(field="case"))
    rows = fetch(engine, refs)
    base_ref = base_ref or refs[0]
    if base_ref not in rows:
        raise StudioError(
            f"the base record {base_ref} is not one of the case's records", Location(field="base")
        )
    dataset, _ = parse_ref(base_ref)
    row = rows[base_ref]
    filters: list[Condition] = []
    parameters: list[Parameter] = []
    for column in keep or []:
        if column not in row:
            raise StudioError(f"{dataset} has no field '{column}'", Location(field="keep"))
        value: Any = row[column]
        if value is None:
            filters.append(Condition(column=column, op="is null"))
            continue
        name = (params or {}).get(column)
        if name:
            kind: ParamType = (
                "int" if isinstance(value, int) and not isinstance(value, bool) else "str"
            )
            parameters.append(
                Parameter(
                    name=name,
                    type=kind,
                    default=value,
                    doc=f"{column} of the base record (case: {value}).",
                )
            )
            filters.append(Condition(column=column, param=name))
        else:
            filters.append(Condition(column=column, value=value))
    others: list[str] = []
    for ref in refs:
        other, _ = parse_ref(ref)
        if other != dataset and other not in others:
            others.append(other)
    blocks = [Match(dataset=o) for o in others]
    return Draft(
        id=model_id,
        title=title or Text(zh=f"{model_id}（草稿）", en=f"{model_id} (draft)"),
        domain=domain,  # type: ignore[arg-type]
        supervision_point=rule
        or Text(
            zh="待填写：本模型针对的违法情形", en="To fill in: the irregularity this model targets"
        ),
        legal_basis=legal_basis or ["待填写"],
        owner=owner,
        base=Base(dataset=dataset, filters=filters),
        blocks=blocks,  # type: ignore[arg-type]
        parameters=parameters,
        case=list(refs),
    )


#: The operators written between a column and its value, in the order they are looked for
#: (``not in`` before ``in``, ``<=`` before ``<``), each with the operator it is.
_INFIX: dict[str, Op] = {
    " not in ": "not in",
    " in ": "in",
    "<>": "<>",
    "<=": "<=",
    ">=": ">=",
    "=": "=",
    "<": "<",
    ">": ">",
}


def parse_condition(text: str, dataset: str | None = None) -> Condition:
    """``status in revoked,cancelled``, ``cause = :cause``, ``end_date is null`` → a condition.

    With ``dataset``, a value is read in its column's type (text stays text, ``2`` of an int
    column is a number); without, digits are read as a number.
    """
    text = text.strip()
    for op in ("is not null", "is null"):
        if text.lower().endswith(" " + op):
            return Condition(column=text[: -len(op)].strip(), op=op)
    for op, the_op in _INFIX.items():
        column, sep, value = text.partition(op)
        if sep and column.strip():
            value = value.strip()
            if the_op in ("in", "not in"):
                items = [
                    _typed(dataset, column.strip(), v.strip())
                    for v in value.split(",")
                    if v.strip()
                ]
                return Condition(column=column.strip(), op=the_op, value=items)
            if value.startswith(":"):
                return Condition(column=column.strip(), op=the_op, param=value[1:])
            return Condition(
                column=column.strip(),
                op=the_op,
                value=_typed(dataset, column.strip(), value),
            )
    raise StudioError(
        f"'{text}' is not a condition like 'status in revoked,cancelled' or 'cause = :cause'",
        Location(field="where"),
    )


def _typed(dataset: str | None, column: str, value: str) -> Any:
    """A condition's value in the type of its column."""
    kind = None
    if dataset in CONTRACT and column in CONTRACT[dataset].columns:
        kind = CONTRACT[dataset].field(column).type
    if kind in ("int32", "int64") or (kind is None and value.lstrip("-").isdigit()):
        try:
            return int(value)
        except ValueError:
            raise StudioError(
                f"'{value}' is not a number ({column})", Location(field="where")
            ) from None
    if kind == "bool":
        return value.lower() in ("true", "1", "yes")
    return value
