"""Scoring clues against an answer key, and the demo that shows it end to end."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import decimal
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from lexradar.cli.common import console, fails_cleanly

if TYPE_CHECKING:
    from lexradar.project import Project, Run
    from lexradar.synth.score import Score


def score_table(score: Score, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for col in (
        "model",
        "clues",
        "planted (exact/noisy)",
        "found (exact/noisy)",
        "controls flagged",
        "outside the key",
        "precision",
        "recall",
    ):
        table.add_column(col, justify="left" if col == "model" else "right")
    for m in score.models:
        table.add_row(
            m.model_id,
            str(m.clues),
            f"{m.planted} ({m.planted_exact}/{m.planted_noisy})",
            f"{m.found} ({m.found_exact}/{m.found_noisy})",
            f"{m.controls_flagged}/{m.controls}",
            str(m.outside),
            f"{m.precision:.3f}",
            f"{m.recall:.3f}",
        )
    return table


@fails_cleanly
def evaluate(
    clues: Annotated[Path, typer.Option("--clues", help="Clue file (.csv or .parquet).")],
    truth: Annotated[Path, typer.Option("--truth", help="The answer key, truth.csv.")],
    model: Annotated[
        list[str] | None, typer.Option("--model", help="Only this model; repeatable.")
    ] = None,
    difficulty: Annotated[
        str | None, typer.Option("--difficulty", help="Only planted anomalies of: exact | noisy.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Score clues against the answer key: per model, then `recall R precision P outside N`
    (clues outside the answer key: neither a planted anomaly nor a control). With --json,
    one JSON object and nothing else."""
    from lexradar.project import Project

    if difficulty not in (None, "exact", "noisy"):
        raise typer.BadParameter("exact or noisy", param_hint="--difficulty")
    result = Project.eval(clues, truth, model, difficulty)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    console.print(score_table(result, f"{clues} against {truth}"))
    typer.echo(summary_line(result))


def summary_line(score: Score) -> str:
    return (
        f"recall {score.recall:.3f} precision {score.precision:.3f} "
        f"outside {score.outside} controls flagged {score.controls_flagged}"
    )


@fails_cleanly
def demo(
    persons: Annotated[int, typer.Option(help="Persons in the synthetic region.")] = 100_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    out: Annotated[Path, typer.Option(help="Folder for the region and the clues.")] = Path("demo"),
    raw: Annotated[
        bool,
        typer.Option(
            "--raw/--canonical",
            help="Go through raw agency files and ingestion (default), or use the generated "
            "canonical lake directly.",
        ),
    ] = True,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve/--no-serve",
            help="End by serving the web workbench on 127.0.0.1 over the demo casebook.",
        ),
    ] = False,
    port: Annotated[
        int | None,
        typer.Option(
            help="Port of the workbench with --serve (default: 8000, or a free one when 8000 "
            "is taken)."
        ),
    ] = None,
    data_end: Annotated[
        str | None,
        typer.Option(
            help="Last day of the region's records, YYYY-MM-DD (default: the last day of last "
            "month); the models run as of that day and the casebook's two years of history "
            "end with it."
        ),
    ] = None,
    resolve: Annotated[
        bool,
        typer.Option(
            "--resolve/--no-resolve",
            help="Resolve persons before the models run (default), so that records with a "
            "mistyped or old ID or a variant name count as the same person.",
        ),
    ] = True,
) -> None:
    """Generate a region, ingest it as agencies hand it over, resolve who is who, run every
    model, score the clues; build the demo's own casebook in the demo folder (OUT/casebook.db)
    with two years of history — clues discovered month by month, worked by the demo users into
    supervised cases, opened and closed, funds recovered — and, with --serve, open the web
    workbench over it. The demo users (one per role at region, city and county level) share a
    public password, so they go into no other casebook: a casebook in OUT that is not a demo's
    is refused, a previous demo's is replaced."""
    import shutil

    from lexradar.cli.common import project
    from lexradar.cli.data import run_synth
    from lexradar.cli.models import run_to_file

    end = _data_end(data_end)
    casebook_url = demo_casebook(out)
    console.rule(f"1. a synthetic region of {persons:,} persons (seed {seed}), records to {end}")
    result = run_synth(persons, seed, out, end.isoformat())
    planted = sum(v for (_, k, _), v in result.truth.items() if k == "planted")
    console.print(f"{sum(result.rows.values()):,} records; {planted} planted anomalies; "
                  f"{result.seconds:.1f}s")  # fmt: skip
    lake = out / "lake"
    if raw:
        from lexradar.ingest.pipeline import ingest
        from lexradar.synth.raw import render_raw

        console.rule("2. raw agency files, ingested")
        summary = render_raw(out, seed)
        lake = out / "ingested"
        shutil.rmtree(lake, ignore_errors=True)
        mappings = sorted((out / "mappings").glob("*.yaml"))
        batches = ingest(mappings, lake)
        read = sum(b.read for b in batches)
        loaded = sum(b.loaded for b in batches)
        console.print(
            f"{len(summary['files'])} files → {read:,} rows read, {loaded:,} loaded, "
            f"{read - loaded:,} quarantined (damaged IDs and the like) into {lake}"
        )
        _demo_documents(out, seed, lake)
    if resolve:
        from lexradar.linkage.resolve import resolve as resolve_persons

        console.rule("3. who is who: person resolution")
        splink_log = logging.getLogger("splink")
        level = splink_log.level
        splink_log.setLevel(logging.ERROR)  # untrained rare levels are expected on a demo region
        try:
            with console.status("resolving persons") as status:
                linked = resolve_persons(lake, progress=lambda msg: status.update(msg))
        finally:
            splink_log.setLevel(level)
        console.print(
            f"{linked.mentions:,} person mentions → {linked.clusters:,} persons; "
            f"{linked.linked_pairs:,} pairs linked"
        )
    console.rule("4. every model, over the lake")
    clue_file = out / "clues.parquet"
    with project(lake, casebook=casebook_url) as proj:
        run = run_to_file(proj, None, None, clue_file, as_of=end)
        score = proj.eval(clue_file, out / "truth.csv", [r.model_id for r in run.records])
        history = demo_history(proj, run, end, out / "truth.csv")
    console.rule("5. clues against the answer key")
    ran = [r.model_id for r in run.records]
    console.print(score_table(score, f"{clue_file} against {out / 'truth.csv'}"))
    waiting = sorted({m for (m, _, _) in result.truth} - set(ran))
    if waiting:
        console.print(f"[dim]planted for models not in the registry: {', '.join(waiting)}[/]")
    typer.echo(summary_line(score))
    console.rule("6. the demo casebook: two years of work")
    console.print(f"casebook {casebook_url}: {history.summary()}", highlight=False)
    console.rule("7. demo users of the workbench")
    demo_users_table(history.users)
    if serve:
        from lexradar.cli.serve import serve_app

        console.rule("8. the web workbench (Ctrl-C to stop)")
        serve_app("127.0.0.1", port, casebook_url, False, lake=str(lake))


