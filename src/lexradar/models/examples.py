"""Golden examples: rows in, clues out, written in YAML beside each model.

``marriage/bigamy.yaml`` has its examples in ``marriage/bigamy.examples.yaml``::

    model: marriage.bigamy
    examples:
      - name: second marriage while the first is in force
        name_zh: 前一婚姻存续期间再次结婚   # the name in Chinese (required in the pack)
        kind: positive              # positive | negative
        as_of: 2025-12-31           # optional
        params: {}                  # optional parameter overrides
        given:                      # dataset -> rows (provenance is filled in)
          marriage_events:
            - {record_id: m1, cert_no: J1, event_type: marriage, ...}
        expect:                     # the clues, compared on the fields named here
          - {person_ids: ["150402198001010010"], severity: high}

An example runs on a lake holding only its ``given`` rows (other datasets read as empty). The
clues are compared with ``expect`` as a multiset, each expected clue on the fields it names:
``person_ids`` and ``record_refs`` as sets, any other clue column (``region_code``,
``severity``, ``explanation``...) or evidence column of the model's result by its value (numbers
as numbers, whatever their type). A negative example expects no clue at all: ``expect: []``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from lexradar.datasets import CONTRACT
from lexradar.datasets.lake import write_rows
from lexradar.errors import LexradarError, Location, ModelError
from lexradar.models.registry import EXAMPLES_SUFFIX, Model, _line
from lexradar.yamlfile import read_yaml

DEFAULT_AS_OF = dt.date(2025, 12, 31)
SET_FIELDS = ("person_ids", "record_refs")
"""Clue fields compared as sets (the clue table holds them joined with ``;``)."""
SHOWN_FIELDS = ("person_ids", "record_refs", "region_code", "severity")
"""Fields shown for a clue nobody expected, when no expectation names any."""
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


class Example(BaseModel):
    """One golden example: the rows given, the as-of date and parameters, the clues expected."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    name_zh: str | None = Field(
        default=None,
        min_length=1,
        description="The name in Chinese, as the workbench shows it in Chinese (required of "
        "the pack's examples).",
    )
    kind: Literal["positive", "negative"]
    as_of: dt.date = DEFAULT_AS_OF
    params: dict[str, Any] = Field(default_factory=dict)
    given: dict[str, list[dict[str, Any]]] = Field(min_length=1)
    expect: list[dict[str, Any]]
    pseudonymised: bool = Field(
        default=False,
        description="The rows hold pseudonyms, not real persons (the studio writes it on the "
        "examples it makes from the lake, a bundle on those it pseudonymises): a bundle carries "
        "them as they are, since pseudonyms pseudonymised again with a fresh key give back a "
        "real ID about one time in 64.",
    )

    @model_validator(mode="after")
    def _kind_agrees(self) -> Example:
        if self.kind == "negative" and self.expect:
            raise ValueError("a negative example expects no clue: write 'expect: []'")
        if self.kind == "positive" and not self.expect:
            raise ValueError("a positive example expects at least one clue")
        if any(not e for e in self.expect):
            raise ValueError("an expected clue must name at least one field")
        return self

    @model_validator(mode="after")
    def _named_in_chinese(self, info: ValidationInfo) -> Example:
        """The pack's examples are shown in Chinese by their Chinese name (validated with the
        context ``{"pack": True}``, as :func:`load_examples` does for a model of the pack)."""
        if (info.context or {}).get("pack") and not self.name_zh:
            raise ValueError("an example of the model pack needs its Chinese name: 'name_zh'")
        return self

    def title(self, lang: str) -> str:
        """The name in ``lang`` (``zh``: the Chinese name when there is one)."""
        return self.name_zh if lang == "zh" and self.name_zh else self.name


class ExamplesFile(BaseModel):
    """The whole ``<name>.examples.yaml`` file."""

    model_config = ConfigDict(extra="forbid")
    model: str
    examples: list[Example] = Field(description="Empty in a freshly scaffolded model.")


