from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from lexradar.datasets import CONTRACT, PROVENANCE, dataset, render_markdown
from lexradar.errors import ContractError

DOCS = Path(__file__).parents[1] / "docs" / "contract.md"

DESIGN_MINIMUM = {
    "persons": "person_id name gender birth_date ethnicity region_code address registered_on "
    "status cancel_reason",
    "marriage_events": "cert_no event_type event_date office husband_id husband_name wife_id "
    "wife_name",
    "judgments": "case_no cause party_id party_name party_role judgment_date effective_date "
    "outcome term_months cited_cert_no court_region_code",
    "deaths": "person_id name death_date source",
    "travel_documents": "doc_no doc_type person_id name birth_date issued_on expires_on "
    "issuing_office",
    "border_crossings": "doc_no direction port crossed_at",
    "pension_payments": "person_id name month amount",
    "allowance_payments": "person_id name month amount",
    "driver_licenses": "person_id name license_class status status_date",
    "custody_records": "person_id name custody_type start_date end_date",
}


def test_docs_contract_is_generated_from_the_contract() -> None:
    assert DOCS.read_text(encoding="utf-8") == render_markdown(), (
        "docs/contract.md is stale: run `lexradar contract --markdown > docs/contract.md`"
    )


@pytest.mark.parametrize("name", sorted(DESIGN_MINIMUM))
def test_every_dataset_has_the_design_minimum_and_provenance(name: str) -> None:
    ds = dataset(name)
    for col in DESIGN_MINIMUM[name].split():
        assert col in ds.columns, f"{name} lacks {col}"
    for f in PROVENANCE:
        assert f.name in ds.columns
    assert all(f.doc.strip() for f in ds.all_fields), "every field is documented"


def test_dates_are_dates_and_ids_are_text() -> None:
    assert CONTRACT["persons"].schema().field("birth_date").type == pa.date32()
    assert CONTRACT["persons"].schema().field("person_id").type == pa.string()
    assert CONTRACT["border_crossings"].schema().field("crossed_at").type == pa.timestamp("us")
    assert pa.types.is_decimal(CONTRACT["pension_payments"].schema().field("amount").type)


def test_unknown_dataset_names_the_known_ones() -> None:
    with pytest.raises(ContractError, match=r"unknown dataset 'marriages'.*marriage_events"):
        dataset("marriages")


def test_ten_datasets_in_design_order() -> None:
    assert list(CONTRACT) == [
        "persons", "marriage_events", "judgments", "deaths", "travel_documents",
        "border_crossings", "pension_payments", "allowance_payments", "driver_licenses",
        "custody_records",
    ]  # fmt: skip