def _demo_documents(out: Path, seed: int, table_lake: Path) -> None:
    """The courts' judgments as judgment documents too (OUT/documents/judgments.jsonl),
    ingested into a lake of their own (OUT/documents-lake: the models run on the courts'
    export, once), and how the rows read from them agree with the export's."""
    import shutil

    from lexradar.ingest.documents import ingest_documents
    from lexradar.synth.documents import agreement, render_documents

    done = render_documents(out, seed)
    lake = out / "documents-lake"
    shutil.rmtree(lake, ignore_errors=True)
    (batch,) = ingest_documents([Path(done["file"])], lake)
    same = agreement(table_lake, lake)
    differ = ", ".join(f"{f} {n}" for f, n in same["differ"].items()) or "none"
    console.print(
        f"{done['documents']:,} judgment documents → {batch.loaded:,} parties loaded, "
        f"{batch.quarantined:,} quarantined into {lake}; against the courts' export: "
        f"{same['read']:,} of {same['parties']:,} parties read, fields that differ: {differ} "
        f"(a second charge in the cause: {same['second_charge']})"
    )


def demo_users_table(users: list[tuple[str, str, str, bool]]) -> None:
    """Print the demo users with their (public) password."""
    from lexradar.web.demo import DEMO_PASSWORD

    table = Table(title=f"demo users (password: {DEMO_PASSWORD})", title_justify="left")
    for col in ("user", "role", "procuratorate"):
        table.add_column(col)
    for name, role, code, _added in users:
        table.add_row(name, role, code)
    console.print(table)


def _data_end(given: str | None) -> dt.date:
    """The demo's last day of records: ``given``, else the last day of last month."""
    if given is None:
        return dt.date.today().replace(day=1) - dt.timedelta(days=1)
    try:
        return dt.date.fromisoformat(given)
    except ValueError:
        raise typer.BadParameter(f"YYYY-MM-DD, not {given!r}", param_hint="--data-end") from None


def demo_casebook(out: Path) -> str:
    """The URL of the demo's casebook, ``out/casebook.db``, ready to be built afresh.

    A casebook already there is a previous demo's when it holds no users but the demo users;
    it is removed with its audit key and checkpoints. Any other is refused: the demo users'
    password is public.
    """
    from lexradar.clues.anchor import default_paths
    from lexradar.errors import Location, SettingsError
    from lexradar.web.demo import demo_users

    path = out / "casebook.db"
    url = f"sqlite:///{path}"
    if path.exists():
        others = _users_besides(url, {name for name, _, _ in demo_users()})
        if others:
            raise SettingsError(
                f"{path} is not a demo's casebook (it has users {', '.join(others[:5])}"
                f"{' …' if len(others) > 5 else ''}): the demo adds users with a public "
                "password, so it builds its casebook in a folder of its own; choose another "
                "--out",
                Location(file=str(path)),
            )
        key, checkpoints = default_paths(url)
        for old in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm")),
                    key, checkpoints):  # fmt: skip
            if old is not None:
                old.unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    return url


