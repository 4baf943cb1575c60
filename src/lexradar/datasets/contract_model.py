"""Load the contract YAML files into typed objects and derive Arrow schemas from them."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import pyarrow as pa
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from lexradar.errors import ContractError, Location
from lexradar.normalize.types import TYPES

FieldType = Literal["string", "date", "timestamp", "int32", "int64", "decimal", "bool"]

_ARROW: dict[str, pa.DataType] = {
    "string": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "decimal": pa.decimal128(14, 2),
    "bool": pa.bool_(),
}


class Bilingual(BaseModel):
    zh: str
    en: str


class DatasetField(BaseModel):
    """One column of a canonical dataset.

    ``type`` is how the value is stored (the Arrow type); ``value_type`` is what the value is
    (:data:`lexradar.normalize.types.TYPES`: ``resident_id``, ``name``, ``address``,
    ``birth_date``, ``date``, ``money`` ...), and decides how it is cleaned, compared, masked
    and pseudonymised.
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    type: FieldType
    value_type: str = Field(description="Value type, a key of lexradar.normalize.types.TYPES.")
    doc: str
    required: bool = False
    values: list[str] | None = Field(default=None, description="Allowed values, when closed.")

    @model_validator(mode="after")
    def _known_value_type(self) -> DatasetField:
        vt = TYPES.get(self.value_type)
        if vt is None:
            raise ValueError(
                f"field '{self.name}': unknown value type '{self.value_type}'; "
                f"known: {', '.join(TYPES)}"
            )
        if self.type not in vt.storage:
            raise ValueError(
                f"field '{self.name}': a {self.value_type} is stored as "
                f"{' or '.join(sorted(vt.storage))}, not {self.type}"
            )
        return self

    def arrow(self) -> pa.Field:
        return pa.field(self.name, _ARROW[self.type], nullable=not self.required)


PROVENANCE: tuple[DatasetField, ...] = (
    DatasetField(
        name="record_id",
        type="string",
        value_type="code",
        required=True,
        doc="Stable identifier of the record within its dataset; evidence refers to it "
        "as '<dataset>:<record_id>'.",
    ),
    DatasetField(
        name="batch_id",
        type="string",
        value_type="code",
        required=True,
        doc="Ingestion batch that loaded the row.",
    ),
    DatasetField(
        name="source_file",
        type="string",
        value_type="text",
        required=True,
        doc="File the row was read from, as given to ingestion.",
    ),
    DatasetField(
        name="source_row",
        type="int64",
        value_type="number",
        required=True,
        doc="Row number in the source file (1 = first data row).",
    ),
)


class Dataset(BaseModel):
    """A canonical dataset: its own fields, then the provenance columns every dataset carries."""

    name: str
    title: Bilingual
    agency: Bilingual
    description: str
    fields: list[DatasetField]

    @property
    def all_fields(self) -> list[DatasetField]:
        return [*self.fields, *PROVENANCE]

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.all_fields]

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([f.arrow() for f in self.all_fields])

    def value_types(self) -> dict[str, str]:
        """Every field's value type by field name (provenance included)."""
        return {f.name: f.value_type for f in self.all_fields}

    def field(self, name: str) -> DatasetField:
        for f in self.all_fields:
            if f.name == name:
                return f
        raise ContractError(f"dataset '{self.name}' has no field '{name}'", Location(field=name))


def _load() -> dict[str, Dataset]:
    out: dict[str, Dataset] = {}
    folder = resources.files("lexradar.datasets") / "contract"
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".yaml"):
            continue
        try:
            ds = Dataset.model_validate(yaml.safe_load(entry.read_text(encoding="utf-8")))
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ContractError(
                err["msg"].removeprefix("Value error, "),
                Location(file=entry.name, field=".".join(map(str, err["loc"]))),
            ) from exc
        out[ds.name] = ds
    return out


#: Canonical datasets in the order DESIGN.md lists them.
ORDER = (
    "persons",
    "marriage_events",
    "judgments",
    "deaths",
    "travel_documents",
    "border_crossings",
    "pension_payments",
    "allowance_payments",
    "driver_licenses",
    "custody_records",
)


