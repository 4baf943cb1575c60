"""The synthetic population: households of couples and children, singles, twins, valid IDs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lexradar.normalize import region_code as rc
from lexradar.synth.ids import make_ids
from lexradar.synth.names import TWIN_NAMES, tables

DAY = np.timedelta64(1, "D")
YEAR_DAYS = 365.25

ETHNICITIES = np.array(["汉族", "蒙古族", "满族", "回族", "达斡尔族", "鄂温克族", "俄罗斯族"])
ETHNICITY_P = np.array([0.785, 0.17, 0.02, 0.012, 0.006, 0.005, 0.002])
MONGOL_AREA_SURNAMES = np.array(["包", "白", "鲍", "韩", "吴", "云", "宝"], dtype=object)


@dataclass
class Population:
    """Column arrays of the registry population, one entry per natural person."""

    pid: np.ndarray
    name: np.ndarray
    gender: np.ndarray
    birth: np.ndarray
    ethnicity: np.ndarray
    county: np.ndarray
    birth_county: np.ndarray
    id_region: np.ndarray
    address: np.ndarray
    household: np.ndarray
    registered_on: np.ndarray
    spouse: np.ndarray
    twin_of: np.ndarray
    single: np.ndarray

    @property
    def n(self) -> int:
        return len(self.pid)

    def age_at(self, day: np.datetime64) -> np.ndarray:
        lived: np.ndarray = day - self.birth  # a timedelta per person (numpy types a date)
        return (lived / DAY / YEAR_DAYS).astype(float)


def _years(rng: np.random.Generator, low: float, high: float, size: int) -> np.ndarray:
    return np.round(rng.uniform(low, high, size) * YEAR_DAYS).astype("timedelta64[D]")


def _ages(rng: np.random.Generator, size: int, low: int, high: int, knee: int) -> np.ndarray:
    ages = np.arange(low, high)
    w = np.where(ages <= knee, 1.0, (high - ages) / (high - knee))
    return rng.choice(ages, size=size, p=w / w.sum()) + rng.random(size)


def _han_names(
    rng: np.random.Generator, gender: np.ndarray, birth: np.ndarray, surnames: np.ndarray
) -> np.ndarray:
    t = tables()
    older = birth < np.datetime64("1975-01-01")
    out = np.empty(len(gender), dtype=object)
    for g, old, pool in (
        ("M", True, t.male_older),
        ("M", False, t.male_younger),
        ("F", True, t.female_older),
        ("F", False, t.female_younger),
    ):
        m = (gender == g) & (older == old)
        out[m] = pool[rng.integers(0, len(pool), m.sum())]
    return np.array([s + g for s, g in zip(surnames, out, strict=True)], dtype=object)


def _mongol_names(rng: np.random.Generator, gender: np.ndarray) -> np.ndarray:
    t = tables()
    out = np.empty(len(gender), dtype=object)
    for g, groups in (("M", t.mongol_male), ("F", t.mongol_female)):
        m = np.flatnonzero(gender == g)
        pick = rng.integers(0, len(groups), len(m))
        out[m] = [groups[i][0] for i in pick]
    return out


def build(
    rng: np.random.Generator, n: int, data_end: np.datetime64, min_singles: int
) -> Population:
    t = tables()
    counties = rc.current_counties("15")
    codes = np.array([c.code for c in counties])
    weight = np.array([c.population or 1.0 for c in counties], dtype=float)
    weight /= weight.sum()

    # couples and their children
    n_couples = int(n * 0.26)
    h_birth = data_end - np.round(_ages(rng, n_couples, 24, 96, 60) * YEAR_DAYS).astype(
        "timedelta64[D]"
    )
    w_birth = h_birth + np.round(rng.normal(2.0, 2.5, n_couples).clip(-6, 10) * YEAR_DAYS).astype(
        "timedelta64[D]"
    )
    too_young = w_birth > data_end - np.timedelta64(int(21 * YEAR_DAYS), "D")
    w_birth[too_young] = h_birth[too_young] + _years(rng, -4, 0, int(too_young.sum()))
    kids = rng.choice([0, 1, 2, 3], size=n_couples, p=[0.18, 0.42, 0.30, 0.10])
    twins = (kids > 0) & (rng.random(n_couples) < 0.015)
    kid_parent = np.repeat(np.arange(n_couples), kids)
    kid_birth = w_birth[kid_parent] + _years(rng, 21, 38, len(kid_parent))
    born = kid_birth < data_end - 30 * DAY
    # a twin shares the first child's birth date
    first_kid = np.r_[0, np.cumsum(kids)[:-1]]
    twin_src = first_kid[twins]
    twin_src = twin_src[born[twin_src]]
    kid_parent = np.r_[kid_parent[born], kid_parent[twin_src]]
    twin_partner = np.r_[np.full(born.sum(), -1), np.flatnonzero(born).searchsorted(twin_src)]
    kid_birth = np.r_[kid_birth[born], kid_birth[twin_src]]
    n_kids = len(kid_parent)
    while 2 * n_couples + n_kids > n - min_singles and n_couples > 0:  # room for singles
        n_couples = int(n_couples * 0.95)
        keep = kid_parent < n_couples
        remap = np.cumsum(keep) - 1
        twin_partner = np.where(
            (twin_partner >= 0) & keep[np.maximum(twin_partner, 0)],
            remap[np.maximum(twin_partner, 0)],
            -1,
        )[keep]
        kid_parent, kid_birth, n_kids = kid_parent[keep], kid_birth[keep], keep.sum()
        h_birth, w_birth = h_birth[:n_couples], w_birth[:n_couples]
    n_single = n - 2 * n_couples - n_kids
    s_age = np.where(
        rng.random(n_single) < 0.7, rng.uniform(18, 40, n_single), rng.uniform(40, 95, n_single)
    )
    s_birth = data_end - np.round(s_age * YEAR_DAYS).astype("timedelta64[D]")

    H, W, K, S = n_couples, n_couples, n_kids, n_single
    birth = np.r_[h_birth, w_birth, kid_birth, s_birth].astype("datetime64[D]")
    gender = np.r_[
        np.full(H, "M"), np.full(W, "F"), rng.choice(["M", "F"], K), rng.choice(["M", "F"], S)
    ]
    # twins of one pair share a gender more often than not
    kid0 = 2 * H
    tw = np.flatnonzero(twin_partner >= 0)
    same = rng.random(len(tw)) < 0.6
    gender[kid0 + tw[same]] = gender[kid0 + twin_partner[tw[same]]]

    household = np.r_[np.arange(H), np.arange(H), kid_parent, H + np.arange(S)]
    hh_county = rng.choice(codes, size=H + S, p=weight)
    county = hh_county[household]
    spouse = np.full(n, -1)
    spouse[:H] = np.arange(H) + H
    spouse[H : 2 * H] = np.arange(H)
    twin_of = np.full(n, -1)
    twin_of[kid0 + tw] = kid0 + twin_partner[tw]
    twin_of[kid0 + twin_partner[tw]] = kid0 + tw
    single = np.zeros(n, dtype=bool)
    single[2 * H + K :] = True

    # ethnicity: per household for families, per person for singles
    hh_eth = rng.choice(ETHNICITIES, size=H + S, p=ETHNICITY_P)
    ethnicity = hh_eth[household].astype(object)
    wife_han = rng.random(H) < 0.15
    ethnicity[H : 2 * H][wife_han] = "汉族"

    # names
    family_surname = rng.choice(t.surnames, size=H + S, p=t.surname_p)
    mongol_area = np.isin(hh_eth, ["蒙古族", "达斡尔族", "鄂温克族"])
    family_surname[mongol_area] = rng.choice(MONGOL_AREA_SURNAMES, mongol_area.sum())
    surname = family_surname[household]
    surname[H : 2 * H] = rng.choice(t.surnames, size=W, p=t.surname_p)  # wives keep their own
    name = _han_names(rng, gender, birth, surname)
    mongol_name = (ethnicity == "蒙古族") & (rng.random(n) < 0.85)
    name[mongol_name] = _mongol_names(rng, gender[mongol_name])
    russian = ethnicity == "俄罗斯族"
    for g, pool in (("M", t.dot_male), ("F", t.dot_female)):
        m = russian & (gender == g)
        name[m] = pool[rng.integers(0, len(pool), m.sum())]
    # twins: similar given names under the family surname
    for a in np.flatnonzero((twin_of >= 0) & (np.arange(n) < twin_of)):
        b = twin_of[a]
        pair = TWIN_NAMES[int(rng.integers(0, len(TWIN_NAMES)))]
        fam = surname[a] if not mongol_area[household[a]] else "包"
        name[a], name[b] = fam + pair[0], fam + pair[1]

    # birth county, region code in the ID (some old IDs keep a renumbered county's code)
    birth_county = county.copy()
    moved = rng.random(n) < 0.2
    birth_county[moved] = rng.choice(codes, size=moved.sum(), p=weight)
    id_region = birth_county.copy()
    old_of: dict[str, str] = {}
    for old, new in rc.renumbered().items():
        old_of.setdefault(new, old)
    has_old = np.isin(birth_county, list(old_of))
    keep_old = has_old & (birth < np.datetime64("1999-01-01")) & (rng.random(n) < 0.25)
    id_region[keep_old] = [old_of[c] for c in birth_county[keep_old]]

    pid = _assign_ids(rng, id_region, birth, gender)

    # addresses, one per household
    st = t.streets[rng.integers(0, len(t.streets), H + S)]
    num = rng.integers(1, 300, H + S)
    full = {c: rc.full_name(c) for c in codes}
    hh_address = np.array(
        [f"{full[c]}{s}{k}号" for c, s, k in zip(hh_county, st, num, strict=True)], dtype=object
    )
    address = hh_address[household]
    registered_on = np.where(
        birth_county == county,
        birth + rng.integers(3, 60, n) * DAY,
        birth
        + np.round((data_end - birth) / DAY * rng.uniform(0.2, 0.95, n)).astype("timedelta64[D]"),
    )
    return Population(
        pid=pid,
        name=name,
        gender=gender,
        birth=birth,
        ethnicity=ethnicity,
        county=county,
        birth_county=birth_county,
        id_region=id_region,
        address=address,
        household=household,
        registered_on=registered_on.astype("datetime64[D]"),
        spouse=spouse,
        twin_of=twin_of,
        single=single,
    )


def _assign_ids(
    rng: np.random.Generator, region: np.ndarray, birth: np.ndarray, gender: np.ndarray
) -> np.ndarray:
    """Valid unique IDs: sequence numbers ranked within (region, birth date, gender)."""
    n = len(region)
    order = np.lexsort((gender, birth, region))
    r, b, g = region[order], birth[order], gender[order]
    new_group = np.r_[True, (r[1:] != r[:-1]) | (b[1:] != b[:-1]) | (g[1:] != g[:-1])]
    group = np.cumsum(new_group) - 1
    starts = np.flatnonzero(new_group)
    rank = np.arange(n) - starts[group]
    offset = rng.integers(0, 300, len(starts))[group]
    seq_sorted = 2 * (offset + rank) + np.where(g == "M", 1, 2)
    seq = np.empty(n, dtype=np.int64)
    seq[order] = np.minimum(seq_sorted, 999)
    ids = make_ids(region, birth, seq)
    if len(np.unique(ids)) != n:
        raise RuntimeError("synthetic IDs collided; use a smaller population per county")
    return ids