def _users_besides(url: str, names: set[str]) -> list[str]:
    """Users of the casebook at ``url`` other than ``names`` (a file that is no casebook at all
    counts as one that is not a demo's)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if "users" not in sa.inspect(conn).get_table_names():
                tables = sa.inspect(conn).get_table_names()
                return ["(none: it has no users table)"] if tables else []
            found = conn.execute(sa.text("SELECT username FROM users ORDER BY username"))
            return [n for (n,) in found if n not in names]
    except sa.exc.DatabaseError:
        return ["(none: it is not a SQLite database)"]
    finally:
        engine.dispose()


MONTHS_OF_HISTORY = 24


@dataclasses.dataclass
class History:
    """What the demo's casebook holds after its two years of history."""

    clues: int = 0
    months: list[str] = dataclasses.field(default_factory=list)
    states: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    cases_opened: int = 0
    cases_closed: int = 0
    funds: decimal.Decimal = decimal.Decimal(0)
    users: list[tuple[str, str, str, bool]] = dataclasses.field(default_factory=list)

    def summary(self) -> str:
        states = ", ".join(f"{k} {v}" for k, v in sorted(self.states.items()))
        return (
            f"{self.clues} clues discovered {self.months[0]}..{self.months[-1]} ({states}); "
            f"{self.cases_opened} cases opened, {self.cases_closed} closed, "
            f"¥{self.funds:,.2f} recovered"
        )


def _share(text: str) -> float:
    """A number in [0, 1) fixed by ``text`` (the same clue gets the same fate every time)."""
    import hashlib

    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:12], 16) / 16**12


def _month_stamps(end: dt.date, months: int) -> list[dt.datetime]:
    """The load times of ``months`` monthly runs ending in ``end``'s month (the 5th, 09:00;
    the last one no later than ``end``)."""
    stamps = []
    year, month = end.year, end.month
    for _ in range(months):
        day = 5 if (year, month) != (end.year, end.month) else min(5, end.day)
        stamps.append(dt.datetime(year, month, day, 9, 0))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return stamps[::-1]


def _add_months(day: dt.date, months: int, on: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, on)


CASE_KINDS = {
    "criminal": "case_filing_supervision",
    "civil": "protest",
    "administrative": "procuratorial_recommendation",
    "public_interest": "public_interest_notice",
}


def _case_kind(model_id: str, domain: str) -> str:
    if model_id.startswith(("execution.", "correction.")):
        return "execution_supervision"
    if model_id.startswith("marriage."):
        return "procuratorial_recommendation"  # the registry office corrects its register
    return CASE_KINDS.get(domain, "other")


def _outcome(model_id: str, evidence: str, fate: float) -> tuple[str, decimal.Decimal]:
    """How a case on a clue of ``model_id`` closes, and the funds it recovers."""
    if fate > 0.9:
        return "not_adopted", decimal.Decimal(0)
    if model_id.startswith(("pension.", "allowance.")):
        paid = json.loads(evidence or "{}").get("amount_paid") or 0
        return "funds_recovered", decimal.Decimal(str(paid)).quantize(decimal.Decimal("0.01"))
    if model_id.startswith("traffic."):
        return "licence_revoked", decimal.Decimal(0)
    if model_id.startswith(("marriage.bigamy", "identity.", "litigation.")):
        return "prosecution_filed", decimal.Decimal(0)
    return "agency_corrected", decimal.Decimal(0)


def _planted_refs(truth: Path) -> list[frozenset[str]]:
    """The record references of every planted anomaly of the answer key."""
    import csv

    with truth.open(encoding="utf-8", newline="") as f:
        return [
            frozenset(r["record_refs"].split(";"))
            for r in csv.DictReader(f)
            if r["kind"] == "planted"
        ]


