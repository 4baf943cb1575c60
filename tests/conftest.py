"""Shared fixtures: synthetic regions generated once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from lexradar.synth import SynthResult, generate


@pytest.fixture(scope="session")
def region(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """A small synthetic region (20,000 persons, seed 7)."""
    return generate(20_000, 7, tmp_path_factory.mktemp("region"))


@pytest.fixture(scope="session")
def regions_50k(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """Synthetic regions of 50,000 persons for seeds 1, 2 and 3."""
    out = {}
    for seed in (1, 2, 3):
        folder = tmp_path_factory.mktemp(f"region50k_s{seed}")
        generate(50_000, seed, folder)
        out[seed] = folder
    return out
