"""Planted anomalies, one function per model of the catalogue, each with its negative controls.

Each plant builds a whole story from reserved persons, so that it holds exactly the anomaly it
records in the answer key. ``noisy`` plants misstate the person in the record that reveals the
anomaly (an ID typo, an old 15-digit ID with a renumbered county, a transliteration variant).
"""

from __future__ import annotations

from typing import Any, SupportsInt

import numpy as np

from lexradar.synth import background as bg
from lexradar.synth.pool import noisy, pick
from lexradar.synth.table import ref
from lexradar.synth.world import DAY, DayLike, World, as_day

YEAR = np.timedelta64(365, "D")
Counts = tuple[int, int, int]  # exact, noisy, controls of each kind


def _years_after(w: World, day: DayLike, low: float, high: float) -> np.datetime64:
    return as_day(day) + int(w.rng.integers(int(low * 365), int(high * 365) + 1)) * DAY


def _marry(
    w: World,
    h: int,
    wf: int,
    day: DayLike,
    h_id: str | None = None,
    h_name: str | None = None,
    wf_id: str | None = None,
    wf_name: str | None = None,
) -> tuple[int, str]:
    pop = w.pop
    out = bg._marriage_rows(
        w,
        "marriage",
        np.array([h]),
        np.array([wf]),
        np.array([day], "datetime64[D]"),
        np.array([pop.county[h]]),
        h_id=None if h_id is None else [h_id],
        h_name=None if h_name is None else [h_name],
        wf_id=None if wf_id is None else [wf_id],
        wf_name=None if wf_name is None else [wf_name],
    )
    w.touch(np.array([h, wf]), as_day(day))
    return int(out["row"][0]), str(out["cert_no"][0])


def _die(w: World, p: int, day: DayLike, reported: bool, rec_id: str | None = None) -> int:
    day = as_day(day)
    w.death[p] = day
    if not reported:
        w.unreported.append(p)
    row = int(
        bg.add_death_records(
            w,
            np.array([p]),
            np.array([day]),
            None if rec_id is None else np.array([rec_id], object),
        )[0]
    )
    if rec_id is not None:
        w.mentions.append(("deaths", row, "deceased", rec_id, p))
    return row


def _mention(w: World, ds: str, row: SupportsInt, role: str, rec: str, p: int) -> None:
    if rec != w.pop.pid[p]:
        w.mentions.append((ds, int(row), role, rec, p))


def _spouses(w: World, sex: str) -> str:
    other = "F" if sex == "M" else "M"
    return other


