"""Commands that write documents: the period report and the model documentation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from lexradar.cli.casebook import AsOpt, UrlOpt, _session
from lexradar.cli.common import console, fails_cleanly, settings


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
    out: Annotated[Path, typer.Option("--out", help="report.xlsx or report.html.")],
    as_user: AsOpt,
    url: UrlOpt = None,
    lang: Annotated[str, typer.Option(help="zh (default) or en.")] = "zh",
) -> None:
    """The period report: clues, cases, conversion, funds; by domain, model, procuratorate and
    month, against the same period last year (scoped to the acting user's region)."""
    from lexradar.models import Registry
    from lexradar.reports.period import write_period_report, write_period_report_html

    start, end = _period(period)
    casebook, actor = _session(url, as_user)
    models = [(m.id, m.spec.status) for m in Registry(settings().model_paths).models.values()]
    if out.suffix == ".xlsx":
        path = write_period_report(casebook, actor, start, end, out, lang=lang, models=models)
    elif out.suffix in (".html", ".htm"):
        path = write_period_report_html(casebook, actor, start, end, out, lang=lang, models=models)
    else:
        raise typer.BadParameter("the report is written as .xlsx or .html", param_hint="--out")
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
    from lexradar.models import Registry
    from lexradar.reports.model_docs import write_model_docs

    reg = Registry(settings().model_paths)
    models = [reg.get(model_id)] if model_id else list(reg.models.values())
    casebook = actor = None
    if with_casebook:
        if not as_user:
            raise typer.BadParameter("--runs needs --as USER", param_hint="--as")
        casebook, actor = _session(url, as_user)
    out.mkdir(parents=True, exist_ok=True)
    pages = write_model_docs(models, out, casebook, actor, lang)
    console.print(f"wrote {len(pages)} pages to {out}")