@dataclass(frozen=True)
class ExampleResult:
    """The outcome of one example: ``diff`` is a unified diff of expected vs actual clues."""

    model_id: str
    example: Example
    passed: bool
    diff: str = ""
    clues: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def name(self) -> str:
        return self.example.name

    def __str__(self) -> str:
        head = f"{self.model_id}: {self.example.name} ({self.example.kind})"
        return f"{head}: ok" if self.passed else f"{head}: FAILED\n{self.diff}"


def examples_path(model: Model) -> Path:
    """Where the golden examples of ``model`` live: ``<name>.examples.yaml`` beside its header."""
    return model.path.with_name(model.path.stem + EXAMPLES_SUFFIX)


def load_examples(model: Model) -> list[Example]:
    """Load and check the examples of ``model``; errors name the file, the line and the field."""
    path = examples_path(model)
    if not path.exists():
        raise ModelError(f"model {model.id} has no golden examples", Location(file=str(path)))
    try:
        raw, node = read_yaml(path, ModelError)
    except ValueError as exc:  # a scalar that looks like a date but is none, e.g. 2010-13-01
        node = yaml.compose(path.read_text(encoding="utf-8"))
        assert node is not None  # the document holds the value that failed to load
        loc, bad = _unreadable(node)
        where = Location(str(path), line=bad.start_mark.line + 1, field=".".join(map(str, loc)))
        raise ModelError(f"bad value {bad.value!r}: {exc}", where) from exc
    if not isinstance(raw, dict) or node is None:
        raise ModelError("an examples file must be a YAML mapping", Location(file=str(path)))

    def fail(message: str, *loc: Any) -> ModelError:
        where = Location(file=str(path), line=_line(node, loc), field=".".join(map(str, loc)))
        return ModelError(message, where)

    try:
        parsed = ExamplesFile.model_validate(raw, context={"pack": _in_pack(path)})
    except ValidationError as exc:
        err = exc.errors()[0]
        raise fail(err["msg"], *err["loc"]) from exc
    if parsed.model != model.id:
        raise fail(f"examples of '{parsed.model}' beside model '{model.id}'", "model")
    for i, example in enumerate(parsed.examples):
        for name, rows in example.given.items():
            if name not in model.spec.datasets:
                raise fail(
                    f"model {model.id} does not read '{name}'; it reads "
                    f"{', '.join(model.spec.datasets)}",
                    "examples", i, "given", name,
                )  # fmt: skip
            example.given[name] = [
                _typed_row(name, row, ("examples", i, "given", name, j), fail)
                for j, row in enumerate(rows)
            ]
        for param in example.params:
            if not any(p.name == param for p in model.spec.parameters):
                known = ", ".join(p.name for p in model.spec.parameters) or "none"
                raise fail(f"no parameter '{param}' (parameters: {known})", "examples", i, "params")
    return parsed.examples


def _in_pack(path: Path) -> bool:
    """Whether ``path`` is a file of the model pack shipped with lexradar."""
    from lexradar.models.registry import pack_root

    return path.resolve().is_relative_to(pack_root().resolve())


def _unreadable(node: yaml.Node, loc: tuple[Any, ...] = ()) -> tuple[tuple[Any, ...], yaml.Node]:
    """The first scalar under ``node`` that YAML cannot turn into a value, and where it is."""
    if isinstance(node, yaml.MappingNode):
        children = [((*loc, k.value), v) for k, v in node.value]
    elif isinstance(node, yaml.SequenceNode):
        children = [((*loc, i), v) for i, v in enumerate(node.value)]
    else:
        try:
            yaml.SafeLoader("").construct_object(node)
        except ValueError:
            return loc, node
        return (), node
    for at, child in children:
        found = _unreadable(child, at)
        if found[0]:
            return found
    return (), node


def _typed_row(
    name: str, row: dict[str, Any], at: tuple[Any, ...], fail: Callable[..., ModelError]
) -> dict[str, Any]:
    """A row with each value in its contract type; unknown or missing fields are errors."""
    ds = CONTRACT[name]
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key not in ds.columns:
            raise fail(f"not a field of {name}; fields: {', '.join(ds.columns)}", *at, key)
        try:
            out[key] = _coerce(ds.field(key).type, value)
        except (TypeError, ValueError, InvalidOperation) as exc:
            raise fail(f"bad {ds.field(key).type} value {value!r}: {exc}", *at, key) from exc
    for f in ds.fields:
        if f.required and out.get(f.name) is None:
            raise fail(f"{name} requires '{f.name}' (the contract makes it required)", *at, f.name)
    return out