@cache
def _contract() -> dict[str, Dataset]:
    loaded = _load()
    missing = set(ORDER) ^ set(loaded)
    if missing:
        raise ContractError(f"contract files and ORDER disagree on: {sorted(missing)}")
    return {name: loaded[name] for name in ORDER}


CONTRACT: dict[str, Dataset] = _contract()


def dataset(name: str) -> Dataset:
    """The dataset called ``name``, or an error listing the known ones."""
    try:
        return CONTRACT[name]
    except KeyError:
        raise ContractError(
            f"unknown dataset '{name}'; known: {', '.join(CONTRACT)}", Location(field=name)
        ) from None


def render_markdown() -> str:
    """docs/contract.md, generated from the contract files (a test keeps it current)."""
    lines = [
        "# The data contract",
        "",
        "<!-- generated by `lexradar contract --markdown`; do not edit by hand -->",
        "",
        "Every canonical dataset is a folder of Parquet files in the lake. Every row also "
        "carries the provenance columns listed at the end. Dates are dates, not strings; "
        "resident IDs are normalized 18-digit strings.",
        "",
    ]
    for ds in CONTRACT.values():
        lines += [
            f"## `{ds.name}` — {ds.title.zh} ({ds.title.en})",
            "",
            f"From: {ds.agency.zh} ({ds.agency.en}). {ds.description}",
            "",
            "| field | type | value type | required | description |",
            "|---|---|---|---|---|",
        ]
        for f in ds.fields:
            doc = f.doc + (f" Values: {', '.join(f.values)}." if f.values else "")
            lines.append(
                f"| `{f.name}` | {f.type} | {f.value_type} | {'yes' if f.required else ''} "
                f"| {doc} |"
            )
        lines.append("")
    lines += ["## Provenance (on every dataset)", ""]
    lines += ["| field | type | value type | description |", "|---|---|---|---|"]
    lines += [f"| `{f.name}` | {f.type} | {f.value_type} | {f.doc} |" for f in PROVENANCE]
    lines += ["", *_value_type_section()]
    return "\n".join(lines) + "\n"


def _value_type_section() -> list[str]:
    """The value types and the masking rule, as docs/contract.md states them."""
    lines = [
        "## Value types",
        "",
        "Every field names its value type; how a value is cleaned, compared, shown to a role that "
        "sees masked data and replaced in a pseudonymised golden example follows from its type "
        "alone (`lexradar.normalize.types`, one module per type). Masked values are shown "
        "unmasked only on an audited reveal with a reason.",
        "",
        "| value type | what it is | masked as | replaced in golden examples |",
        "|---|---|---|---|",
    ]
    examples = {  # masked by the type's own function, so the table cannot drift from it
        "resident_id": ("150404199001011235", "address code and last four kept"),
        "name": ("欧阳娜娜", "surname kept, a compound surname whole"),
        "address": ("内蒙古自治区赤峰市松山区新华路12号", "divisions down to the county kept"),
        "birth_date": ("1990-01-01", "year kept"),
    }
    for vt in TYPES.values():
        if vt.name in examples:
            example, note = examples[vt.name]
            masked = f"`{example}` → `{vt.mask(example)}`: {note}"
        elif "string" in vt.storage:
            masked = "shown (a resident ID inside it masked)"
        else:
            masked = "shown"
        lines.append(
            f"| `{vt.name}` | {vt.doc} | {masked} | {'yes' if vt.replaced else 'no, kept'} |"
        )
    lines += [
        "",
        "One function masks, `lexradar.normalize.masking.mask(value_type, value)`; records are "
        "masked by their fields' types (`mask_row`), a model's result or a clue's evidence by "
        "the type each column's name gives (`column_type`: `new_person_id` is a `resident_id`, "
        "`old_spouse_name` a `name`, by the contract field it ends with). Free texts "
        "(explanations, `identity_zh`, notes, titles) are masked knowing the personal values of "
        "their clue (`mask_text`): each known value; a known name of three characters or more "
        "also when spelt one character off (巴特尔/巴图尔, 其力嘎/其贺力嘎, another middle dot, "
        "traditional characters); any name stated against an ID as models write it "
        "(`记为冯建/1521…`); and every resident ID, whatever the text.",
    ]
    return lines
