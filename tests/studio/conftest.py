"""Studio fixtures: a studio in a temporary project, the traffic draft built from one case."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lexradar.engine import Engine
from lexradar.models.spec import Parameter, Text
from lexradar.studio.blocks import Draft, NotExists
from lexradar.studio.case import draft_from_case, parse_condition
from lexradar.studio.workspace import Studio
from lexradar.synth import SynthResult
from lexradar.synth.score import read_truth

AS_OF = dt.date(2026, 11, 28)
TRAFFIC = "traffic.license_not_revoked"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "spark: runs on the Spark backend (local[2]; needs PySpark and Java 17)"
    )


@pytest.fixture
def studio(tmp_path: Path) -> Studio:
    """An empty studio whose drafts compile into ``models/`` of a temporary project."""
    return Studio(tmp_path / "models", tmp_path / "studio")


def planted_case(region: SynthResult, model_id: str = TRAFFIC) -> list[str]:
    """The records of the first exact anomaly the generator planted for ``model_id``."""
    truth = read_truth(region.out / "truth.csv")
    first = next(t for t in truth if t.model_id == model_id and t.difficulty == "exact"
                 and t.kind == "planted")  # fmt: skip
    return sorted(first.refs, key=lambda r: not r.startswith("judgments:"))


def traffic_draft(engine: Engine, case: list[str]) -> Draft:
    """What a model builder does for traffic.license_not_revoked, as an API user.

    From the case (a dangerous-driving judgment and the licence still valid), keep the charge
    (as parameter ``cause``), the kind of case and the role of the accused; the case's licence
    makes a *match* block; add the element "no revocation of the licence within
    ``revoke_within_days`` days" as a *not exists* block.
    """
    draft = draft_from_case(
        engine, TRAFFIC, case, "administrative",
        keep=["cause", "case_kind", "party_role"], params={"cause": "cause"},
        title=Text(zh="醉驾入刑后驾驶证未吊销", en="Licence not revoked after drunk driving"),
        rule=Text(zh="危险驾驶罪判决生效后驾驶证未依法吊销",
                  en="the licence is still valid after a dangerous-driving conviction"),
        legal_basis=["《中华人民共和国道路交通安全法》第九十一条第二款"],
    )  # fmt: skip
    block = NotExists(
        dataset="driver_licenses",
        date="status_date",
        days="revoke_within_days",
        filters=[parse_condition("status in revoked,cancelled", "driver_licenses")],
    )
    days = Parameter(name="revoke_within_days", type="int", default=90, doc="Days to revoke.")
    return draft.model_copy(
        update={
            "blocks": [*draft.blocks, block],
            "parameters": [*draft.parameters, days],
            "severity": "high",
        }
    )