# ------------------------------------------------------------------ marriage.bigamy
def bigamy(w: World, counts: Counts) -> None:
    exact, n_noisy, n_ctrl = counts
    pop, end = w.pop, w.data_end
    for i in range(exact + n_noisy):
        is_noisy = i >= exact
        sex = "M" if w.rng.random() < 0.7 else "F"
        b = pick(w, sex, (28, 57), mongol=True if is_noisy and w.rng.random() < 0.4 else None)
        s1, s2 = pick(w, _spouses(w, sex), (26, 57)), pick(w, _spouses(w, sex), (24, 57))
        lo = max(np.datetime64("2005-01-01"), pop.birth[b] + 23 * YEAR, pop.birth[s1] + 23 * YEAR)
        d1 = w.date(lo, end - 4 * YEAR)
        d2 = _years_after(w, d1, 1, 3)
        rec, name, how = noisy(w, b) if is_noisy else (pop.pid[b], pop.name[b], "")
        h, wf = (b, s1) if sex == "M" else (s1, b)
        m1, _ = _marry(w, h, wf, d1)
        if sex == "M":
            m2, _ = _marry(w, b, s2, d2, h_id=rec, h_name=name)
        else:
            m2, _ = _marry(w, s2, b, d2, wf_id=rec, wf_name=name)
        _mention(w, "marriage_events", m2, "husband" if sex == "M" else "wife", rec, b)
        w.add_truth(
            "marriage.bigamy",
            [pop.pid[b]],
            [ref("marriage_events", m2), ref("marriage_events", m1)],
            "planted",
            "noisy" if is_noisy else "exact",
            how or "second marriage while the first is in force",
        )
    for kind in ("divorce_registration", "court_divorce", "spouse_died", "reissue"):
        for _ in range(n_ctrl):
            b, s1, s2 = pick(w, "M", (30, 57)), pick(w, "F", (28, 57)), pick(w, "F", (24, 57))
            lo = max(
                np.datetime64("2005-01-01"), pop.birth[b] + 23 * YEAR, pop.birth[s1] + 23 * YEAR
            )
            d1 = w.date(lo, end - 5 * YEAR)
            m1, cert = _marry(w, b, s1, d1)
            if kind == "reissue":
                day = _years_after(w, d1, 1, 3)
                out = bg._marriage_rows(
                    w,
                    "reissue",
                    np.array([b]),
                    np.array([s1]),
                    np.array([day]),
                    np.array([pop.county[b]]),
                    prior=[cert],
                )
                w.add_truth(
                    "marriage.bigamy",
                    [pop.pid[b]],
                    [ref("marriage_events", int(out["row"][0])), ref("marriage_events", m1)],
                    "control",
                    detail="certificate reissued, not a new marriage",
                )
                continue
            ended = _years_after(w, d1, 1, 2.5)
            if kind == "divorce_registration":
                bg._marriage_rows(
                    w,
                    "divorce",
                    np.array([b]),
                    np.array([s1]),
                    np.array([ended]),
                    np.array([pop.county[b]]),
                    prior=[cert],
                )
                why = "remarried after a divorce registration"
            elif kind == "court_divorce":
                ended = bg.court_divorce(w, s1, b, ended, cert, pop.county[b], granted=True)
                why = "remarried after a court divorce took effect (no civil divorce record)"
            else:
                _die(w, s1, ended, reported=True)
                why = "remarried after the spouse's death"
            m2, _ = _marry(w, b, s2, _years_after(w, ended, 0.1, 1))
            w.add_truth(
                "marriage.bigamy",
                [pop.pid[b]],
                [ref("marriage_events", m2), ref("marriage_events", m1)],
                "control",
                detail=why,
            )


# ------------------------------------------------------------------ marriage.fake_certificate
def fake_certificate(w: World, counts: Counts) -> None:
    exact, n_noisy, n_ctrl = counts
    pop, end = w.pop, w.data_end
    for i in range(exact + n_noisy):
        is_noisy = i >= exact
        a, b = pick(w, "F", (25, 57)), pick(w, "M", (25, 57))
        day = w.date(np.datetime64("2015-01-01"), end - YEAR)
        if w.rng.random() < 0.6 or not w.background_certs:
            cite = f"J{pop.county[a]}-{int(str(day)[:4]) - 3}-9{w.serial('fake'):05d}"
            why = "cited certificate is not in the registry"
        else:
            certs = w.background_certs
            cite = certs[int(w.rng.integers(0, len(certs)))]
            why = "cited certificate was issued to other parties"
        rec, _, how = noisy(w, a, allow_name_only=False) if is_noisy else (pop.pid[a], "", "")
        row = w.tables["judgments"].n
        bg.court_divorce(
            w, a, b, day, cite, pop.county[a], granted=w.rng.random() < 0.8, ids=(rec, pop.pid[b])
        )
        _mention(w, "judgments", row, "party", rec, a)
        w.add_truth(
            "marriage.fake_certificate",
            [pop.pid[a], pop.pid[b]],
            [ref("judgments", row), ref("judgments", row + 1)],
            "planted",
            "noisy" if is_noisy else "exact",
            why + (f"; {how}" if how else ""),
        )
    for _ in range(n_ctrl):
        a, b = pick(w, "M", (28, 57)), pick(w, "F", (28, 57))
        d1 = w.date(np.datetime64("2008-01-01"), end - 4 * YEAR)
        _, cert = _marry(w, a, b, d1)
        rec, _, how = noisy(w, a, allow_name_only=False)
        row = w.tables["judgments"].n
        bg.court_divorce(
            w, a, b, _years_after(w, d1, 1, 3), cert, pop.county[a], True, ids=(rec, pop.pid[b])
        )
        _mention(w, "judgments", row, "party", rec, a)
        w.add_truth(
            "marriage.fake_certificate",
            [pop.pid[a], pop.pid[b]],
            [ref("judgments", row), ref("judgments", row + 1)],
            "control",
            detail=f"certificate is genuine; the court recorded the ID wrong ({how})",
        )


