"""Mapping files: how one agency's export becomes one canonical dataset.

A mapping is a YAML file, one per source, written once by the data officer::

    dataset: persons
    files: 户籍人口*.csv            # glob, relative to the mapping file
    encoding: gb18030               # omitted: detected (BOM, UTF-8, else charset-normalizer)
    columns: {person_id: 公民身份号码, name: 姓名, gender: 性别, ...}
    values: {gender: {男: M, 女: F}}
    transforms: {birth_date: {type: date, formats: ["%Y年%m月%d日"]}}
    constants: {status: active}
    record_id: [记录编号]

:func:`load` validates it against the data contract and reports every problem with the mapping
file, the line and the field.

Besides plain columns, a mapping can express the shapes real exports have:

- ``derive``: a field taken from another column by a regular expression (the court's region
  code inside 案号 ``(2019)内0404民初1234号``: ``{from: 案号, pattern: '[)）]\\D*?(\\d{4})',
  template: '15\\1'}``); without ``pattern`` the column is copied (a licence number that is
  the holder's ID);
- conditional value maps: ``values: {custody_type: {by: 执行机关类型, maps: {监狱: {'1': prison},
  司法局: {'1': community_correction}}}}`` when a code means something else per another column;
- ``rows: {present: [收押日期]}``: only the rows with one of these columns filled belong to
  this mapping (several datasets, or several mappings, from one file); the others are counted
  as ``skipped``;
- ``parse``: a free-text column read by a parser into several fields (the judgment result
  ``判处有期徒刑1年6个月，缓刑二年`` into outcome, term and probation).
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lexradar.datasets.contract_model import CONTRACT, Dataset
from lexradar.errors import IngestError, Location
from lexradar.yamlfile import read_yaml

Format = Literal["csv", "tsv", "xlsx", "xls", "parquet", "jsonl"]
TransformKind = Literal[
    "resident_id",
    "name",
    "date",
    "timestamp",
    "region_code",
    "yuan",
    "fen",
    "int",
    "bool",
    "text",
    "cert_no",
]

EXTENSIONS: dict[str, Format] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xls",
    ".parquet": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


def _fields_of(value_type: str) -> frozenset[str]:
    """The fields of any dataset whose value type (in the contract) is ``value_type``."""
    return frozenset(
        f.name for ds in CONTRACT.values() for f in ds.fields if f.value_type == value_type
    )


#: Fields that hold a resident ID, a personal name or a region code in any dataset.
ID_FIELDS = _fields_of("resident_id")
NAME_FIELDS = _fields_of("name")
REGION_FIELDS = _fields_of("region_code")
#: Fields that hold a marriage or divorce certificate number (normal form: normalize.cert_no).
CERT_FIELDS = _fields_of("cert_no")

DEFAULT_MIN_DATE = dt.date(1900, 1, 1)


def default_max_date() -> dt.date:
    """Latest date accepted when a mapping sets none: 30 years from today (expiry dates)."""
    today = dt.date.today()
    return dt.date(today.year + 30, 12, 31)


class Transform(BaseModel):
    """How a field's text becomes its canonical value."""

    model_config = ConfigDict(extra="forbid")

    type: TransformKind
    formats: list[str] | None = Field(
        default=None,
        description="strptime formats tried for dates (default: date.DEFAULT_FORMATS).",
    )
    min: dt.date | None = Field(default=None, description="Earliest accepted date.")
    max: dt.date | None = Field(default=None, description="Latest accepted date.")


