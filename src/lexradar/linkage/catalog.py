"""The resolution views as a model sees them: names and column types, for checking model SQL.

A model may read ``person_keys``, ``persons_resolved`` and ``registration_pairs`` (see
:mod:`lexradar.linkage.views`) beside the canonical datasets, without listing them in its
header's ``datasets``: every engine provides them, resolved or with their fallback. This module
imports nothing heavy, so that loading models stays fast.
"""

from __future__ import annotations

from functools import cache

PERSON_KEYS: dict[str, str] = {
    "dataset": "VARCHAR",
    "record_id": "VARCHAR",
    "role": "VARCHAR",
    "recorded_id": "VARCHAR",
    "name": "VARCHAR",
    "person_key": "VARCHAR",
    "cluster_size": "BIGINT",
    "resolved": "BOOLEAN",
}

REGISTRATION_PAIRS: dict[str, str] = {
    "unique_id_l": "VARCHAR",
    "unique_id_r": "VARCHAR",
    "person_id_l": "VARCHAR",
    "person_id_r": "VARCHAR",
    "name_l": "VARCHAR",
    "name_r": "VARCHAR",
    "birth_date_l": "DATE",
    "birth_date_r": "DATE",
    "status_l": "VARCHAR",
    "status_r": "VARCHAR",
    "match_weight": "DOUBLE",
    "evidence_weight": "DOUBLE",
    "match_probability": "DOUBLE",
    "name_relation": "VARCHAR",
}


@cache
def resolution_views(persons: tuple[tuple[str, str], ...]) -> dict[str, dict[str, str]]:
    """``{view: {column: SQL type}}`` given the registry's columns as ``(name, type)`` pairs
    (``persons_resolved`` is every registry column plus the resolution's)."""
    resolved = dict(persons) | {
        "person_key": "VARCHAR",
        "registrations": "BIGINT",
        "active_registrations": "BIGINT",
    }
    return {
        "person_keys": dict(PERSON_KEYS),
        "persons_resolved": resolved,
        "registration_pairs": dict(REGISTRATION_PAIRS),
    }


VIEW_NAMES = ("person_keys", "persons_resolved", "registration_pairs")
"""What a model may read beside the canonical datasets."""
