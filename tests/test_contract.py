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
    assert CONTRACT["persons"].arrow_schema().field("birth_date").type == pa.date32()
    assert CONTRACT["persons"].arrow_schema().field("person_id").type == pa.string()
    assert CONTRACT["border_crossings"].arrow_schema().field("crossed_at").type == pa.timestamp(
        "us"
    )
    assert pa.types.is_decimal(CONTRACT["pension_payments"].arrow_schema().field("amount").type)


def test_unknown_dataset_names_the_known_ones() -> None:
    with pytest.raises(ContractError, match=r"unknown dataset 'marriages'.*marriage_events"):
        dataset("marriages")


def test_ten_datasets_in_design_order() -> None:
    assert list(CONTRACT) == [
        "persons", "marriage_events", "judgments", "deaths", "travel_documents",
        "border_crossings", "pension_payments", "allowance_payments", "driver_licenses",
        "custody_records",
    ]  # fmt: skip


def test_every_field_of_every_dataset_has_a_known_value_type() -> None:
    from lexradar.normalize.types import TYPES

    for ds in CONTRACT.values():
        for f in ds.all_fields:
            assert f.value_type in TYPES, f"{ds.name}.{f.name}: {f.value_type!r}"
            assert f.type in TYPES[f.value_type].storage, f"{ds.name}.{f.name}"


def test_the_field_name_lists_agree_with_the_value_types() -> None:
    """Ingestion's sets of ID, name and certificate fields are the fields the contract types so
    (the sets ingestion had written by hand before the contract carried types), and every field
    the studio treats as a name is typed a name."""
    from lexradar.ingest.mapping import CERT_FIELDS, ID_FIELDS, NAME_FIELDS
    from lexradar.studio.masking import NAME_COLUMNS

    typed: dict[str, set[str]] = {}
    for ds in CONTRACT.values():
        for f in ds.fields:
            typed.setdefault(f.value_type, set()).add(f.name)
    assert typed["resident_id"] == set(ID_FIELDS) == {"person_id", "husband_id", "wife_id",
                                                      "party_id"}  # fmt: skip
    assert typed["name"] == set(NAME_FIELDS) == {"name", "husband_name", "wife_name", "party_name"}
    assert typed["cert_no"] == set(CERT_FIELDS) == {"cert_no", "prior_cert_no", "cited_cert_no"}
    contract_names = {f.name for ds in CONTRACT.values() for f in ds.fields}
    assert {c for c in NAME_COLUMNS if c in contract_names} <= typed["name"]
    assert typed["birth_date"] == {"birth_date"} and typed["address"] == {"address"}


def test_a_field_without_or_with_a_wrong_value_type_is_refused_naming_it() -> None:
    from lexradar.datasets.contract_model import DatasetField

    with pytest.raises(ValueError, match="value_type"):
        DatasetField.model_validate({"name": "x", "type": "string", "doc": "d"})
    with pytest.raises(ValueError, match="field 'x': unknown value type 'passport'"):
        DatasetField(name="x", type="string", value_type="passport", doc="d")
    with pytest.raises(ValueError, match="field 'x': a birth_date is stored as date, not string"):
        DatasetField(name="x", type="string", value_type="birth_date", doc="d")


def test_a_contract_file_with_an_unknown_value_type_names_file_and_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    from lexradar.datasets import contract_model

    bad = yaml.safe_load((Path(contract_model.__file__).parent / "contract" / "deaths.yaml")
                         .read_text(encoding="utf-8"))  # fmt: skip
    bad["fields"][1]["value_type"] = "nom"
    (tmp_path / "deaths.yaml").write_text(yaml.safe_dump(bad, allow_unicode=True), "utf-8")

    class Folder:
        def __truediv__(self, _: str) -> Path:
            return tmp_path

    monkeypatch.setattr(contract_model.resources, "files", lambda _: Folder())
    with pytest.raises(ContractError) as err:
        contract_model._load()
    assert "unknown value type 'nom'" in str(err.value)
    assert err.value.location.file == "deaths.yaml" and "fields.1" in str(err.value.location.field)
