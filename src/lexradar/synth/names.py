"""Names by frequency: Han names, Mongolian names with their spelling variants, dotted names."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import yaml


@dataclass(frozen=True)
class NameTables:
    surnames: np.ndarray
    surname_p: np.ndarray
    male_older: np.ndarray
    male_younger: np.ndarray
    female_older: np.ndarray
    female_younger: np.ndarray
    mongol_male: list[list[str]]
    mongol_female: list[list[str]]
    dot_male: np.ndarray
    dot_female: np.ndarray
    dot_variants: list[str]
    streets: np.ndarray
    communities: np.ndarray


@cache
def tables() -> NameTables:
    raw = yaml.safe_load(
        (resources.files("lexradar.synth") / "data" / "names.yaml").read_text(encoding="utf-8")
    )
    surnames = np.array(list(raw["han_surnames"]), dtype=object)
    weights = np.array(list(raw["han_surnames"].values()), dtype=float)
    return NameTables(
        surnames=surnames,
        surname_p=weights / weights.sum(),
        male_older=np.array(raw["han_given_male_older"], dtype=object),
        male_younger=np.array(raw["han_given_male_younger"], dtype=object),
        female_older=np.array(raw["han_given_female_older"], dtype=object),
        female_younger=np.array(raw["han_given_female_younger"], dtype=object),
        mongol_male=raw["mongolian_male"],
        mongol_female=raw["mongolian_female"],
        dot_male=np.array(raw["dot_names_male"], dtype=object),
        dot_female=np.array(raw["dot_names_female"], dtype=object),
        dot_variants=raw["dot_variants"],
        streets=np.array(raw["streets"], dtype=object),
        communities=np.array(raw["communities"], dtype=object),
    )


def variant(name: str, rng: np.random.Generator) -> str | None:
    """Another clerk's spelling of a Mongolian name or a dotted name, or None if it has none."""
    t = tables()
    if "·" in name:
        return name.replace("·", t.dot_variants[int(rng.integers(0, len(t.dot_variants)))])
    for group in (*t.mongol_male, *t.mongol_female):
        others = [g for g in group if g != name]
        if name in group and others:
            return others[int(rng.integers(0, len(others)))]
    return None


TWIN_NAMES = [
    ("浩然", "浩宇"),
    ("子轩", "子豪"),
    ("欣怡", "欣悦"),
    ("思琪", "思雨"),
    ("家豪", "家乐"),
    ("文博", "文轩"),
    ("雨欣", "雨涵"),
    ("一鸣", "一诺"),
    ("佳怡", "佳琪"),
    ("俊杰", "俊豪"),
]
