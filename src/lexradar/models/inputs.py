"""Which optional inputs a model relies on are missing from a lake.

A model declares in its header the optional fields its rule uses when an agency's export has
them (``inputs:``, :class:`lexradar.models.spec.OptionalInput`). A field is missing when the
lake's rows of its dataset hold no value in it — the column was not mapped, or the agency does
not record it. The run then goes on with the rule's fallback and says so: the run record lists
the missing fields, and the CLI prints what the rule does without each.
"""

from __future__ import annotations

from lexradar.engine.base import Engine, Step
from lexradar.models.spec import ModelSpec, OptionalInput


def missing_inputs(engine: Engine, spec: ModelSpec) -> list[OptionalInput]:
    """The optional inputs of ``spec`` that hold no value in ``engine``'s lake (a dataset with
    no rows at all is not reported: there is nothing to decide on)."""
    missing = []
    by_dataset: dict[str, list[OptionalInput]] = {}
    for i in spec.inputs:
        by_dataset.setdefault(i.dataset, []).append(i)
    for dataset, inputs in by_dataset.items():
        counts = ", ".join(f"count({i.column})" for i in inputs)
        table = engine.run(
            Step(f"optional inputs of {spec.id}", f"SELECT count(*), {counts} FROM {dataset}")
        )
        rows, *filled = (c[0].as_py() for c in table.columns)
        if rows:
            missing += [i for i, n in zip(inputs, filled, strict=True) if not n]
    return missing
