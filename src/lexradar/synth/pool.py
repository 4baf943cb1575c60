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
    idx = np.flatnonzero(w.reserved)
    probe = np.random.default_rng(0)
    w.pool = _Pool(
        idx=idx,
        age=age[idx],
        gender=pop.gender[idx],
        year=pop.birth[idx].astype("datetime64[Y]").astype(int) + 1970,
        variant=np.array([variant(str(n), probe) is not None for n in pop.name[idx]]),
        old15=np.isin(pop.id_region[idx], _has_old())
        & (pop.birth[idx] < np.datetime64("1985-01-01")),
        free=np.ones(len(idx), dtype=bool),
    )


class _Pool:
    """Column arrays over the reserved persons only, so that picking stays cheap."""

    def __init__(self, **cols: np.ndarray) -> None:
        self.idx, self.age, self.gender = cols["idx"], cols["age"], cols["gender"]
        self.year, self.variant, self.old15 = cols["year"], cols["variant"], cols["old15"]
        self.free = cols["free"]


def pick(
    w: World,
    sex: str | None = None,
    age: tuple[float, float] = (22, 57),
    mongol: bool | None = None,
    old15: bool = False,
    year: int | None = None,
) -> int:
    """One unused reserved person matching the wishes (age at the end of the data)."""
    pool: _Pool = w.pool
    ok = pool.free & (pool.age >= age[0]) & (pool.age < age[1])
    if sex:
        ok &= pool.gender == sex
    if year is not None:
        ok &= pool.year == year
    if mongol is not None:
        ok &= pool.variant == mongol
    if old15:
        ok &= pool.old15
    cand = np.flatnonzero(ok)
    if len(cand) == 0:
        if old15 or mongol:
            return pick(w, sex, age, None, False, year)
        raise RuntimeError(f"no reserved person left (sex={sex}, age={age}, year={year})")
    k = int(cand[int(w.rng.integers(0, len(cand)))])
    pool.free[k] = False
    p = int(pool.idx[k])
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
