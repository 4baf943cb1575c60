"""The clean background: everyday records of the population, with no anomaly in them.

Every rule of the model catalogue holds here by construction: marriages end before the next
one starts, custody follows every prison sentence, licences are revoked after drink-driving
convictions, payments stop at death and pause in custody, people under correction stay home.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from lexradar.synth.world import DAY, DayLike, World, as_day

YEAR = 365.25
JUDGMENTS_FROM = np.datetime64("2014-01-01")
REGISTRY_FROM = np.datetime64("1990-01-01")

CRIMES = {
    # cause: (per 1,000 persons, kind of penalty mix)
    "盗窃罪": (2.0, "prison"),
    "故意伤害罪": (1.0, "prison"),
    "诈骗罪": (0.7, "prison"),
    "开设赌场罪": (0.3, "prison"),
    "交通肇事罪": (0.3, "traffic"),
    "危险驾驶罪": (2.5, "drunk"),
}
CIVIL = {"民间借贷纠纷": 4.0, "买卖合同纠纷": 2.0, "劳动争议": 1.5, "机动车交通事故责任纠纷": 1.5}
PORTS = np.array(
    [
        "二连浩特口岸",
        "满洲里口岸",
        "呼和浩特白塔国际机场口岸",
        "策克口岸",
        "甘其毛都口岸",
        "北京首都国际机场口岸",
    ],
    dtype=object,
)


def days(rng: np.random.Generator, low: float, high: float, size: int) -> np.ndarray:
    return rng.integers(int(low), int(high) + 1, size) * DAY


def years(rng: np.random.Generator, low: float, high: float, size: int) -> np.ndarray:
    return np.round(rng.uniform(low, high, size) * YEAR).astype("timedelta64[D]")


def add_months(day: np.ndarray, months: np.ndarray) -> np.ndarray:
    m = day.astype("datetime64[M]") + months.astype("timedelta64[M]")
    offset = day - day.astype("datetime64[M]").astype("datetime64[D]")
    out: np.ndarray = m.astype("datetime64[D]") + offset
    return out


def cert_no(w: World, kind: str, region: str, day: np.datetime64) -> str:
    return f"{kind}{region}-{str(day)[:4]}-{w.serial(kind + region):06d}"


def case_no(w: World, region: str, day: np.datetime64, kind: str) -> str:
    year = str(day)[:4]
    return f"({year})蒙{region[2:]}{kind}{w.serial(region + year + kind)}号"


def court_of(w: World, region: str) -> str:
    return f"{w.county_name(region)}人民法院"


def available(w: World, mask: np.ndarray) -> np.ndarray:
    return np.flatnonzero(mask & ~w.reserved)


# ------------------------------------------------------------------ marriages
def marriages(w: World) -> None:
    pop, rng, end = w.pop, w.rng, w.data_end
    husbands = np.flatnonzero((pop.spouse >= 0) & (pop.gender == "M") & ~pop.single)
    husbands = husbands[~w.reserved[husbands]]
    wives = pop.spouse[husbands]
    start = np.maximum(
        pop.birth[husbands] + years(rng, 22, 22, len(husbands)),
        pop.birth[wives] + years(rng, 20, 20, len(husbands)),
    )
    wed = start + years(rng, 0, 8, len(husbands))
    recorded = (wed >= REGISTRY_FROM) & (wed <= end - 60 * DAY)
    h, wf, wed = husbands[recorded], wives[recorded], wed[recorded]
    region = pop.county[h]
    rows = _marriage_rows(w, "marriage", h, wf, wed, region)
    certs = rows["cert_no"]
    w.background_certs = [str(c) for c in certs[: min(len(certs), 5000)]]
    w.touch(h, wed)
    w.touch(wf, wed)

    # divorces: registry or court; some remarry afterwards
    n = len(h)
    divorcing = rng.random(n) < 0.12
    dday = wed + years(rng, 1, 15, n)
    divorcing &= dday <= end - 200 * DAY
    court = divorcing & (rng.random(n) < 0.3) & (dday >= JUDGMENTS_FROM)
    registry = divorcing & ~court
    free = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    ri = np.flatnonzero(registry)
    _marriage_rows(w, "divorce", h[ri], wf[ri], dday[ri], region[ri], prior=certs[ri])
    free[ri] = dday[ri]
    for i in np.flatnonzero(court):
        eff = court_divorce(w, h[i], wf[i], dday[i], certs[i], region[i], granted=True)
        free[i] = eff
    w.touch(h[divorcing], free[divorcing])
    w.touch(wf[divorcing], free[divorcing])
    # suits that fail: the marriage goes on
    denied = np.flatnonzero(
        ~divorcing & (rng.random(n) < 0.02) & (dday >= JUDGMENTS_FROM) & (dday <= end - 200 * DAY)
    )
    for i in denied:
        court_divorce(w, h[i], wf[i], dday[i], certs[i], region[i], granted=False)

    # remarriage of divorced men and women, paired at random
    men = np.flatnonzero(divorcing & (rng.random(n) < 0.45))
    women = np.flatnonzero(divorcing & (rng.random(n) < 0.45))
    rng.shuffle(women)
    k = min(len(men), len(women))
    men, women = men[:k], women[:k]
    ok = h[men] != h[women]
    men, women = men[ok], women[ok]
    new_day = np.maximum(free[men], free[women]) + days(rng, 60, 4 * 365, len(men))
    ok = new_day <= end - 60 * DAY
    men, women, new_day = men[ok], women[ok], new_day[ok]
    _marriage_rows(w, "marriage", h[men], wf[women], new_day, region[men])
    w.touch(h[men], new_day)
    w.touch(wf[women], new_day)

    # certificate reissues
    re = np.flatnonzero(~divorcing & (rng.random(n) < 0.03))
    rday = wed[re] + years(rng, 1, 20, len(re))
    ok = rday <= end - 30 * DAY
    re, rday = re[ok], rday[ok]
    _marriage_rows(w, "reissue", h[re], wf[re], rday, region[re], prior=certs[re])
    w.touch(h[re], rday)
    w.touch(wf[re], rday)


def _marriage_rows(
    w: World,
    kind: str,
    h: np.ndarray,
    wf: np.ndarray,
    day: np.ndarray,
    region: np.ndarray,
    prior: ArrayLike | None = None,
    h_id: ArrayLike | None = None,
    wf_id: ArrayLike | None = None,
    h_name: ArrayLike | None = None,
    wf_name: ArrayLike | None = None,
) -> dict[str, np.ndarray]:
    pop = w.pop
    letter = {"marriage": "J", "divorce": "L", "reissue": "BJ"}[kind]
    certs = np.array(
        [cert_no(w, letter, r, d) for r, d in zip(region, day, strict=True)], dtype=object
    )
    idx = w.tables["marriage_events"].add(
        cert_no=certs,
        event_type=np.full(len(h), kind, dtype=object),
        event_date=np.asarray(day, dtype="datetime64[D]"),
        office=np.array([f"{w.county_name(r)}民政局婚姻登记处" for r in region], dtype=object),
        office_region_code=np.asarray(region, dtype=object),
        husband_id=pop.pid[h] if h_id is None else np.asarray(h_id, dtype=object),
        husband_name=pop.name[h] if h_name is None else np.asarray(h_name, dtype=object),
        wife_id=pop.pid[wf] if wf_id is None else np.asarray(wf_id, dtype=object),
        wife_name=pop.name[wf] if wf_name is None else np.asarray(wf_name, dtype=object),
        prior_cert_no=None if prior is None else np.asarray(prior, dtype=object),
    )
    return {"cert_no": certs, "row": idx}


def court_divorce(
    w: World,
    a: int,
    b: int,
    day: DayLike,
    cert: str,
    region: str,
    granted: bool,
    cite: str | None = None,
    ids: tuple[str, str] | None = None,
) -> np.datetime64:
    """A divorce suit between a (plaintiff) and b; returns the effective date."""
    rng, pop = w.rng, w.pop
    day = as_day(day)
    eff = day + int(rng.integers(15, 31)) * DAY
    no = case_no(w, region, day, "民初")
    outcome = "divorce_granted" if granted else "divorce_denied"
    for k, (p, role) in enumerate(((a, "plaintiff"), (b, "defendant"))):
        w.tables["judgments"].add_one(
            case_no=no,
            cause="离婚纠纷",
            case_kind="civil",
            party_id=pop.pid[p] if ids is None else ids[k],
            party_name=pop.name[p],
            party_role=role,
            party_appeared=True,
            judgment_date=day,
            effective_date=eff,
            outcome=outcome,
            cited_cert_no=cert if cite is None else cite,
            court=court_of(w, region),
            court_region_code=region,
        )
    w.touch(np.array([a, b]), eff)
    return eff


# ------------------------------------------------------------------ crimes and custody
def crimes(w: World) -> None:
    pop, rng, end = w.pop, w.rng, w.data_end
    age = pop.age_at(end)
    pool = available(w, (age >= 20) & (age <= 75))
    rng.shuffle(pool)
    used = 0
    for cause, (rate, mix) in CRIMES.items():
        k = int(pop.n * rate / 1000)
        people, used = pool[used : used + k], used + k
        for p in people:
            lo = max(JUDGMENTS_FROM, pop.birth[p] + np.timedelta64(int(19 * YEAR), "D"))
            day = w.date(lo, end - 200 * DAY)
            criminal_case(w, int(p), cause, mix, day)


def criminal_case(
    w: World,
    p: int,
    cause: str,
    mix: str,
    day: np.datetime64,
    outcome: str | None = None,
    term: int | None = None,
    custody: str | None = "auto",
    party_id: str | None = None,
) -> dict[str, Any]:
    """A criminal judgment for p and, unless told otherwise, its execution."""
    rng, pop = w.rng, w.pop
    region = pop.county[p]
    r = rng.random()
    if outcome is None:
        if mix == "drunk":
            outcome = "criminal_detention" if r < 0.65 else "probation"
        elif mix == "traffic":
            outcome = "imprisonment" if r < 0.4 else "probation"
        else:
            outcome = "imprisonment" if r < 0.55 else ("probation" if r < 0.9 else "fine")
    sentence = None
    if term is None:
        if outcome == "imprisonment":
            term = int(rng.integers(6, 61))
        elif outcome == "criminal_detention":
            term = int(rng.integers(1, 7))
        elif outcome == "probation":
            sentence = int(rng.integers(1, 7)) if mix == "drunk" else int(rng.integers(6, 37))
            term = (
                int(rng.integers(2, 13)) if mix == "drunk" else sentence + int(rng.integers(0, 25))
            )
    eff = day + int(rng.integers(10, 25)) * DAY
    no = case_no(w, region, day, "刑初")
    row = w.tables["judgments"].add_one(
        case_no=no,
        cause=cause,
        case_kind="criminal",
        party_id=pop.pid[p] if party_id is None else party_id,
        party_name=pop.name[p],
        party_role="accused",
        party_appeared=True,
        judgment_date=day,
        effective_date=eff,
        outcome=outcome,
        term_months=term,
        sentence_months=sentence,
        court=court_of(w, region),
        court_region_code=region,
    )
    w.touch(p, eff)
    out = {
        "row": row,
        "case_no": no,
        "effective": eff,
        "outcome": outcome,
        "term": term,
        "custody_row": None,
    }
    if custody == "auto":
        custody = {
            "imprisonment": "prison" if rng.random() < 0.95 else "temporary_outside",
            "criminal_detention": "detention",
            "probation": "community_correction",
        }.get(outcome)
    if custody is not None and term:
        start = eff + int(rng.integers(0, 31 if custody != "detention" else 11)) * DAY
        out.update(custody_record(w, p, custody, start, term, no))
    if mix in ("drunk", "traffic"):
        out["license_row"] = revoke_after(w, p, eff, int(rng.integers(5, 61)))
    return out


def custody_record(
    w: World,
    p: int,
    kind: str,
    start: DayLike,
    months: int,
    case: str,
    person_id: str | None = None,
) -> dict[str, Any]:
    pop = w.pop
    start = as_day(start)
    end = add_months(np.array([start]), np.array([months]))[0] - DAY
    institution = {
        "prison": "内蒙古自治区第一监狱" if w.rng.random() < 0.5 else "呼和浩特第二监狱",
        "detention": f"{w.county_name(pop.county[p])}看守所",
        "temporary_outside": f"{w.county_name(pop.county[p])}司法局",
        "community_correction": f"{w.county_name(pop.county[p])}司法局社区矫正中心",
    }[kind]
    row = w.tables["custody_records"].add_one(
        person_id=pop.pid[p] if person_id is None else person_id,
        name=pop.name[p],
        custody_type=kind,
        start_date=start,
        end_date=end if end <= w.data_end else None,
        institution=institution,
        case_no=case,
    )
    w.custody_start[p], w.custody_end[p], w.custody_type[p] = start, end, kind
    w.touch(p, min(end, w.data_end))
    return {"custody_row": row, "custody_start": start, "custody_end": end}


def revoke_after(
    w: World,
    p: int,
    eff: np.datetime64,
    after_days: int,
    status: str = "revoked",
    person_id: str | None = None,
) -> int:
    """A licence for p, revoked (or left valid) ``after_days`` after the judgment took effect."""
    pop, rng = w.pop, w.rng
    issued = max(
        pop.birth[p] + np.timedelta64(int(18.2 * YEAR), "D"),
        eff - int(rng.integers(400, 7000)) * DAY,
    )
    issued = min(issued, eff - 60 * DAY)  # licensed before the offence
    w.has_license[p] = True
    return w.tables["driver_licenses"].add_one(
        license_no=f"15{w.serial('license'):010d}",
        person_id=pop.pid[p] if person_id is None else person_id,
        name=pop.name[p],
        license_class="C1",
        issued_on=issued,
        status=status,
        status_date=eff + after_days * DAY if status != "valid" else issued,
    )


def civil_suits(w: World) -> None:
    pop, rng, end = w.pop, w.rng, w.data_end
    age = pop.age_at(end)
    pool = available(w, (age >= 22) & (age <= 80))
    rng.shuffle(pool)
    used = 0
    for cause, rate in CIVIL.items():
        k = int(pop.n * rate / 1000)
        plaintiffs, used = pool[used : used + k], used + k
        defendants, used = pool[used : used + k], used + k
        for a, b in zip(plaintiffs, defendants, strict=True):
            lo = max(
                JUDGMENTS_FROM,
                pop.birth[a] + np.timedelta64(int(22 * YEAR), "D"),
                pop.birth[b] + np.timedelta64(int(22 * YEAR), "D"),
            )
            civil_case(
                w,
                int(a),
                int(b),
                cause,
                w.date(lo, end - 200 * DAY),
                appeared=bool(rng.random() < 0.85),
            )


def civil_case(
    w: World,
    a: int,
    b: int,
    cause: str,
    day: DayLike,
    appeared: bool = True,
    a_id: str | None = None,
    a_name: str | None = None,
) -> int:
    """A civil suit of a against b; returns the plaintiff's judgments row."""
    pop, rng = w.pop, w.rng
    day = as_day(day)
    region = pop.county[a]
    no = case_no(w, region, day, "民初")
    eff = day + int(rng.integers(15, 31)) * DAY
    won = "plaintiff_won" if rng.random() < 0.8 or not appeared else "plaintiff_lost"
    amount = float(rng.integers(5, 500)) * 1000.0
    rows: list[int] = []
    parties = ((a, "plaintiff", a_id, a_name, True), (b, "defendant", None, None, appeared))
    for p, role, pid, pname, came in parties:
        rows.append(
            w.tables["judgments"].add_one(
                case_no=no,
                cause=cause,
                case_kind="civil",
                party_id=pop.pid[p] if pid is None else pid,
                party_name=pop.name[p] if pname is None else pname,
                party_role=role,
                party_appeared=came,
                judgment_date=day,
                effective_date=eff,
                outcome=won,
                claim_amount=amount,
                court=court_of(w, region),
                court_region_code=region,
            )
        )
    w.touch(np.array([a, b]), eff)
    return rows[0]


