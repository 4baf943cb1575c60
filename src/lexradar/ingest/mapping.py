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
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lexradar.datasets.contract_model import CONTRACT, Dataset
from lexradar.errors import IngestError, Location
from lexradar.yamlfile import read_yaml

Format = Literal["csv", "tsv", "xlsx", "xls", "parquet", "jsonl"]
TransformKind = Literal[
    "resident_id", "name", "date", "timestamp", "region_code", "yuan", "fen", "int", "bool", "text"
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

#: Fields that hold a resident ID, a personal name or a region code in any dataset.
ID_FIELDS = frozenset({"person_id", "husband_id", "wife_id", "party_id"})
NAME_FIELDS = frozenset({"name", "husband_name", "wife_name", "party_name"})
REGION_FIELDS = frozenset({"region_code", "office_region_code", "court_region_code"})

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
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    transforms: dict[str, Transform] = Field(default_factory=dict)
    constants: dict[str, Any] = Field(default_factory=dict)
    record_id: list[str] | None = None

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
                k: {str(a): str(b) for a, b in (v or {}).items()} if isinstance(v, dict) else v
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
        for key, field, column in wanted:
            if column not in header:
                close = difflib.get_close_matches(column, header, n=1, cutoff=0.3)
                hint = f"; closest match: '{close[0]}'" if close else ""
                raise IngestError(
                    f"{file} has no column '{column}' (mapped to '{field}'){hint}; "
                    f"its columns are: {', '.join(repr(h) for h in header)}",
                    self.where(key, field),
                )
            if header.count(column) > 1:
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
    for key in ("columns", "values", "transforms", "constants"):
        for name in getattr(m, key):
            if name not in own:
                raise _unknown(m, key, name, own)
    for name in m.values:
        if name not in m.columns:
            raise IngestError(
                f"values are given for '{name}' but no column is mapped to it",
                m.where("values", name),
            )
    both = set(m.columns) & set(m.constants)
    if both:
        name = sorted(both)[0]
        raise IngestError(f"'{name}' is both a column and a constant", m.where("constants", name))
    for f in ds.fields:
        if f.required and f.name not in m.columns and f.name not in m.constants:
            raise IngestError(
                f"required field '{f.name}' of {ds.name} is neither mapped to a column nor "
                "given as a constant",
                m.where("columns"),
            )
        if f.values:
            for src, canon in m.values.get(f.name, {}).items():
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
