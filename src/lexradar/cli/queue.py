"""Commands on the clue queue: export the filtered queue, and saved filters.

``lexradar clues export --out F.xlsx|F.csv`` writes what the workbench's queue would show with
the same filters (``--search`` by resident ID, name, case or certificate number, ``--saved`` a
saved filter), masked unless ``--reveal REASON``; headers in Chinese unless ``--lang en``.
Exports, searches and filter changes are audited.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lexradar.cli.casebook import AsOpt, UrlOpt, _session, clues_app
from lexradar.cli.common import JsonOpt, console, fails_cleanly, print_json

if TYPE_CHECKING:
    from lexradar.clues.access import User
    from lexradar.clues.db import Casebook
    from lexradar.clues.queries import Filters

StatusOpt = Annotated[str | None, typer.Option(help="Only clues in this state.")]
ModelOpt = Annotated[str | None, typer.Option(help="Only clues of this model.")]
DomainOpt = Annotated[str | None, typer.Option(help="Only clues of this domain.")]
ProcOpt = Annotated[
    str | None, typer.Option(help="Only clues of this procuratorate's subtree (6-digit code).")
]
SeverityOpt = Annotated[str | None, typer.Option(help="high, medium or low.")]
FromOpt = Annotated[str | None, typer.Option("--from", help="First seen on or after YYYY-MM-DD.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="First seen on or before YYYY-MM-DD.")]
SearchOpt = Annotated[
    str | None,
    typer.Option(help="A resident ID (18 or 15 digits), name, case or certificate number."),
]
SavedOpt = Annotated[str | None, typer.Option(help="Start from this saved filter (by name).")]


def _date(text: str | None, flag: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{flag} expects YYYY-MM-DD, not {text!r}") from None


def queue_filters(
    casebook: Casebook,
    actor: User,
    *,
    status: str | None = None,
    model: str | None = None,
    domain: str | None = None,
    procuratorate: str | None = None,
    severity: str | None = None,
    start: str | None = None,
    end: str | None = None,
    search: str | None = None,
    saved_name: str | None = None,
) -> Filters:
    """The queue's filters from the flags, over a saved filter if one is named."""
    from lexradar.clues.queries import Filters
    from lexradar.clues.saved import over_saved

    given = Filters(
        model=model, domain=domain, procuratorate=procuratorate, status=status,
        severity=severity, seen_from=_date(start, "--from"), seen_to=_date(end, "--to"),
        search=search,
    )  # fmt: skip
    return over_saved(casebook, actor, saved_name, given)


def _translator(lang: str):  # type: ignore[no-untyped-def]
    from lexradar.web.i18n import LANGS, t

    if lang not in LANGS:
        raise typer.BadParameter(f"--lang is one of {', '.join(LANGS)}")
    prefix = {"domain": "domain", "status": "state", "severity": "severity", "reason": "reason"}
    return (
        lambda key: t(f"queue.col.{key}", lang=lang),
        lambda kind, value: t(f"{prefix[kind]}.{value}", lang=lang),
    )


def model_titles(lang: str) -> dict[str, str]:
    """Model id → its title in ``lang``, for the models of the project."""
    from lexradar.cli.common import project

    return {
        m.spec.id: getattr(m.spec.title, lang, m.spec.title.zh)
        for m in project().registry.models.values()
    }


@clues_app.command("export")
@fails_cleanly
def export(
    out: Annotated[Path, typer.Option("--out", help="The file to write: .xlsx or .csv.")],
    as_user: AsOpt,
    url: UrlOpt = None,
    status: StatusOpt = None,
    model: ModelOpt = None,
    domain: DomainOpt = None,
    procuratorate: ProcOpt = None,
    severity: SeverityOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    search: SearchOpt = None,
    saved_name: Annotated[
        str | None, typer.Option("--saved", help="Start from this saved filter (by name).")
    ] = None,
    sort: Annotated[str, typer.Option(help="newest, oldest, severity, model, …")] = "newest",
    reveal: Annotated[
        str | None, typer.Option(help="Reason to export personal data unmasked (audited).")
    ] = None,
    lang: Annotated[str, typer.Option(help="Language of headers and values: zh or en.")] = "zh",
) -> None:
    """The filtered queue to .xlsx or .csv (IDs as text, masked unless --reveal; audited)."""
    from lexradar.clues.export import export_queue
    from lexradar.web.lookups import procuratorate_names

    translate, label = _translator(lang)
    casebook, actor = _session(url, as_user)
    filters = queue_filters(
        casebook, actor, status=status, model=model, domain=domain, procuratorate=procuratorate,
        severity=severity, start=start, end=end, search=search, saved_name=saved_name,
    )  # fmt: skip
    done = export_queue(
        casebook, actor, filters, out, sort=sort, reason=reveal, translate=translate,
        label=label, models=model_titles(lang), names=procuratorate_names(casebook, actor),
        english=lang == "en",
    )  # fmt: skip
    what = "unmasked (audited)" if done.revealed else "masked"
    console.print(f"{done.rows} clues → {out} ({what})")


@clues_app.command("filters")
@fails_cleanly
def filters(as_user: AsOpt, url: UrlOpt = None, as_json: JsonOpt = False) -> None:
    """Your saved queue filters."""
    from lexradar.clues.saved import list_saved

    casebook, actor = _session(url, as_user)
    found = list_saved(casebook, actor)
    if as_json:
        print_json([{"id": f.id, "name": f.name, "filters": f.filters} for f in found])
        return
    for f in found:
        shown = " ".join(f"{k}={v}" for k, v in sorted(f.filters.items()))
        console.print(f"{f.id}\t{f.name}\t{shown}", highlight=False)


@clues_app.command("save-filter")
@fails_cleanly
def save_filter(
    name: Annotated[str, typer.Argument(help="Name to keep the filters under.")],
    as_user: AsOpt,
    url: UrlOpt = None,
    status: StatusOpt = None,
    model: ModelOpt = None,
    domain: DomainOpt = None,
    procuratorate: ProcOpt = None,
    severity: SeverityOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
) -> None:
    """Keep queue filters under a name (yours only; a name used again is replaced; audited)."""
    from lexradar.clues.saved import save

    casebook, actor = _session(url, as_user)
    f = queue_filters(
        casebook, actor, status=status, model=model, domain=domain, procuratorate=procuratorate,
        severity=severity, start=start, end=end,
    )  # fmt: skip
    kept = save(casebook, actor, name, f)
    console.print(f"filter {kept.id} {kept.name!r} saved", highlight=False)


@clues_app.command("delete-filter")
@fails_cleanly
def delete_filter(
    filter_id: Annotated[int, typer.Argument(help="Id of the saved filter (`clues filters`).")],
    as_user: AsOpt,
    url: UrlOpt = None,
) -> None:
    """Delete one of your saved filters (audited)."""
    from lexradar.clues.saved import delete

    casebook, actor = _session(url, as_user)
    console.print(f"filter {delete(casebook, actor, filter_id)!r} deleted", highlight=False)