class Derive(BaseModel):
    """A field taken from another source column, whole or by a regular expression."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    source: str = Field(alias="from", description="The source column read.")
    pattern: str | None = Field(
        default=None, description="A regular expression searched in the cell (re.search)."
    )
    template: str | None = Field(
        default=None,
        description="What the match becomes (re's expand: \\1, \\g<name>); default: the "
        "first group if the pattern has one, else the whole match.",
    )

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return value

    def apply(self, text: str | None) -> str | None:
        """The derived text of one cell (None when the pattern does not match)."""
        if text is None or self.pattern is None:
            return text
        m = re.search(self.pattern, text)
        if m is None:
            return None
        if self.template is not None:
            return m.expand(self.template)
        return m.group(1) if m.re.groups else m.group(0)


class ConditionalValues(BaseModel):
    """A value map that depends on another source column: ``by`` → its own value map."""

    model_config = ConfigDict(extra="forbid")

    by: str = Field(description="The source column whose value picks the map.")
    maps: dict[str, dict[str, str]]

    @field_validator("maps", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                str(k): {str(a): str(b) for a, b in (v or {}).items()} if isinstance(v, dict) else v
                for k, v in value.items()
            }
        return value


#: Joins the ``by`` column's value and the cell's value for a conditional value map.
CONDITION_SEP = " | "


class Rows(BaseModel):
    """Which rows of the file belong to this mapping."""

    model_config = ConfigDict(extra="forbid")

    present: list[str] = Field(
        description="Source columns; a row belongs to the mapping when one of them is filled."
    )


#: Parsers a ``parse`` entry can name, and the fields each can fill.
PARSERS = {
    "judgment_result": (
        "outcome",
        "term_months",
        "sentence_months",
        "probation_months",
        "fine",
    ),
}


class Parse(BaseModel):
    """A free-text source column read by a parser into several fields."""

    model_config = ConfigDict(extra="forbid")

    parser: Literal["judgment_result"]
    fields: dict[str, str] = Field(description="The parser's output → the canonical field.")
    case_kind: str | None = Field(
        default=None,
        description="The canonical field (mapped, derived or constant) that holds the case kind "
        "the parser is told.",
    )
    cause: str | None = Field(
        default=None,
        description="The canonical field that holds the cause (案由): a 驳回 in a divorce case "
        "denies the divorce, in any other case the claim is lost.",
    )


class Mapping(BaseModel):
    """One mapping file, validated."""

    model_config = ConfigDict(extra="forbid")

    dataset: str
    files: str | list[str]
    format: Format | None = None
    encoding: str | None = None
    sheet: str | int | None = None
    header_row: int = Field(default=1, ge=1)
    columns: dict[str, str]
    values: dict[str, dict[str, str] | ConditionalValues] = Field(default_factory=dict)
    transforms: dict[str, Transform] = Field(default_factory=dict)
    constants: dict[str, Any] = Field(default_factory=dict)
    record_id: list[str] | None = None
    derive: dict[str, Derive] = Field(default_factory=dict)
    rows: Rows | None = None
    parse: dict[str, Parse] = Field(default_factory=dict)

    #: set by :func:`load`
    path: Path = Path("mapping.yaml")
    lines: dict[str, int] = Field(default_factory=dict)

    @field_validator("transforms", mode="before")
    @classmethod
    def _short_transforms(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: {"type": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("values", mode="before")
    @classmethod
    def _text_values(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: {str(a): str(b) for a, b in (v or {}).items()}
                if isinstance(v, dict) and not {"by", "maps"} <= set(v)
                else v
                for k, v in value.items()
            }
        return value

    @field_validator("columns", mode="before")
    @classmethod
    def _text_columns(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: str(v) for k, v in value.items()}
        return value

    @field_validator("record_id", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @property
    def contract(self) -> Dataset:
        return CONTRACT[self.dataset]

    def parsed_fields(self) -> dict[str, tuple[str, str]]:
        """Canonical field → (source column, parser output) of the ``parse`` entries."""
        return {
            field: (column, output)
            for column, p in self.parse.items()
            for output, field in p.fields.items()
        }

    def source_fields(self) -> list[str]:
        """Every field read from the file: mapped, derived or parsed."""
        return [*self.columns, *self.derive, *self.parsed_fields()]

    def source_column(self, field: str) -> str:
        """The source column a field is read from (for messages and quarantine rows)."""
        if field in self.columns:
            return self.columns[field]
        if field in self.derive:
            return self.derive[field].source
        return self.parsed_fields()[field][0]

    def value_map(self, field: str) -> dict[str, str] | None:
        """A field's value map; a conditional one with keys ``<by value> | <value>``."""
        values = self.values.get(field)
        if isinstance(values, ConditionalValues):
            return {
                f"{cond}{CONDITION_SEP}{src}": canon
                for cond, m in values.maps.items()
                for src, canon in m.items()
            }
        return values

    def condition(self, field: str) -> str | None:
        """The source column a field's conditional value map depends on."""
        values = self.values.get(field)
        return values.by if isinstance(values, ConditionalValues) else None

    def where(self, *keys: str, file: str | None = None) -> Location:
        """Location of ``keys`` (e.g. ``("columns", "name")``) in the mapping file."""
        path = ".".join(keys)
        line = None
        for n in range(len(keys), 0, -1):
            line = self.lines.get(".".join(keys[:n]))
            if line is not None:
                break
        return Location(file=file or str(self.path), line=line, field=path or None)

    def transform(self, field: str) -> Transform:
        """The transform of a canonical field: the mapping's, else the default for its type."""
        if field in self.transforms:
            return self.transforms[field]
        return Transform(type=default_transform(self.contract, field))

    def file_format(self, file: Path) -> Format:
        if self.format:
            return self.format
        fmt = EXTENSIONS.get(file.suffix.lower())
        if fmt is None:
            raise IngestError(
                f"cannot tell the format of '{file.name}' from its extension; set 'format' "
                f"to one of {', '.join(sorted(set(EXTENSIONS.values())))}",
                self.where("format"),
            )
        return fmt

    def matched_files(self) -> list[Path]:
        """The files the ``files`` globs match, relative to the mapping file, sorted."""
        base = self.path.parent
        found: list[Path] = []
        for pattern in [self.files] if isinstance(self.files, str) else self.files:
            if Path(pattern).is_absolute():
                hits = sorted(Path(pattern).parent.glob(Path(pattern).name))
            else:
                hits = sorted(base.glob(pattern))
            hits = [Path(os.path.normpath(h)) for h in hits if h.is_file()]
            found += [h for h in hits if h not in found]
        if not found:
            raise IngestError(
                f"no file matches {self.files!r} (relative to {base})", self.where("files")
            )
        return found

    def check_header(self, header: list[str], file: str) -> None:
        """Every mapped source column must be in the file's header, exactly once."""
        wanted = [("columns", f, c) for f, c in self.columns.items()]
        wanted += [("record_id", "record_id", c) for c in self.record_id or []]
        wanted += [("derive", f, d.source) for f, d in self.derive.items()]
        wanted += [("values", f, v.by) for f, v in self.values.items()
                   if isinstance(v, ConditionalValues)]  # fmt: skip
        wanted += [("rows", "present", c) for c in (self.rows.present if self.rows else [])]
        wanted += [("parse", c, c) for c in self.parse]
        for key, field, column in wanted:
            if column not in header:
                close = difflib.get_close_matches(column, header, n=1, cutoff=0.3)
                hint = f"; closest match: '{close[0]}'" if close else ""
                raise IngestError(
                    f"{file} has no column '{column}' (mapped to '{field}'){hint}; "
                    f"its columns are: {', '.join(repr(h) for h in header)}",
                    self.where(key, field),
                )
            if header.count(column) > 1 and key != "derive" and key != "values":
                positions = [str(i + 1) for i, h in enumerate(header) if h == column]
                raise IngestError(
                    f"{file} has the column '{column}' (mapped to '{field}') more than once, "
                    f"at positions {', '.join(positions)}; rename one in the file",
                    self.where(key, field),
                )