# ------------------------------------------------------------------ marriage.after_death
def marriage_after_death(w: World, counts: Counts) -> None:
    exact, n_noisy, n_ctrl = counts
    pop, end = w.pop, w.data_end
    for i in range(exact + n_noisy):
        is_noisy = i >= exact
        sex = "M" if w.rng.random() < 0.5 else "F"
        x, y = pick(w, sex, (30, 57)), pick(w, _spouses(w, sex), (25, 57))
        dd = w.date(max(np.datetime64("2012-01-01"), pop.birth[x] + 25 * YEAR), end - 2 * YEAR)
        rec, name, how = noisy(w, x) if is_noisy else (pop.pid[x], pop.name[x], "")
        in_death = is_noisy and w.rng.random() < 0.5
        drow = _die(w, x, dd, reported=False, rec_id=rec if in_death else None)
        md = _years_after(w, dd, 0.1, 1.5)
        h, wf = (x, y) if sex == "M" else (y, x)
        kw = (
            {}
            if in_death
            else ({"h_id": rec, "h_name": name} if sex == "M" else {"wf_id": rec, "wf_name": name})
        )
        m, _ = _marry(w, h, wf, md, **kw)
        if not in_death:
            _mention(w, "marriage_events", m, "husband" if sex == "M" else "wife", rec, x)
        w.add_truth(
            "marriage.after_death",
            [pop.pid[x]],
            [ref("marriage_events", m), ref("deaths", drow)],
            "planted",
            "noisy" if is_noisy else "exact",
            (how + (" in the death record" if in_death else " in the marriage record"))
            if how
            else "marriage registered after the party's death",
        )
    for _ in range(n_ctrl):  # died later in the month of the wedding
        x, y = pick(w, "M", (40, 57)), pick(w, "F", (30, 57))
        md = w.date(np.datetime64("2012-01-01"), end - YEAR)
        md = md.astype("datetime64[M]").astype("datetime64[D]") + int(w.rng.integers(0, 8)) * DAY
        m, _ = _marry(w, x, y, md)
        drow = _die(w, x, md + int(w.rng.integers(5, 20)) * DAY, reported=True)
        w.add_truth(
            "marriage.after_death",
            [pop.pid[x]],
            [ref("marriage_events", m), ref("deaths", drow)],
            "control",
            detail="died later in the month of the marriage",
        )
    for _ in range(n_ctrl):  # a dead namesake born the same year
        z = pick(w, "M", (35, 57))
        year = int(str(pop.birth[z])[:4])
        try:
            x = pick(w, "M", (22, 90), year=year)
        except RuntimeError:
            continue
        y = pick(w, "F", (22, 57))
        pop.name[x] = pop.name[z]
        dd = w.date(np.datetime64("2012-01-01"), end - 2 * YEAR)
        drow = _die(w, z, dd, reported=True)
        m, _ = _marry(w, x, y, _years_after(w, dd, 0.1, 1.5))
        w.add_truth(
            "marriage.after_death",
            [pop.pid[x], pop.pid[z]],
            [ref("marriage_events", m), ref("deaths", drow)],
            "control",
            detail="a different person of the same name and birth year had died",
        )