def _coerce(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "string":
        if isinstance(value, (dict, list)):
            raise TypeError("expected text")
        return str(value)
    if kind == "date":
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    if kind == "timestamp":
        if isinstance(value, dt.datetime):
            return value
        if isinstance(value, dt.date):
            return dt.datetime.combine(value, dt.time())
        return dt.datetime.fromisoformat(str(value))
    if kind == "decimal":
        return Decimal(str(value))
    if kind in ("int32", "int64"):
        return int(value)
    if kind == "bool" and not isinstance(value, bool):
        raise TypeError("expected true or false")
    return value


def _canon(name: str, value: Any) -> Any:
    """A comparable, printable form of a clue value."""
    if name in SET_FIELDS:
        items = value.split(";") if isinstance(value, str) else list(value or [])
        return sorted({str(v) for v in items if str(v)})
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)) or (
        isinstance(value, str) and _NUMBER.fullmatch(value)
    ):
        number = Decimal(str(value))
        return int(number) if number == number.to_integral_value() else str(number.normalize())
    return str(value)


def _project(clue: dict[str, Any], names: list[str]) -> str:
    """One clue as one line: the named fields, sorted, as JSON."""
    shown = {n: _canon(n, clue[n]) if n in clue else "<absent>" for n in sorted(names)}
    return json.dumps(shown, ensure_ascii=False, sort_keys=True)


def compare(expected: list[dict[str, Any]], clues: list[dict[str, Any]]) -> tuple[bool, str]:
    """Match expected clues with actual ones (a multiset, each on the fields it names).

    Returns whether they agree and a unified diff, one clue per line, sorted.
    """
    left = list(range(len(clues)))
    want, got = [], []
    for exp in sorted(expected, key=len, reverse=True):
        line = _project(exp, list(exp))
        want.append(line)
        match = next((i for i in left if _project(clues[i], list(exp)) == line), None)
        if match is not None:
            left.remove(match)
            got.append(line)
    if len(got) == len(want) and not left:
        return True, ""
    union = sorted({n for e in expected for n in e}) or list(SHOWN_FIELDS)
    got += [_project(clues[i], union) for i in left]
    diff = difflib.unified_diff(sorted(want), sorted(got), "expected", "actual", lineterm="")
    return False, "\n".join(diff)


def run_example(
    model: Model, example: Example, workdir: Path, engine: str = "duckdb", **options: object
) -> ExampleResult:
    """Run one example on a lake of its ``given`` rows, made under ``workdir``, on ``engine``
    (``options`` as :func:`lexradar.engine.open_engine` takes them)."""
    from lexradar.engine import open_engine
    from lexradar.models.run import run_model

    lake = Path(tempfile.mkdtemp(prefix="example-", dir=workdir))
    try:
        for name, rows in example.given.items():
            write_rows(lake, name, rows, batch_id="example")
        with open_engine(lake, engine, **{"sandbox": True, **options}) as backend:
            table, _ = run_model(backend, model, example.as_of, example.params)
    except LexradarError as exc:
        return ExampleResult(model.id, example, False, f"the example could not run: {exc}")
    # each clue with the evidence columns of the model's result beside the clue columns
    clues = [{**json.loads(row.pop("evidence") or "{}"), **row} for row in table.to_pylist()]
    passed, diff = compare(example.expect, clues)
    return ExampleResult(model.id, example, passed, diff, clues)


def run_all(model: Model, engine: str = "duckdb", **options: object) -> list[ExampleResult]:
    """Run every golden example of ``model``, each on its own temporary lake, on ``engine``."""
    examples = load_examples(model)
    with tempfile.TemporaryDirectory(prefix="lexradar-examples-") as tmp:
        return [run_example(model, ex, Path(tmp), engine, **options) for ex in examples]
