"""Commands that write documents: the period report, recommendation drafts, model documentation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from lexradar.cli.casebook import AsOpt, UrlOpt, _session
from lexradar.cli.common import console, fails_cleanly, project


def _period(text: str) -> tuple[dt.date, dt.date]:
    """``2023-01..2023-07`` → the first day of the first month, the last day of the last."""
    try:
        first, last = (part.strip() for part in text.split(".."))
        start = dt.date.fromisoformat(first + "-01")
        y, m = (int(v) for v in last.split("-"))
        end = (dt.date(y + (m == 12), m % 12 + 1, 1)) - dt.timedelta(days=1)
    except ValueError:
        raise typer.BadParameter("YYYY-MM..YYYY-MM, e.g. 2023-01..2023-07") from None
    if end < start:
        raise typer.BadParameter("the period ends before it starts")
    return start, end


@fails_cleanly
def report(
    period: Annotated[str, typer.Option("--period", help="Months, e.g. 2023-01..2023-07.")],
    out: Annotated[Path, typer.Option("--out", help="report.xlsx, report.pdf or report.html.")],
    as_user: AsOpt,
    url: UrlOpt = None,
    procuratorate: Annotated[
        str | None,
        typer.Option(
            "--procuratorate",
            help="Only this procuratorate's subtree (a code inside the acting user's region).",
        ),
    ] = None,
    lang: Annotated[str, typer.Option(help="zh (default) or en.")] = "zh",
) -> None:
    """The period report: clues, cases, conversion, funds; by domain, model, procuratorate and
    month, against the same period last year (scoped to the acting user's region); with charts
    in the PDF and HTML."""
    from lexradar.reports.output import WRITERS, write_report
    from lexradar.reports.period import TEXT

    fmt = {".htm": "html"}.get(out.suffix.lower(), out.suffix.lower().lstrip("."))
    if fmt not in WRITERS:
        raise typer.BadParameter(
            "the report is written as .xlsx, .pdf or .html", param_hint="--out"
        )
    if lang not in TEXT:
        raise typer.BadParameter(f"one of {', '.join(TEXT)}", param_hint="--lang")
    start, end = _period(period)
    casebook, actor = _session(url, as_user)
    models = [(m.id, m.spec.status) for m in project().registry.models.values()]
    with console.status(f"writing {out.name}"):
        path = write_report(
            casebook, actor, start, end, out, fmt, lang, models, procuratorate=procuratorate
        )
    console.print(f"wrote {path}")


@fails_cleanly
def recommend(
    out: Annotated[
        Path, typer.Option("--out", help="The draft: a .docx file (or .pdf, the shipped layout).")
    ],
    as_user: AsOpt,
    clue: Annotated[int | None, typer.Option("--clue", help="A confirmed clue.")] = None,
    case: Annotated[int | None, typer.Option("--case", help="A supervised case.")] = None,
    reveal: Annotated[
        bool,
        typer.Option("--reveal", help="Put unmasked personal data in (needs --reason; audited)."),
    ] = False,
    reason: Annotated[str | None, typer.Option(help="Why personal data is revealed.")] = None,
    template: Annotated[
        Path | None,
        typer.Option(
            help="Your own template: a .docx, or a folder with 检察建议书.docx "
            "(default: the recommendation_template setting, else the shipped GB/T 9704 one)."
        ),
    ] = None,
    number: Annotated[
        int | None,
        typer.Option(
            "--number", min=1, help="Number in the year: X检建〔2026〕N号 (default: left blank)."
        ),
    ] = None,
    date: Annotated[
        dt.datetime | None,
        typer.Option("--date", formats=["%Y-%m-%d"], help="Date of the document (default today)."),
    ] = None,
    url: UrlOpt = None,
    lang: Annotated[str, typer.Option(help="zh (default) or en.")] = "zh",
) -> None:
    """Draft a procuratorial recommendation (检察建议书) for a confirmed clue or a case: the
    addressee agency, the facts, the legal basis and the recommendation of the model, and an
    evidence table, laid out as GB/T 9704 (A4, 仿宋, the procuratorate's mark and document
    number). Personal data is masked unless --reveal; every draft is audited."""
    from lexradar.reports.recommendation import write_recommendation

    if (clue is None) == (case is None):
        raise typer.BadParameter("give --clue N or --case N", param_hint="--clue/--case")
    if reveal and not (reason or "").strip():
        raise typer.BadParameter("--reveal needs --reason", param_hint="--reason")
    casebook, actor = _session(url, as_user)
    proj = project()
    settings = proj.settings
    path = write_recommendation(
        casebook,
        actor,
        out,
        clue_id=clue,
        case_id=case,
        reveal=reveal,
        reason=reason,
        lang=lang,
        template=template or settings.recommendation_template,
        models=proj.registry,
        day=date.date() if date else None,
        number=number,
    )
    console.print(f"wrote {path}")


@fails_cleanly
def models_doc(
    model_id: Annotated[str | None, typer.Argument(help="One model (default: all).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the pages.")] = Path("model-docs"),
    lang: Annotated[str, typer.Option(help="zh (default) or en.")] = "zh",
    with_casebook: Annotated[
        bool, typer.Option("--runs", help="Add runs and yield from the casebook.")
    ] = False,
    url: UrlOpt = None,
    as_user: Annotated[
        str | None, typer.Option("--as", envvar="LEXRADAR_USER", help="User for --runs.")
    ] = None,
) -> None:
    """One HTML page per model (rule, legal basis, datasets, parameters, golden examples, SQL,
    history; runs and yield with --runs) and an index — to share a model with others."""
    from lexradar.reports.model_docs import write_model_docs

    reg = project().registry
    models = [reg.get(model_id)] if model_id else list(reg.models.values())
    casebook = actor = None
    if with_casebook:
        if not as_user:
            raise typer.BadParameter("--runs needs --as USER", param_hint="--as")
        casebook, actor = _session(url, as_user)
    out.mkdir(parents=True, exist_ok=True)
    pages = write_model_docs(models, out, casebook, actor, lang)
    console.print(f"wrote {len(pages)} pages to {out}")