# ------------------------------------------------------------------ identity.double_registration
def double_registration(w: World, counts: Counts) -> None:
    """Runs after the registry is written: second registrations are appended to persons."""
    from lexradar.normalize import region_code as rc
    from lexradar.synth.ids import make_ids
    from lexradar.synth.names import tables, variant

    exact, n_noisy, n_ctrl = counts
    pop, rng, end = w.pop, w.rng, w.data_end
    persons = w.tables["persons"]
    streets = tables().streets
    counties = sorted(set(pop.county.tolist()))
    taken = set(pop.pid.tolist())
    for i in range(exact + n_noisy):
        is_noisy = i >= exact
        p = pick(w, None, (22, 70), mongol=True if is_noisy and rng.random() < 0.6 else None)
        name, birth, how = str(pop.name[p]), pop.birth[p], "same name and birth date"
        if is_noisy:
            alt = variant(name, rng)
            if alt is not None:
                name, how = alt, f"name written {alt} (first registration {pop.name[p]})"
            else:
                y, m, d = (int(v) for v in str(birth).split("-"))
                if d <= 12 and d != m:
                    birth, how = np.datetime64(f"{y:04d}-{d:02d}-{m:02d}"), "day and month swapped"
                else:
                    birth, how = birth + DAY, "birth date one day off"
        other = counties[int(rng.integers(0, len(counties)))]
        while other == pop.county[p]:
            other = counties[int(rng.integers(0, len(counties)))]
        seq = int(rng.integers(100, 499)) * 2 + (1 if pop.gender[p] == "M" else 0)
        new_id = make_ids(np.array([other]), np.array([birth]), np.array([seq]))[0]
        while new_id in taken:
            seq = (seq + 2) % 998 or 2
            new_id = make_ids(np.array([other]), np.array([birth]), np.array([seq]))[0]
        taken.add(new_id)
        row = persons.add_one(
            person_id=new_id,
            name=name,
            gender=pop.gender[p],
            birth_date=birth,
            ethnicity=pop.ethnicity[p],
            region_code=other,
            address=f"{rc.full_name(other)}{streets[int(rng.integers(0, len(streets)))]}"
            f"{int(rng.integers(1, 300))}号",
            household_id=f"H{int(pop.household.max()) + w.serial('hh'):09d}",
            registered_on=_years_after(w, pop.registered_on[p], 5, 15).clip(max=end - YEAR),
            status="active",
        )
        w.extra_persons.append((row, p))
        refs = [ref("persons", p), ref("persons", row)]
        if rng.random() < 0.5:  # travel documents obtained under both identities
            issued = [w.date(np.datetime64("2014-01-01"), end - 2 * YEAR) for _ in range(2)]
            docs = np.array([f"E{w.serial('doc'):08d}" for _ in range(2)], dtype=object)
            drows = bg.add_documents(
                w,
                np.array([p, p]),
                docs,
                np.array(issued),
                np.array([True, True]),
                ids=np.array([pop.pid[p], new_id], dtype=object),
                names=np.array([pop.name[p], name], dtype=object),
            )
            w.mentions.append(("travel_documents", int(drows[1]), "holder", new_id, p))
            ex = [_years_after(w, d, 0.2, 1) for d in issued]
            bg.add_trips(w, docs, np.array(ex), np.array([e + 10 * DAY for e in ex]))
            how += "; travel documents issued under both IDs"
        w.add_truth(
            "identity.double_registration",
            [pop.pid[p], new_id],
            refs,
            "planted",
            "noisy" if is_noisy else "exact",
            how,
        )
    twins = np.flatnonzero((pop.twin_of >= 0) & (np.arange(pop.n) < pop.twin_of))
    for a in twins[: 3 * n_ctrl]:
        b = pop.twin_of[a]
        w.add_truth(
            "identity.double_registration",
            [pop.pid[a], pop.pid[b]],
            [ref("persons", a), ref("persons", b)],
            "control",
            detail=f"twins {pop.name[a]} and {pop.name[b]} at one address",
        )