def default_transform(ds: Dataset, field: str) -> TransformKind:
    """The transform a field gets when its mapping names none."""
    if field in ID_FIELDS:
        return "resident_id"
    if field in NAME_FIELDS:
        return "name"
    if field in REGION_FIELDS:
        return "region_code"
    if field in CERT_FIELDS:
        return "cert_no"
    kind = ds.field(field).type
    return {
        "date": "date",
        "timestamp": "timestamp",
        "decimal": "yuan",
        "int32": "int",
        "int64": "int",
        "bool": "bool",
    }.get(kind, "text")  # type: ignore[return-value]


def _lines(node: yaml.Node, prefix: str, out: dict[str, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = f"{prefix}.{key.value}" if prefix else str(key.value)
            out[path] = key.start_mark.line + 1
            _lines(value, path, out)


def load(path: Path | str) -> Mapping:
    """Read and validate a mapping file against the contract."""
    path = Path(path)
    if not path.is_file():
        raise IngestError("mapping file not found", Location(file=str(path)))
    raw, node = read_yaml(path, IngestError)
    if not isinstance(raw, dict):
        raise IngestError("a mapping file holds a YAML mapping", Location(file=str(path)))
    lines: dict[str, int] = {}
    if node is not None:
        _lines(node, "", lines)
    try:
        mapping = Mapping.model_validate({**raw, "path": path, "lines": lines})
    except ValidationError as exc:
        err = exc.errors()[0]
        keys = [str(k) for k in err["loc"]]
        while keys and ".".join(keys) not in lines and len(keys) > 1:
            keys.pop()
        loc = ".".join(str(k) for k in err["loc"])
        raise IngestError(
            err["msg"], Location(file=str(path), line=lines.get(".".join(keys)), field=loc)
        ) from None
    _check_contract(mapping)
    return mapping


def _unknown(mapping: Mapping, key: str, name: str, known: list[str]) -> IngestError:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return IngestError(
        f"'{name}' is not a field of {mapping.dataset}{hint} (fields: {', '.join(known)})",
        mapping.where(key, name),
    )


def _check_contract(m: Mapping) -> None:
    if m.dataset not in CONTRACT:
        close = difflib.get_close_matches(m.dataset, list(CONTRACT), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise IngestError(
            f"unknown dataset '{m.dataset}'{hint} (known: {', '.join(CONTRACT)})",
            m.where("dataset"),
        )
    ds = m.contract
    own = [f.name for f in ds.fields]
    for key in ("columns", "values", "transforms", "constants", "derive"):
        for name in getattr(m, key):
            if name not in own:
                raise _unknown(m, key, name, own)
    parsed = m.parsed_fields()
    for column, p in m.parse.items():
        for output, name in p.fields.items():
            if output not in PARSERS[p.parser]:
                raise IngestError(
                    f"the parser {p.parser} gives no '{output}' (it gives: "
                    f"{', '.join(PARSERS[p.parser])})",
                    m.where("parse", column, "fields", output),
                )
            if name not in own:
                raise _unknown(m, "parse", name, own)
        for context in (p.case_kind, p.cause):
            if context is not None and context not in own:
                raise _unknown(m, "parse", context, own)
    read = m.source_fields()
    for name in m.values:
        if name not in m.columns and name not in m.derive:
            raise IngestError(
                f"values are given for '{name}' but no column is mapped to it",
                m.where("values", name),
            )
    seen: dict[str, str] = {}
    for key, names in (("columns", list(m.columns)), ("derive", list(m.derive)),
                       ("parse", list(parsed)), ("constants", list(m.constants))):  # fmt: skip
        for name in names:
            if name in seen:
                raise IngestError(
                    f"'{name}' is given twice: in {seen[name]} and in {key}",
                    m.where(key, name) if key != "parse" else m.where("parse"),
                )
            seen[name] = key
    for f in ds.fields:
        if f.required and f.name not in read and f.name not in m.constants:
            raise IngestError(
                f"required field '{f.name}' of {ds.name} is neither mapped to a column, "
                "derived, parsed nor given as a constant",
                m.where("columns"),
            )
        if f.values:
            for src, canon in (m.value_map(f.name) or {}).items():
                if canon not in f.values:
                    raise IngestError(
                        f"'{src}' maps to '{canon}', which is not one of {', '.join(f.values)}",
                        m.where("values", f.name, src),
                    )
            const = m.constants.get(f.name)
            if const is not None and const not in f.values:
                raise IngestError(
                    f"constant '{const}' is not one of {', '.join(f.values)}",
                    m.where("constants", f.name),
                )
