"""What a model author writes: the header of ``<id path>.yaml``; the rule is ``<same>.sql``.

The SQL is one SELECT over canonical datasets, parameters written ``:name``; it returns one row
per clue with the clue's key columns, ``person_ids`` and ``record_refs`` (lists), ``region_code``,
``severity`` and whatever the explanation templates name.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

Domain = Literal["criminal", "civil", "administrative", "public_interest"]
Status = Literal["draft", "testing", "production", "retired"]
ParamType = Literal["int", "float", "str", "date", "bool"]


class Text(BaseModel):
    """A text in Chinese and English."""

    model_config = ConfigDict(extra="forbid")
    zh: str
    en: str


def _number(raw: object) -> str | int | float:
    """``raw`` if it can be read as a number; a ValueError (a bad value) for a date, a list or
    nothing (YAML's ``~``), which int() and float() refuse with a TypeError."""
    if isinstance(raw, str | int | float):
        return raw
    raise ValueError(f"expected a number, got {type(raw).__name__}")


class Parameter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: ParamType
    default: int | float | str | bool | dt.date
    doc: str
    doc_zh: str | None = Field(
        default=None,
        min_length=1,
        description="The description in Chinese, as the workbench shows it in Chinese "
        "(required of the pack's models).",
    )

    @model_validator(mode="after")
    def _described_in_chinese(self, info: ValidationInfo) -> Parameter:
        """The pack's parameters are shown in Chinese by their Chinese description (validated
        with the context ``{"pack": True}``, as :func:`lexradar.models.registry.load_model`
        does for a model of the pack)."""
        if (info.context or {}).get("pack") and not self.doc_zh:
            raise ValueError(
                f"parameter '{self.name}' of a model of the pack needs its Chinese "
                "description: 'doc_zh'"
            )
        return self

    def doc_in(self, lang: str) -> str:
        """The description in ``lang`` (``zh``: the Chinese one when there is one)."""
        return self.doc_zh if lang == "zh" and self.doc_zh else self.doc

    def coerce(self, raw: object) -> object:
        """The value of this parameter from a flag's text or a YAML value."""
        if self.type == "int":
            return int(_number(raw))
        if self.type == "float":
            return float(_number(raw))
        if self.type == "bool":
            return raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes")
        if self.type == "date":
            return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
        return str(raw)


class ClueSpec(BaseModel):
    """How a result row becomes a clue."""

    model_config = ConfigDict(extra="forbid")
    key: list[str] = Field(min_length=1, description="Columns that identify a clue (fingerprint).")
    persons: str = Field(default="person_ids", description="Column: list of resident IDs.")
    refs: str = Field(default="record_refs", description="Column: list of evidence references.")
    region: str = Field(default="region_code", description="Column: region code for routing.")
    severity: str = Field(default="severity", description="Column: high, medium or low.")


class OptionalInput(BaseModel):
    """A field the rule uses when an agency's export has it, and what the rule does without it.

    Agencies differ: one traffic police export has the licence's issue date, another has only
    its current status. A model names the optional fields it relies on here; a run on a lake
    where such a field is empty says so (:func:`lexradar.models.inputs.missing_inputs`), and the
    SQL must still be right without it — the ``without`` text says how it decides then.
    """

    model_config = ConfigDict(extra="forbid")

    field: str = Field(pattern=r"^[a-z_]+\.[a-z_0-9]+$", description="dataset.field")
    without: Text = Field(description="What the rule does when the field is empty in the lake.")

    @property
    def dataset(self) -> str:
        return self.field.split(".", 1)[0]

    @property
    def column(self) -> str:
        return self.field.split(".", 1)[1]


class Transition(BaseModel):
    """One lifecycle step of a model: who moved it from which status to which, when and why."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_status: Status = Field(alias="from")
    to_status: Status = Field(alias="to")
    by: str
    at: dt.datetime
    reason: str = ""


#: allowed lifecycle moves
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("testing", "retired"),
    "testing": ("draft", "production", "retired"),
    "production": ("testing", "retired"),
    "retired": ("draft",),
}


class ModelSpec(BaseModel):
    """The header of a model file."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
    title: Text
    domain: Domain
    supervision_point: Text
    legal_basis: list[str] = Field(min_length=1)
    datasets: list[str] = Field(min_length=1)
    parameters: list[Parameter] = Field(default_factory=list)
    clue: ClueSpec
    explanation: Text
    status: Status
    version: int = Field(ge=1)
    owner: str = Field(pattern=r"^\d{6}$", description="Region code of the owning procuratorate.")
    description: str
    description_zh: str | None = Field(
        default=None, description="The rule in Chinese, as the workbench shows it in Chinese."
    )
    history: list[Transition] = Field(
        default_factory=list, description="Lifecycle transitions, oldest first."
    )
    inputs: list[OptionalInput] = Field(
        default_factory=list,
        description="Optional fields the rule relies on, and what it does without each.",
    )

    @field_validator("datasets")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        from lexradar.datasets import CONTRACT

        unknown = [d for d in value if d not in CONTRACT]
        if unknown:
            raise ValueError(f"unknown dataset(s) {unknown}; known: {', '.join(CONTRACT)}")
        return value

    @model_validator(mode="after")
    def _inputs_known(self) -> ModelSpec:
        from lexradar.datasets import CONTRACT

        for i in self.inputs:
            if i.dataset not in self.datasets:
                raise ValueError(f"input {i.field}: {i.dataset} is not among the model's datasets")
            if i.column not in {f.name for f in CONTRACT[i.dataset].fields}:
                raise ValueError(f"input {i.field}: {i.dataset} has no field {i.column}")
        return self

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)