def namesakes(w: World, counts: Counts) -> None:
    """Strangers sharing a common name and birth year (runs before the registry is written)."""
    _, _, n_ctrl = counts
    pop = w.pop
    for k in range(n_ctrl):
        first = pick(w, "M" if k % 2 else "F", (25, 57))
        year = int(str(pop.birth[first])[:4])
        group = [first]
        for _ in range(2):
            try:
                group.append(pick(w, pop.gender[first], (18, 90), year=year))
            except RuntimeError:
                break
        common = "王伟" if pop.gender[first] == "M" else "李娜"
        for p in group:
            pop.name[p] = common
        for i in range(len(group)):
            for j in range(i + 1, len(group)):
                a, b = group[i], group[j]
                w.add_truth(
                    "identity.double_registration",
                    [pop.pid[a], pop.pid[b]],
                    [ref("persons", a), ref("persons", b)],
                    "control",
                    detail=f"two people named {common}, both born in {year}",
                )


# ------------------------------------------------------------------ payments helpers
def _pay(
    w: World,
    name: str,
    p: int,
    months: np.ndarray,
    base: float,
    raise_rate: float,
    rec_id: str | None = None,
    frozen_from: int | None = None,
) -> dict[str, int]:
    year = months.astype("datetime64[Y]").astype(int) + 1970
    eff = year if frozen_from is None else np.minimum(year, frozen_from)
    amount = np.round(base * (1 + raise_rate) ** (eff - year[0]), 2)
    rows = w.tables[name].add(
        person_id=np.full(len(months), rec_id or w.pop.pid[p], dtype=object),
        name=np.full(len(months), w.pop.name[p], dtype=object),
        month=months.astype("datetime64[D]"),
        amount=amount,
    )
    if rec_id:
        role = "payee" if name == "pension_payments" else "recipient"
        for r in rows:
            w.mentions.append((name, int(r), role, rec_id, p))
    return {str(m): int(r) for m, r in zip(months, rows, strict=True)}


def _first_full_month(
    start: np.datetime64, stop: np.datetime64, months: np.ndarray
) -> np.datetime64 | None:
    for m in months:
        if m.astype("datetime64[D]") >= start and (m + 1).astype("datetime64[D]") - DAY <= stop:
            month: np.datetime64 = m
            return month
    return None


# ------------------------------------------------------------------ pension.after_death
def pension_after_death(w: World, counts: Counts) -> None:
    exact, n_noisy, n_ctrl = counts
    pop, rng = w.pop, w.rng
    months = bg.window(w)
    for i in range(exact + n_noisy + 2 * n_ctrl):
        is_noisy = exact <= i < exact + n_noisy
        control = i >= exact + n_noisy
        p = pick(w, None, (65, 90))
        dm = months[int(rng.integers(2, len(months) - 3))]
        dd = dm.astype("datetime64[D]") + int(rng.integers(0, 27)) * DAY
        base = float(rng.integers(1800, 4200))
        if control:
            extra = 0 if i < exact + n_noisy + n_ctrl else 1
            paid = months[(months <= dm + extra)]
            drow = _die(w, p, dd, reported=True)
            rows = _pay(w, "pension_payments", p, paid, base, 0.03)
            w.add_truth(
                "pension.after_death",
                [pop.pid[p]],
                [ref("deaths", drow), ref("pension_payments", rows[str(dm + extra)])],
                "control",
                detail="paid for the month of death only"
                if extra == 0
                else "paid one month past the month of death (within tolerance)",
            )
            continue
        k = int(rng.integers(2, 13))
        paid = months[months <= dm + k]
        rec, _, how = noisy(w, p, allow_name_only=False) if is_noisy else (None, "", "")
        drow = _die(w, p, dd, reported=False, rec_id=rec)
        rows = _pay(w, "pension_payments", p, paid, base, 0.03)
        w.add_truth(
            "pension.after_death",
            [pop.pid[p]],
            [ref("deaths", drow), ref("pension_payments", rows[str(dm + 2)])],
            "planted",
            "noisy" if is_noisy else "exact",
            f"paid {min(k, int((months[-1] - dm) / np.timedelta64(1, 'M')))} months "
            f"after death" + (f"; {how} in the death record" if how else ""),
        )


