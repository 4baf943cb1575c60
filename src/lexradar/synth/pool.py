"""The reserved persons plants are built from, and the defects a noisy record carries."""

from __future__ import annotations

import numpy as np

from lexradar.normalize import region_code as rc
from lexradar.synth.ids import old_form, typo
from lexradar.synth.names import variant
from lexradar.synth.world import World

YEAR = 365.25


def reserve(w: World, adults: int, elderly: int) -> None:
    """Set persons aside, untouched by the background, for the plants to use."""
    pop, rng = w.pop, w.rng
    age = pop.age_at(w.data_end)
    for lo, hi, k in ((22, 57, adults), (66, 85, elderly)):
        cand = np.flatnonzero(pop.single & (age >= lo) & (age < hi) & ~w.reserved)
        if len(cand) < k:
            raise RuntimeError(f"population too small to plant: {len(cand)} < {k} aged {lo}-{hi}")
        w.reserved[rng.choice(cand, k, replace=False)] = True


def pick(
    w: World,
    sex: str | None = None,
    age: tuple[float, float] = (22, 57),
    mongol: bool | None = None,
    old15: bool = False,
    year: int | None = None,
) -> int:
    """One unused reserved person matching the wishes (age at the end of the data)."""
    pop = w.pop
    a = pop.age_at(w.data_end)
    ok = w.reserved & ~w.used & (a >= age[0]) & (a < age[1])
    if sex:
        ok &= pop.gender == sex
    if year is not None:
        ok &= pop.birth.astype("datetime64[Y]").astype(int) + 1970 == year
    if mongol is not None:
        has_variant = np.array(
            [variant(n, np.random.default_rng(0)) is not None for n in pop.name[np.flatnonzero(ok)]]
        )
        sub = np.flatnonzero(ok)[has_variant == mongol]
        ok = np.zeros(pop.n, dtype=bool)
        ok[sub] = True
    if old15:
        ok &= np.isin(pop.id_region, _has_old()) & (pop.birth < np.datetime64("1985-01-01"))
    cand = np.flatnonzero(ok)
    if len(cand) == 0:
        if old15 or mongol:
            return pick(w, sex, age, None, False, year)
        raise RuntimeError(f"no reserved person left (sex={sex}, age={age}, year={year})")
    p = int(cand[int(w.rng.integers(0, len(cand)))])
    w.used[p] = True
    return p


def _has_old() -> list[str]:
    return sorted(set(rc.renumbered().values()))


def noisy(w: World, p: int, allow_name_only: bool = True) -> tuple[str, str, str]:
    """(recorded ID, recorded name, what is wrong) for a record that misstates person p."""
    pop, rng = w.pop, w.rng
    pid, name = str(pop.pid[p]), str(pop.name[p])
    alt = variant(name, rng)
    if alt is not None and allow_name_only and rng.random() < 0.3:
        return pid, alt, f"name written {alt} (registry {name})"
    olds = [o for o, new in rc.renumbered().items() if new == pid[:6]]
    if olds and pop.birth[p] < np.datetime64("1999-01-01") and rng.random() < 0.6:
        rec = old_form(pid, olds[0])
        out = rec, name, f"old 15-digit ID with renumbered county {olds[0]} (now {pid[:6]})"
    else:
        rec, how = typo(pid, rng)
        out = rec, name, f"ID typo: {how}"
    if alt is not None and rng.random() < 0.5:
        out = out[0], alt, out[2] + f"; name written {alt}"
    return out
