"""The data contract: the canonical datasets, one YAML file each under ``contract/``.

The YAML files are the single source of truth; Arrow schemas, DuckDB views, ``lexradar contract``
and ``docs/contract.md`` are all derived from them.
"""

from lexradar.datasets.contract_model import (
    CONTRACT,
    PROVENANCE,
    Dataset,
    DatasetField,
    dataset,
    render_markdown,
)

__all__ = ["CONTRACT", "PROVENANCE", "Dataset", "DatasetField", "dataset", "render_markdown"]