def demo_history(proj: Project, run: Run, end: dt.date, truth: Path) -> History:
    """Fill the demo casebook with two years of work on ``run``'s clues, as if the models had
    run every month and the demo users had worked what they found.

    Each clue is discovered in one of the 24 months up to ``end`` (the month fixed by its
    fingerprint) and loaded with that month's date. The demo users add themselves; each clue
    discovered two months or more before the end is assigned to the nearest demo handler of its
    region, who confirms it when it is a planted anomaly (some stay under verification, a few
    are dismissed as already handled) and dismisses it as a false positive otherwise; most
    confirmed clues older than three months become supervised cases opened a month after
    discovery, and most of those older than five months are closed one to three months later
    with an outcome (funds recovered for payments made wrongly: the amount paid). Last
    month's clues are new, some of the month before's assigned.
    """
    import sqlalchemy as sa

    from lexradar.clues import cases, workflow
    from lexradar.clues.access import SYSTEM, user
    from lexradar.clues.store import load_clues
    from lexradar.clues.tables import clues as clue_table
    from lexradar.web.demo import add_demo_users

    casebook = proj.casebook
    casebook.init()
    stamps = _month_stamps(end, MONTHS_OF_HISTORY)
    history = History(months=[s.strftime("%Y-%m") for s in stamps])
    table = proj.complete(run.clues)
    domains = dict(zip(*(table.column(c).to_pylist() for c in ("model_id", "domain")), strict=True))
    month_of = [int(_share(fp) * len(stamps)) for fp in table.column("fingerprint").to_pylist()]
    with console.status("loading two years of monthly runs") as status:
        for k, now in enumerate(stamps):
            part = table.take([i for i, m in enumerate(month_of) if m == k])
            status.update(f"loading the clues of {history.months[k]}")
            load_clues(casebook, part, SYSTEM, runs=run.records if k == 0 else (),
                       domains=domains, now=now)  # fmt: skip
        history.users = add_demo_users(casebook)
    planted = _planted_refs(truth)
    with casebook.read() as conn:
        rows = conn.execute(
            sa.select(
                clue_table.c.id, clue_table.c.fingerprint, clue_table.c.model_id,
                clue_table.c.domain, clue_table.c.procuratorate_code, clue_table.c.first_month,
                clue_table.c.record_refs, clue_table.c.evidence,
            ).order_by(clue_table.c.id)
        ).all()  # fmt: skip
    history.clues = len(rows)
    admin = user(casebook, "nmg_admin")
    handlers = {
        prefix: user(casebook, f"{place}_handler")
        for place, prefix in (("songshan", "150404"), ("chifeng", "1504"), ("nmg", "15"))
    }

    def handler_of(code: str):  # type: ignore[no-untyped-def]
        return next(h for prefix, h in handlers.items() if code.startswith(prefix))

    last = stamps[-1].date()
    work: dict[str, list] = {}  # type: ignore[type-arg]
    for row in rows:
        age = len(stamps) - 1 - history.months.index(row.first_month)
        if age >= 1 and (age >= 2 or _share("assign" + row.fingerprint) < 0.6):
            work.setdefault(handler_of(row.procuratorate_code).username, []).append((row, age))
    with console.status("working the clues") as status:
        for name, items in work.items():
            status.update(f"{name}: {len(items)} clues")
            workflow.bulk_assign(casebook, admin, {r.id: None for r, _ in items}, name)
            who = handlers[next(p for p, h in handlers.items() if h.username == name)]
            for row, age in items:
                if age < 2:
                    continue
                refs = frozenset(row.record_refs.split(";"))
                fate = _share("fate" + row.fingerprint)
                if not any(p <= refs for p in planted):
                    if fate < 0.8:
                        workflow.dismiss(casebook, who, row.id, None, "false_positive",
                                         "核查不属实")  # fmt: skip
                    continue
                if fate < 0.06:
                    workflow.dismiss(casebook, who, row.id, None, "already_handled",
                                     "该机关已自行纠正")  # fmt: skip
                    continue
                workflow.start_verifying(casebook, who, row.id, None)
                if fate < 0.18:
                    continue  # still under verification
                workflow.confirm(casebook, who, row.id, None, "核查属实")
                if age < 3 or _share("open" + row.fingerprint) > 0.85:
                    continue
                found = dt.date.fromisoformat(row.first_month + "-01")
                opened = min(_add_months(found, 1, 10 + int(fate * 15)), last)
                case = cases.open_case(
                    casebook, who, _case_kind(row.model_id, row.domain), {row.id: None},
                    title=f"{row.model_id} 线索{row.id}", opened_on=opened,
                )  # fmt: skip
                history.cases_opened += 1
                if age < 5 or _share("close" + row.fingerprint) > 0.85:
                    continue
                closed = min(_add_months(opened, 1 + int(fate * 3), 20), last)
                outcome, funds = _outcome(row.model_id, row.evidence, fate)
                cases.close_case(casebook, who, case, None, outcome, funds_recovered=funds,
                                 closed_on=closed)  # fmt: skip
                history.cases_closed += 1
                history.funds += funds
    with casebook.read() as conn:
        counted = conn.execute(
            sa.select(clue_table.c.status, sa.func.count()).group_by(clue_table.c.status)
        )
        history.states = collections.Counter(dict(counted.all()))
    return history