# ------------------------------------------------------------------ deaths and the registry
def deaths(w: World) -> None:
    pop, rng, end = w.pop, w.rng, w.data_end
    age = pop.age_at(end)
    p_dead = np.clip((age - 55) / 45, 0, 0.85) * 0.55
    dead = available(w, rng.random(pop.n) < p_dead)
    lo = np.maximum.reduce(
        [
            np.full(len(dead), np.datetime64("2000-01-01")),
            pop.birth[dead] + np.timedelta64(int(50 * YEAR), "D"),
            w.last_event[dead] + 30 * DAY,
        ]
    )
    # no death during an ongoing custody (kept simple: after its end)
    ce = w.custody_end[dead]
    lo = np.where(~np.isnat(ce), np.maximum(lo, ce + DAY), lo)
    hi = end - DAY
    ok = lo < hi
    dead, lo = dead[ok], lo[ok]
    span = ((hi - lo) / DAY).astype(np.int64)
    day = lo + (rng.random(len(dead)) * span).astype(np.int64) * DAY
    w.death[dead] = day
    add_death_records(w, dead, day)


def add_death_records(
    w: World, people: np.ndarray, day: np.ndarray, ids: np.ndarray | None = None
) -> np.ndarray:
    pop, rng = w.pop, w.rng
    source = rng.choice(
        ["cremation", "medical_certificate", "police"], len(people), p=[0.5, 0.35, 0.15]
    )
    return w.tables["deaths"].add(
        person_id=pop.pid[people] if ids is None else ids,
        name=pop.name[people],
        death_date=np.asarray(day, dtype="datetime64[D]"),
        source=source.astype(object),
    )


