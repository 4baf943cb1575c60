"""Element building blocks and the draft they make: what a model builder assembles in the studio.

A draft starts from a **base** record (one dataset, filtered: "a dangerous-driving conviction")
and adds **blocks**, each an element that must hold for that record to be irregular:

============== ==============================================================================
``match``      a record of another dataset about the same person exists (cited as evidence)
``not_exists`` an expected record of another dataset is missing within N days of the base date
``overlap``    the base date falls inside a period of another record (custody, correction…)
``before_after`` another record of the person lies before or after the base date, with a gap
``count``      at least N records of the person within a window of days around the base date
``same_identity`` a record with the same name and birth date under a different resident ID
============== ==============================================================================

A number a block needs (days, a threshold) is either written in (``90``) or the name of one of
the draft's parameters (``revoke_within_days``), so the compiled model exposes it as ``:name``.
``compile.py`` of this package turns a draft into the same model files a person writes by hand.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lexradar.datasets import CONTRACT
from lexradar.models.spec import Domain, Parameter, Text

Op = Literal["=", "<>", "<", "<=", ">", ">=", "in", "not in", "is null", "is not null"]
Knob = int | str
"""A number written in, or the name of a draft parameter."""


class DatasetRole(BaseModel):
    """How the studio reads a dataset by default: the person, name, date and region columns."""

    alias: str
    person: str | None
    name: str | None
    date: str | None
    region: str | None
    persons: tuple[str, ...] = ()


#: the studio's defaults per canonical dataset; ``persons`` lists every person column (sampling)
ROLES: dict[str, DatasetRole] = {
    "persons": DatasetRole(
        alias="person",
        person="person_id",
        name="name",
        date="registered_on",
        region="region_code",
        persons=("person_id",),
    ),
    "marriage_events": DatasetRole(
        alias="marriage",
        person="husband_id",
        name="husband_name",
        date="event_date",
        region="office_region_code",
        persons=("husband_id", "wife_id"),
    ),
    "judgments": DatasetRole(
        alias="judgment",
        person="party_id",
        name="party_name",
        date="effective_date",
        region="court_region_code",
        persons=("party_id",),
    ),
    "deaths": DatasetRole(
        alias="death",
        person="person_id",
        name="name",
        date="death_date",
        region=None,
        persons=("person_id",),
    ),
    "travel_documents": DatasetRole(
        alias="travel_document",
        person="person_id",
        name="name",
        date="issued_on",
        region=None,
        persons=("person_id",),
    ),
    "border_crossings": DatasetRole(
        alias="crossing", person=None, name=None, date="crossed_at", region=None
    ),
    "pension_payments": DatasetRole(
        alias="pension",
        person="person_id",
        name="name",
        date="month",
        region=None,
        persons=("person_id",),
    ),
    "allowance_payments": DatasetRole(
        alias="allowance",
        person="person_id",
        name="name",
        date="month",
        region=None,
        persons=("person_id",),
    ),
    "driver_licenses": DatasetRole(
        alias="license",
        person="person_id",
        name="name",
        date="status_date",
        region=None,
        persons=("person_id",),
    ),
    "custody_records": DatasetRole(
        alias="custody",
        person="person_id",
        name="name",
        date="start_date",
        region=None,
        persons=("person_id",),
    ),
}


def _check_dataset(name: str) -> str:
    if name not in CONTRACT:
        raise ValueError(f"unknown dataset '{name}'; known: {', '.join(CONTRACT)}")
    return name


def _check_column(dataset: str, column: str | None, what: str) -> None:
    if column is not None and column not in CONTRACT[dataset].columns:
        raise ValueError(
            f"{what} '{column}' is not a field of {dataset}; fields: "
            + ", ".join(CONTRACT[dataset].columns)
        )


class Condition(BaseModel):
    """A test on one column of a record: ``status in [revoked, cancelled]``, ``cause = :cause``."""

    model_config = ConfigDict(extra="forbid")
    column: str
    op: Op = "="
    value: Any = None
    param: str | None = Field(default=None, description="Compare with this draft parameter.")

    @model_validator(mode="after")
    def _has_operand(self) -> Condition:
        unary = self.op in ("is null", "is not null")
        if unary and (self.value is not None or self.param):
            raise ValueError(f"'{self.op}' takes no value")
        if not unary and self.value is None and not self.param:
            raise ValueError(f"'{self.column} {self.op}' needs a value or a param")
        if self.op in ("in", "not in") and (self.param or not isinstance(self.value, list)):
            raise ValueError(f"'{self.op}' needs a list of values (not a parameter)")
        return self


class Base(BaseModel):
    """The record a clue is about (one per clue) and the columns that describe it."""

    model_config = ConfigDict(extra="forbid")
    dataset: str
    alias: str = Field(
        default="",
        pattern=r"^[a-z][a-z0-9_]*$",
        description="Prefix of the key column: <alias>_record_id.",
    )
    person: str = Field(default="", description="Column holding the person's resident ID.")
    name: str | None = Field(default=None, description="Column holding the person's name.")
    date: str = Field(default="", description="The date the blocks measure from.")
    region: str | None = Field(
        default=None, description="Region column for routing; empty: the ID's first six digits."
    )
    filters: list[Condition] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("dataset") in ROLES:
            role = ROLES[data["dataset"]]
            data = dict(data)
            for key in ("alias", "person", "name", "date", "region"):
                if data.get(key) in (None, "") and key in ("alias", "person", "date"):
                    data[key] = getattr(role, key) or ""
                elif key not in data:
                    data[key] = getattr(role, key)
        return data

    @model_validator(mode="after")
    def _columns(self) -> Base:
        _check_dataset(self.dataset)
        if not self.person:
            raise ValueError(f"{self.dataset} has no person column; start from another dataset")
        for what in ("person", "name", "date", "region"):
            _check_column(self.dataset, getattr(self, what), what)
        for c in self.filters:
            _check_column(self.dataset, c.column, "filter column")
        return self


class _Related(BaseModel):
    """A block that looks at records of another dataset about the same person."""

    model_config = ConfigDict(extra="forbid")
    dataset: str
    person: str = Field(default="", description="Its column holding the resident ID.")
    filters: list[Condition] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _person_default(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("person") and data.get("dataset") in ROLES:
            data = {**data, "person": ROLES[data["dataset"]].person or ""}
        return data

    @model_validator(mode="after")
    def _columns(self) -> _Related:
        _check_dataset(self.dataset)
        if not self.person:
            raise ValueError(f"{self.dataset} has no person column to match on")
        _check_column(self.dataset, self.person, "person")
        for c in self.filters:
            _check_column(self.dataset, c.column, "filter column")
        for what in ("date", "start", "end"):
            if hasattr(self, what):
                _check_column(self.dataset, getattr(self, what), what)
        return self

    @property
    def alias(self) -> str:
        return ROLES[self.dataset].alias if self.dataset in ROLES else self.dataset


class Match(_Related):
    """A record of ``dataset`` about the same person exists; the matches are cited."""

    kind: Literal["match"] = "match"


class NotExists(_Related):
    """No record of ``dataset`` (passing ``filters``) dated within ``days`` after the base date.

    Raised only once the window has closed (base date + days on or before the as-of date).
    """

    kind: Literal["not_exists"] = "not_exists"
    date: str = Field(description="Date column of the expected record.")
    days: Knob


class Overlap(_Related):
    """The base date falls inside a period ``start``–``end`` of ``dataset`` (no end: open)."""

    kind: Literal["overlap"] = "overlap"
    start: str
    end: str | None = None


class BeforeAfter(_Related):
    """A record of ``dataset`` dated ``direction`` the base date by at least ``min_days``."""

    kind: Literal["before_after"] = "before_after"
    date: str
    direction: Literal["before", "after"]
    min_days: Knob = 0
    max_days: Knob | None = None


class Count(_Related):
    """At least ``threshold`` records of ``dataset`` for the person within ``window_days``
    after the base date (the base record itself counts when it is of the same dataset)."""

    kind: Literal["count"] = "count"
    date: str
    window_days: Knob
    threshold: Knob


class SameIdentity(_Related):
    """A record of ``dataset`` with the same values of ``compare`` (base column → its column)
    under a different resident ID: one person, two identities."""

    kind: Literal["same_identity"] = "same_identity"
    compare: dict[str, str] = Field(min_length=1)

    @model_validator(mode="after")
    def _compared(self) -> SameIdentity:
        for theirs in self.compare.values():
            _check_column(self.dataset, theirs, "compared column")
        return self


Block = Annotated[
    Match | NotExists | Overlap | BeforeAfter | Count | SameIdentity, Field(discriminator="kind")
]
BLOCK_KINDS = ("match", "not_exists", "overlap", "before_after", "count", "same_identity")


class Draft(BaseModel):
    """A model under construction: base record, blocks, parameters and what the header says."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
    title: Text
    domain: Domain
    supervision_point: Text = Field(description="The rule in plain words.")
    legal_basis: list[str] = Field(min_length=1)
    owner: str = Field(default="150000", pattern=r"^\d{6}$")
    base: Base
    blocks: list[Block] = Field(default_factory=list)
    parameters: list[Parameter] = Field(default_factory=list)
    severity: Literal["high", "medium", "low"] = "medium"
    case: list[str] = Field(
        default_factory=list, description="The starting case: '<dataset>:<record_id>' refs."
    )
    sql: str | None = Field(
        default=None, description="Hand-edited SQL that replaces the one the blocks make."
    )
    version: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _knobs_declared(self) -> Draft:
        declared = {p.name: p for p in self.parameters}
        for i, block in enumerate(self.blocks, start=1):
            for knob in ("days", "min_days", "max_days", "window_days", "threshold"):
                value = getattr(block, knob, None)
                if isinstance(value, str):
                    if value not in declared:
                        raise ValueError(
                            f"block {i} ({block.kind}): {knob} names undeclared parameter '{value}'"
                        )
                    if declared[value].type != "int":
                        raise ValueError(f"block {i}: parameter '{value}' must be an int")
            if isinstance(block, SameIdentity):
                for mine in block.compare:
                    _check_column(self.base.dataset, mine, f"block {i} compared base column")
        for c in [*self.base.filters, *(f for b in self.blocks for f in b.filters)]:
            if c.param and c.param not in declared:
                raise ValueError(f"filter on '{c.column}' names undeclared parameter '{c.param}'")
        for ref in self.case:
            dataset, sep, record = ref.partition(":")
            if not sep or not record or dataset not in CONTRACT:
                raise ValueError(f"case record '{ref}' is not '<dataset>:<record_id>'")
        return self

    @property
    def datasets(self) -> list[str]:
        """Datasets the compiled model reads, base first."""
        out = [self.base.dataset]
        for b in self.blocks:
            if b.dataset not in out:
                out.append(b.dataset)
        return out

    @property
    def key_column(self) -> str:
        return f"{self.base.alias}_record_id"

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)