# ------------------------------------------------------------------ paid while in custody
def _custody_story(
    w: World, p: int, months: np.ndarray, kind: str, rec: str | None
) -> dict[str, Any]:
    """A conviction of p whose execution covers at least three whole months of the window."""
    rng = w.rng
    cause, outcome, term = {
        "prison": ("盗窃罪", "imprisonment", int(rng.integers(8, 30))),
        "detention": ("故意伤害罪", "criminal_detention", int(rng.integers(4, 7))),
        "community_correction": ("盗窃罪", "probation", int(rng.integers(12, 30))),
    }[kind]
    start = months[int(rng.integers(1, len(months) - 6))].astype("datetime64[D]")
    start += int(rng.integers(0, 20)) * DAY
    day = start - int(rng.integers(30, 50)) * DAY
    case = bg.criminal_case(w, p, cause, "plain", day, outcome=outcome, term=term, custody=None)
    out = bg.custody_record(w, p, kind, start, term, case["case_no"], person_id=rec)
    if rec is not None:
        _mention(w, "custody_records", out["custody_row"], "inmate", rec, p)
    return out


def paid_in_custody(w: World, counts: Counts, dataset: str, model: str) -> None:
    exact, n_noisy, n_ctrl = counts
    pop, rng = w.pop, w.rng
    months = bg.window(w)
    pension = dataset == "pension_payments"
    for i in range(exact + n_noisy + n_ctrl):
        is_noisy = exact <= i < exact + n_noisy
        control = i >= exact + n_noisy
        p = pick(w, None, (66, 85) if pension else (30, 57))
        kind = (
            "community_correction"
            if control
            else ("detention" if pension and rng.random() < 0.2 else "prison")
        )
        rec, _, how = noisy(w, p, allow_name_only=False) if is_noisy else (None, "", "")
        c = _custody_story(w, p, months, kind, rec)
        base = float(rng.integers(1800, 4200) if pension else rng.integers(480, 860))
        freeze = int(str(c["custody_start"])[:4]) if control else None
        rows = _pay(w, dataset, p, months, base, 0.03 if pension else 0.0, frozen_from=freeze)
        first = _first_full_month(c["custody_start"], c["custody_end"], months)
        assert first is not None
        refs = [ref("custody_records", c["custody_row"]), ref(dataset, rows[str(first)])]
        if control:
            w.add_truth(
                model,
                [pop.pid[p]],
                refs,
                "control",
                detail="under community correction (probation): payment continues",
            )
        else:
            w.add_truth(
                model,
                [pop.pid[p]],
                refs,
                "planted",
                "noisy" if is_noisy else "exact",
                f"paid in full while in {kind}" + (f"; {how} in the custody record" if how else ""),
            )


def pension_while_imprisoned(w: World, counts: Counts) -> None:
    paid_in_custody(w, counts, "pension_payments", "pension.while_imprisoned")


def allowance_while_detained(w: World, counts: Counts) -> None:
    paid_in_custody(w, counts, "allowance_payments", "allowance.while_detained")


# ------------------------------------------------------------------ traffic.license_not_revoked
def license_not_revoked(w: World, counts: Counts) -> None:
    exact, n_noisy, n_ctrl = counts
    pop, end = w.pop, w.data_end
    for i in range(exact + n_noisy + n_ctrl):
        is_noisy = exact <= i < exact + n_noisy
        control = i >= exact + n_noisy
        p = pick(w, None, (25, 57))
        day = w.date(max(np.datetime64("2016-01-01"), pop.birth[p] + 21 * YEAR), end - YEAR)
        rec, _, how = noisy(w, p, allow_name_only=False) if is_noisy else (None, "", "")
        in_judgment = is_noisy and w.rng.random() < 0.5
        case = bg.criminal_case(
            w,
            p,
            "危险驾驶罪",
            "plain",
            day,
            outcome="criminal_detention",
            term=int(w.rng.integers(1, 7)),
            party_id=rec if in_judgment else None,
        )
        if in_judgment and rec is not None:  # a noisy record always has its ID
            _mention(w, "judgments", case["row"], "party", rec, p)
        lic_id = rec if rec is not None and not in_judgment else None
        lic = bg.revoke_after(
            w, p, case["effective"], 30, status="revoked" if control else "valid", person_id=lic_id
        )
        if lic_id is not None:
            _mention(w, "driver_licenses", lic, "holder", lic_id, p)
        refs = [ref("judgments", case["row"]), ref("driver_licenses", lic)]
        if control:
            w.add_truth(
                "traffic.license_not_revoked",
                [pop.pid[p]],
                refs,
                "control",
                detail="licence revoked 30 days after the judgment took effect",
            )
        else:
            w.add_truth(
                "traffic.license_not_revoked",
                [pop.pid[p]],
                refs,
                "planted",
                "noisy" if is_noisy else "exact",
                "licence still valid after a dangerous-driving conviction"
                + (f"; {how} in the {'judgment' if in_judgment else 'licence'}" if how else ""),
            )