def registry(w: World, unreported: np.ndarray) -> None:
    """persons: every registration; deaths cancel it unless the death went unreported."""
    pop, rng = w.pop, w.rng
    dead = ~np.isnat(w.death)
    dead[unreported] = False
    cancelled_on = np.where(dead, w.death + rng.integers(3, 90, pop.n) * DAY, np.datetime64("NaT"))
    cancelled_on = np.where(cancelled_on > w.data_end, w.data_end, cancelled_on)
    w.tables["persons"].add(
        person_id=pop.pid,
        name=pop.name,
        gender=pop.gender.astype(object),
        birth_date=pop.birth,
        ethnicity=pop.ethnicity,
        region_code=pop.county.astype(object),
        address=pop.address,
        household_id=np.char.add("H", np.char.zfill(pop.household.astype("U9"), 9)).astype(object),
        registered_on=pop.registered_on,
        status=np.where(dead, "cancelled", "active").astype(object),
        cancel_reason=np.where(dead, "death", np.array(None, dtype=object)).astype(object),
        cancelled_on=cancelled_on.astype("datetime64[D]"),
    )


# ------------------------------------------------------------------ travel
def travel(w: World) -> None:
    pop, rng, end = w.pop, w.rng, w.data_end
    age = pop.age_at(end)
    holders = available(w, (age >= 20) & (rng.random(pop.n) < 0.10))
    lo = np.maximum(
        np.datetime64("2012-01-01"), pop.birth[holders] + np.timedelta64(int(18 * YEAR), "D")
    )
    hi = np.where(np.isnat(w.death[holders]), end, w.death[holders]) - 200 * DAY
    ok = lo < hi
    holders, lo, hi = holders[ok], lo[ok], hi[ok]
    issued = lo + (rng.random(len(holders)) * ((hi - lo) / DAY)).astype(np.int64) * DAY
    passport = rng.random(len(holders)) < 0.7
    doc_no = np.array(
        [("E" if p else "C") + f"{w.serial('doc'):08d}" for p in passport], dtype=object
    )
    add_documents(w, holders, doc_no, issued, passport)
    # trips: an exit, then an entry 3-30 days later, never overlapping custody or after death
    n_trips = np.minimum(rng.poisson(1.5, len(holders)), 6)
    owner = np.repeat(np.arange(len(holders)), n_trips)
    p = holders[owner]
    last = (
        np.minimum(
            issued[owner] + np.timedelta64(3650, "D"),
            np.where(np.isnat(w.death[p]), end, w.death[p]),
        )
        - 40 * DAY
    )
    span = ((last - issued[owner]) / DAY).astype(np.int64)
    exit_day = issued[owner] + (rng.random(len(p)) * np.maximum(span, 1)).astype(np.int64) * DAY
    back = exit_day + rng.integers(3, 31, len(p)) * DAY
    cs, ce = w.custody_start[p], w.custody_end[p]
    clash = ~np.isnat(cs) & (exit_day <= ce + 30 * DAY) & (back >= cs - 30 * DAY)
    keep = (span > 0) & ~clash
    add_trips(w, doc_no[owner][keep], exit_day[keep], back[keep])


def add_documents(
    w: World,
    holders: np.ndarray,
    doc_no: ArrayLike,
    issued: ArrayLike,
    passport: ArrayLike,
    ids: ArrayLike | None = None,
    names: ArrayLike | None = None,
) -> np.ndarray:
    pop = w.pop
    return w.tables["travel_documents"].add(
        doc_no=doc_no,
        doc_type=np.where(passport, "passport", "hk_macao_permit").astype(object),
        person_id=pop.pid[holders] if ids is None else ids,
        name=pop.name[holders] if names is None else names,
        birth_date=pop.birth[holders],
        issued_on=np.asarray(issued, dtype="datetime64[D]"),
        expires_on=(np.asarray(issued, dtype="datetime64[D]") + np.timedelta64(3652, "D")),
        issuing_office=np.array(
            [f"{w.county_name(pop.county[h])[:8]}公安局出入境管理大队" for h in holders],
            dtype=object,
        ),
    )


def add_trips(
    w: World, docs: np.ndarray, exit_day: ArrayLike, back: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    rng = w.rng
    n = len(docs)
    port = PORTS[rng.integers(0, len(PORTS), n)]
    t = w.tables["border_crossings"]

    def secs() -> np.ndarray:
        return rng.integers(6 * 3600, 22 * 3600, n).astype("timedelta64[s]")

    out = t.add(
        doc_no=docs,
        direction=np.full(n, "exit", dtype=object),
        port=port,
        crossed_at=(np.asarray(exit_day, "datetime64[D]").astype("datetime64[s]") + secs()),
    )
    back_rows = t.add(
        doc_no=docs,
        direction=np.full(n, "entry", dtype=object),
        port=port,
        crossed_at=(np.asarray(back, "datetime64[D]").astype("datetime64[s]") + secs()),
    )
    return out, back_rows


# ------------------------------------------------------------------ licences
def licenses(w: World) -> None:
    pop, rng, end = w.pop, w.rng, w.data_end
    age = pop.age_at(end)
    holders = available(w, (age >= 19) & (age <= 75) & ~w.has_license & (rng.random(pop.n) < 0.35))
    issued = pop.birth[holders] + years(rng, 18.2, 40, len(holders))
    ok = issued < end - 30 * DAY
    holders, issued = holders[ok], issued[ok]
    dead = ~np.isnat(w.death[holders])
    cancel_day = w.death[holders] + rng.integers(30, 200, len(holders)) * DAY
    cancelled = dead & (cancel_day <= end)
    cls = rng.choice(["C1", "C1", "C1", "C2", "B2", "A2", "A1"], len(holders))
    w.tables["driver_licenses"].add(
        license_no=np.array([f"15{w.serial('license'):010d}" for _ in holders], dtype=object),
        person_id=pop.pid[holders],
        name=pop.name[holders],
        license_class=cls.astype(object),
        issued_on=issued,
        status=np.where(cancelled, "cancelled", "valid").astype(object),
        status_date=np.where(cancelled, cancel_day, issued).astype("datetime64[D]"),
    )
    w.has_license[holders] = True


# ------------------------------------------------------------------ payments
def window(w: World) -> np.ndarray:
    """Months covered by the payment datasets: the last three calendar years of data."""
    last = w.data_end.astype("datetime64[M]")
    first = np.datetime64(f"{int(str(w.data_end)[:4]) - 2}-01", "M")
    return np.arange(first, last + 1)


def _custody_months(
    w: World, people: np.ndarray, months: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(months overlapping prison/detention, months overlapping correction or outside execution)."""
    cs, ce, kind = w.custody_start[people], w.custody_end[people], w.custody_type[people]
    m0 = months.astype("datetime64[D]")[None, :]
    m1 = (months + 1).astype("datetime64[D]")[None, :] - DAY
    overlap = (~np.isnat(cs))[:, None] & (m0 <= ce[:, None]) & (m1 >= cs[:, None])
    locked = np.isin(kind, ["prison", "detention"])[:, None] & overlap
    # probation and temporary execution outside prison: paid, but without the yearly raise
    corr = np.isin(kind, ["community_correction", "temporary_outside"])[:, None] & overlap
    return locked, corr


def pensions(w: World, chunk: int = 50_000) -> None:
    pop, rng, end = w.pop, w.rng, w.data_end
    months = window(w)
    retire_age = np.where(pop.gender == "M", 60, 55)
    retire = pop.birth + np.round(retire_age * YEAR).astype("timedelta64[D]")
    alive_then = np.isnat(w.death) | (w.death >= months[0].astype("datetime64[D]"))
    people = available(w, (retire <= end) & alive_then & (rng.random(pop.n) < 0.7))
    urban = rng.random(pop.n) < 0.55
    base = np.where(urban, rng.integers(1800, 4800, pop.n), rng.integers(160, 420, pop.n))
    for lo in range(0, len(people), chunk):
        pay_months(
            w, "pension_payments", people[lo : lo + chunk], months, retire, base, raise_rate=0.03
        )
        if w.tables["pension_payments"].pending > 2_000_000:
            w.tables["pension_payments"].flush(w.lake)


def allowances(w: World) -> None:
    pop, rng = w.pop, w.rng
    months = window(w)
    people = available(w, (pop.age_at(w.data_end) >= 16) & (rng.random(pop.n) < 0.03))
    first = rng.integers(0, len(months), len(people))
    length = rng.integers(6, 37, len(people))
    start = np.full(pop.n, np.datetime64("NaT"), dtype="datetime64[D]")
    start[people] = months[first].astype("datetime64[D]")
    stop = np.minimum(first + length, len(months)) - 1
    base = rng.integers(480, 860, pop.n)
    pay_months(
        w, "allowance_payments", people, months, start, base, raise_rate=0.0, last=months[stop]
    )


def pay_months(
    w: World,
    name: str,
    people: np.ndarray,
    months: np.ndarray,
    start: np.ndarray,
    base: np.ndarray,
    raise_rate: float,
    last: np.ndarray | None = None,
) -> None:
    start_m = start[people].astype("datetime64[M]")
    end_m = np.where(np.isnat(w.death[people]), months[-1], w.death[people].astype("datetime64[M]"))
    if last is not None:
        end_m = np.minimum(end_m, last)
    on = (months[None, :] >= start_m[:, None]) & (months[None, :] <= end_m[:, None])
    locked, corr = _custody_months(w, people, months)
    on &= ~locked
    year = months.astype("datetime64[Y]").astype(int) + 1970
    y0 = year[0]
    freeze = w.custody_start[people].astype("datetime64[Y]").astype(int) + 1970
    eff_year = np.where(corr, np.minimum(year[None, :], freeze[:, None]), year[None, :])
    amount = base[people][:, None] * (1 + raise_rate) ** (eff_year - y0)
    pi, mi = np.nonzero(on)
    who = people[pi]
    w.tables[name].add(
        person_id=w.pop.pid[who],
        name=w.pop.name[who],
        month=months[mi].astype("datetime64[D]"),
        amount=np.round(amount[pi, mi], 2),
    )