# ------------------------------------------------------------------ execution.sentence_not_executed
def sentence_not_executed(w: World, counts: Counts) -> None:
    exact, n_noisy, n_ctrl = counts
    pop, end = w.pop, w.data_end
    for i in range(exact + n_noisy):
        is_noisy = i >= exact
        p = pick(w, None, (25, 57))
        rec, _, how = noisy(w, p, allow_name_only=False) if is_noisy else (None, "", "")
        day = w.date(max(np.datetime64("2016-01-01"), pop.birth[p] + 21 * YEAR), end - YEAR)
        case = bg.criminal_case(
            w,
            p,
            "诈骗罪",
            "plain",
            day,
            outcome="imprisonment",
            term=int(w.rng.integers(12, 60)),
            custody=None,
            party_id=rec,
        )
        if rec is not None:
            _mention(w, "judgments", case["row"], "party", rec, p)
        w.add_truth(
            "execution.sentence_not_executed",
            [pop.pid[p]],
            [ref("judgments", case["row"])],
            "planted",
            "noisy" if is_noisy else "exact",
            "prison sentence with no custody record" + (f"; {how} in the judgment" if how else ""),
        )
    for kind in ("probation_no_record", "temporary_outside", "custody_id_typo"):
        for _ in range(n_ctrl):
            p = pick(w, None, (25, 57))
            day = w.date(max(np.datetime64("2016-01-01"), pop.birth[p] + 21 * YEAR), end - YEAR)
            if kind == "probation_no_record":
                case = bg.criminal_case(
                    w, p, "盗窃罪", "plain", day, outcome="probation", term=24, custody=None
                )
                why = "probation: no custody expected"
            elif kind == "temporary_outside":
                case = bg.criminal_case(
                    w,
                    p,
                    "盗窃罪",
                    "plain",
                    day,
                    outcome="imprisonment",
                    term=18,
                    custody="temporary_outside",
                )
                why = "temporary execution outside prison"
            else:
                rec, _, how = noisy(w, p, allow_name_only=False)
                case = bg.criminal_case(
                    w, p, "盗窃罪", "plain", day, outcome="imprisonment", term=18, custody=None
                )
                c = bg.custody_record(
                    w, p, "prison", case["effective"] + 7 * DAY, 18, case["case_no"], person_id=rec
                )
                _mention(w, "custody_records", c["custody_row"], "inmate", rec, p)
                why = f"in prison; the prison recorded the ID wrong ({how})"
            w.add_truth(
                "execution.sentence_not_executed",
                [pop.pid[p]],
                [ref("judgments", case["row"])],
                "control",
                detail=why,
            )


# ------------------------------------------------------------------ correction.left_country
def correction_left_country(w: World, counts: Counts) -> None:
    exact, n_noisy, n_ctrl = counts
    pop, rng, end = w.pop, w.rng, w.data_end
    for i in range(exact + n_noisy + 2 * n_ctrl):
        is_noisy = exact <= i < exact + n_noisy
        control = (
            None if i < exact + n_noisy else ("before" if i < exact + n_noisy + n_ctrl else "after")
        )
        p = pick(w, None, (25, 57))
        day = w.date(np.datetime64("2017-01-01"), end - 3 * YEAR)
        case = bg.criminal_case(
            w,
            p,
            "盗窃罪",
            "plain",
            day,
            outcome="probation",
            term=int(rng.integers(12, 24)),
            custody="community_correction",
        )
        cs, ce = case["custody_start"], case["custody_end"]
        issued = cs - int(rng.integers(200, 1500)) * DAY
        rec, _, how = noisy(w, p, allow_name_only=False) if is_noisy else (None, "", "")
        doc = np.array([f"E{w.serial('doc'):08d}"], dtype=object)
        drow = bg.add_documents(
            w,
            np.array([p]),
            doc,
            np.array([issued]),
            np.array([True]),
            ids=None if rec is None else np.array([rec], dtype=object),
        )
        if rec is not None:
            _mention(w, "travel_documents", drow[0], "holder", rec, p)
        if control == "before":
            out_day = cs - int(rng.integers(60, 150)) * DAY
        elif control == "after":
            out_day = ce + int(rng.integers(10, 60)) * DAY
        else:
            out_day = cs + int(rng.integers(10, max(11, int((ce - cs) / DAY) - 40))) * DAY
        exit_rows, _ = bg.add_trips(
            w, doc, np.array([out_day]), np.array([out_day + int(rng.integers(3, 20)) * DAY])
        )
        refs = [ref("custody_records", case["custody_row"]), ref("border_crossings", exit_rows[0])]
        if control:
            w.add_truth(
                "correction.left_country",
                [pop.pid[p]],
                refs,
                "control",
                detail=f"trip abroad {control} the correction period",
            )
        else:
            w.add_truth(
                "correction.left_country",
                [pop.pid[p]],
                refs,
                "planted",
                "noisy" if is_noisy else "exact",
                "left the country during community correction"
                + (f"; {how} in the travel document" if how else ""),
            )
    del end


# ------------------------------------------------------------------ litigation.false_litigation
def false_litigation(w: World, counts: Counts) -> None:
    exact, n_noisy, n_ctrl = counts
    pop, rng, end = w.pop, w.rng, w.data_end
    age = pop.age_at(end)
    defendants = bg.available(w, (age >= 25) & (age <= 70))
    for i in range(exact + n_noisy + 2 * n_ctrl):
        is_noisy = exact <= i < exact + n_noisy
        control = (
            None
            if i < exact + n_noisy
            else ("spread" if i < exact + n_noisy + n_ctrl else "appeared")
        )
        a = pick(w, None, (30, 57))
        k = int(rng.integers(6, 11))
        d0 = w.date(np.datetime64("2016-01-01"), end - 5 * YEAR)
        step = 200 if control == "spread" else 12
        rec, name, how = noisy(w, a) if is_noisy else (None, "", "")
        rows = []
        for j in range(k):
            b = int(defendants[int(rng.integers(0, len(defendants)))])
            day = d0 + (j * step + int(rng.integers(0, 10))) * DAY
            use = rec if (rec is not None and j % 2 == 1) else None
            row = bg.civil_case(
                w,
                a,
                b,
                "民间借贷纠纷",
                day,
                appeared=control == "appeared" or (j == 0 and k >= 8),
                a_id=use,
                a_name=name if use is not None else None,
            )
            if use is not None:
                _mention(w, "judgments", row, "party", use, a)
            rows.append(ref("judgments", row))
        if control:
            w.add_truth(
                "litigation.false_litigation_pattern",
                [pop.pid[a]],
                rows,
                "control",
                detail={
                    "spread": f"{k} lending suits spread over {k * step // 365} years",
                    "appeared": f"{k} lending suits, defendants appeared",
                }[control],
            )
        else:
            w.add_truth(
                "litigation.false_litigation_pattern",
                [pop.pid[a]],
                rows,
                "planted",
                "noisy" if is_noisy else "exact",
                f"{k} lending suits within {k * step} days, defendants absent"
                + (f"; {how} in every second suit" if how else ""),
            )


PLANT_ORDER = (
    bigamy,
    fake_certificate,
    marriage_after_death,
    namesakes,
    pension_after_death,
    pension_while_imprisoned,
    allowance_while_detained,
    license_not_revoked,
    sentence_not_executed,
    correction_left_country,
    false_litigation,
)
