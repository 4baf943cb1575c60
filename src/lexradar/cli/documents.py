"""``lexradar documents``: read judgment documents into elements (court, parties, sentences …)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from lexradar.cli.common import console, err_console, fails_cleanly
from lexradar.errors import LexradarError

if TYPE_CHECKING:
    from lexradar.documents.extract import DocumentElements

app = typer.Typer(
    help="Judgment documents (判决书, 裁定书 …) read into elements with their spans: court, "
    "case number, parties, charges, sentences, cited articles.",
    no_args_is_help=True,
)

CorpusOpt = Annotated[
    Path,
    typer.Option(
        "--corpus",
        envvar="LEXRADAR_JUDGMENT_CORPUS",
        help="Documents: JSON Lines (id, document), .txt, .docx, .html, .pdf, or a folder of them.",
    ),
]
RevealOpt = Annotated[
    bool,
    typer.Option(
        "--reveal",
        help="Show names, resident IDs, addresses and birth dates unmasked (masked by default).",
    ),
]

_STYLES = {
    "court": "bold cyan",
    "case_number": "bold cyan",
    "procuratorate": "cyan",
    "indictment_number": "cyan",
    "judgment_date": "bold magenta",
    "party": "yellow",
    "personal": "yellow",
    "charge": "bold red",
    "penalty": "bold green",
    "term": "green",
    "probation": "green",
    "fine": "green",
    "additional": "green",
    "custody": "magenta",
    "article": "blue",
}


def _documents(path: Path) -> Iterator[tuple[str, str]]:
    from lexradar.documents.readers import read_documents

    return read_documents(path)


_OTHER_PERSON = re.compile(
    r"(?:被害人|证人|同案人|同案犯|被告人|辩护人|诉讼代理人|法定代理人|附带民事诉讼原告人)"
    r"(?P<n>[\u4e00-\u9fff][\u4e00-\u9fff×0-9]{1,2})"
)
_NOT_IN_NAME = set("的、，,。；及和与等在经系陈证称于对向将到被已均因并")


def _other_names(text: str) -> set[str]:
    """Names of victims, witnesses and others the header does not list (被害人许杰经济损失 …):
    masked too. Taken wide (up to three characters): masking one character too many is safe."""
    out = set()
    for m in _OTHER_PERSON.finditer(text):
        name = m.group("n")
        while len(name) > 1 and name[-1] in _NOT_IN_NAME:
            name = name[:-1]
        if len(name) >= 2 and not name.endswith("某"):
            out.add(name)
    return out


def _known(elements: DocumentElements, text: str = "") -> list[tuple[str, Any]]:
    known: list[tuple[str, Any]] = [("name", n) for n in sorted(_other_names(text))]
    for p in elements.parties:
        known.append(("name", p.name.value))
        if p.residence is not None:
            known.append(("address", p.residence.value))
        if p.resident_id is not None:
            known.append(("resident_id", p.resident_id.value))
    return known


def masked_elements(data: dict[str, Any], text: str = "") -> dict[str, Any]:
    """``DocumentElements.as_dict()`` with names, IDs, addresses and birth dates masked (the
    names of victims and witnesses in ``text`` too, where an element quotes them)."""
    from lexradar.normalize.masking import mask, mask_text

    known: list[tuple[str, Any]] = [("name", n) for n in sorted(_other_names(text))]
    known += [("name", p["name"]["value"]) for p in data["parties"] if p["name"] is not None]
    known += [("name", d["name"]) for d in data["defendants"]]
    data["problems"] = [mask_text(problem, known) for problem in data["problems"]]
    types = {"name": "name", "residence": "address", "resident_id": "resident_id"}
    for party in data["parties"]:
        for field, type_name in types.items():
            if party[field] is not None:
                party[field]["value"] = mask(type_name, party[field]["value"])
        if party["birth_date"] is not None:
            party["birth_date"]["value"] = str(party["birth_date"]["value"])[:4] + "-**-**"
    for defendant in data["defendants"]:
        defendant["name"] = mask("name", defendant["name"])
    for order in data["orders"]:
        order["defendant"] = mask("name", order["defendant"])
        order["text"]["value"] = mask_text(order["text"]["value"], known)
    return data


def _spans(e: DocumentElements) -> list[tuple[int, int, str, str | None]]:
    """(start, end, style, personal type or None) of every element, for the highlighted text."""
    from lexradar.documents.sentence import Found

    out: list[tuple[int, int, str, str | None]] = []

    def add(found: Found[Any] | None, style: str, personal: str | None = None) -> None:
        if found is not None and found.end > found.start:
            out.append((found.start, found.end, style, personal))

    add(e.court, "court")
    add(e.case_number, "case_number")
    add(e.procuratorate, "procuratorate")
    add(e.indictment_number, "indictment_number")
    add(e.judgment_date, "judgment_date")
    for p in e.parties:
        add(p.role, "party")
        add(p.name, "personal", "name")
        add(p.birth_date, "personal", "birth_date")
        add(p.residence, "personal", "address")
        add(p.resident_id, "personal", "resident_id")
        add(p.sex, "party")
        add(p.ethnicity, "party")
    for d in e.defendants:
        for c in d.charges:
            add(c, "charge")
        s = d.sentence
        add(s.penalty_kind, "penalty")
        add(s.term_months, "term")
        add(s.probation_months, "probation")
        add(s.fine, "fine")
        add(s.custody_start, "custody")
        add(s.custody_end, "custody")
        for extra in s.additional:
            add(extra.kind, "additional")
    for article in e.articles:
        out.append((article.start, article.end, "article", None))
    out.sort()
    kept: list[tuple[int, int, str, str | None]] = []
    for span in out:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


def _highlighted(text: str, e: DocumentElements, reveal: bool) -> Text:
    from lexradar.normalize.masking import mask, mask_text

    known = _known(e, text)
    shown = Text()
    at = 0
    for start, end, style, personal in _spans(e):
        gap = text[at:start]
        shown.append(gap if reveal else mask_text(gap, known))
        surface = text[start:end]
        if personal == "birth_date" and not reveal:
            surface = surface[: surface.find("年") + 1] + "**月**日"  # the year, as masked dates
        elif personal is not None and not reveal:
            surface = str(mask(personal, surface))
        shown.append(surface, style=_STYLES[style])
        at = end
    tail = text[at:]
    shown.append(tail if reveal else mask_text(tail, known))
    return shown


def _rows(e: DocumentElements, text: str, reveal: bool) -> Iterator[tuple[str, str, str]]:
    data = e.as_dict()
    if not reveal:
        data = masked_elements(data, text)

    def span(found: dict[str, Any] | None) -> str:
        return "" if found is None else f"{found['span'][0]}–{found['span'][1]}"

    def value(found: dict[str, Any] | None) -> str:
        return "" if found is None else str(found["value"])

    for field in (
        "court",
        "court_region_code",
        "case_number",
        "document_kind",
        "case_kind",
        "instance",
        "judgment_date",
        "procuratorate",
        "indictment_number",
    ):
        extra = f" ({data['region_source']})" if field == "court_region_code" else ""
        yield field, value(data[field]) + (extra if data[field] else ""), span(data[field])
    for i, p in enumerate(data["parties"], start=1):
        for field in ("role", "name", "sex", "birth_date", "ethnicity", "residence", "resident_id"):
            if p[field] is not None:
                yield f"party {i} {field}", value(p[field]), span(p[field])
    for d in data["defendants"]:
        who = d["name"]
        for c in d["charges"]:
            v = c["value"]
            official = "" if v["official"] == v["name"] else f" ← {v['official']}"
            yield f"{who} charge", f"{v['name']}{official} (art. {v['article']})", span(c)
        s = d["sentence"]
        for field in ("penalty_kind", "term_months", "probation_months", "fine", "combined"):
            if s[field] is not None:
                yield f"{who} {field}", value(s[field]), span(s[field])
        for a in s["additional"]:
            detail = ""
            if a["months"] is not None:
                detail = f" {a['months']['value']} months"
            elif a["life"]:
                detail = " 终身"
            elif a["amount"] is not None:
                detail = f" {a['amount']['value']} 元"
            yield f"{who} additional", value(a["kind"]) + detail, span(a["kind"])
        for field in ("custody_start", "custody_end"):
            if s[field] is not None:
                yield f"{who} {field}", value(s[field]), span(s[field])
        yield f"{who} outcome", str(s["outcome"]), ""
    for a in data["articles"]:
        yield "article", a["label"], f"{a['span'][0]}–{a['span'][1]}"
    for o in data["orders"]:
        amount = f" {o['amount']['value']} 元" if o["amount"] else ""
        who = f" ({o['defendant']})" if o["defendant"] else ""
        yield "order", f"{o['kind']['value']}{amount}{who}: {o['text']['value']}", span(o["text"])
    for problem in data["problems"]:
        yield "problem", problem, ""


@app.command("show")
@fails_cleanly
def show(
    doc_id: Annotated[str, typer.Argument(metavar="ID", help="The document's id in the corpus.")],
    corpus: CorpusOpt,
    reveal: RevealOpt = False,
    text: Annotated[
        bool, typer.Option("--text/--no-text", help="Print the highlighted document.")
    ] = True,
) -> None:
    """Print a document with its elements highlighted, then a table of the elements and spans."""
    from lexradar.documents.extract import extract

    found = next((t for i, t in _documents(corpus) if i == doc_id), None)
    if found is None:
        raise LexradarError(f"{corpus}: no document with id {doc_id!r}")
    e = extract(found, doc_id)
    if text:
        console.print(_highlighted(found, e, reveal), soft_wrap=True)
        console.print()
    table = Table(title=f"elements of {escape(doc_id)}", title_justify="left")
    for col in ("element", "value", "span"):
        table.add_column(col)
    for row in _rows(e, found, reveal):
        table.add_row(*(escape(c) for c in row))
    console.print(table)


@app.command("extract")
@fails_cleanly
def extract_file(
    path: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="JSON Lines (id, document), .txt, .docx, .html or .pdf files, or a folder.",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="JSON Lines of elements to write.")],
    reveal: RevealOpt = False,
) -> None:
    """Extract the elements of every document of FILE into one JSON line each (spans included)."""
    from lexradar.documents.extract import extract

    n = problems = 0
    t0 = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as handle:
        for doc_id, text in _documents(path):
            data = extract(text, doc_id).as_dict()
            if not reveal:
                data = masked_elements(data, text)
            problems += bool(data["problems"])
            handle.write(json.dumps(data, ensure_ascii=False) + "\n")
            n += 1
    seconds = time.perf_counter() - t0
    if n == 0:
        err_console.print(f"[yellow]warning:[/] {escape(str(path))}: no documents")
    console.print(
        f"{n:,} documents → {escape(str(out))} in {seconds:.2f} s; "
        f"{problems:,} with a problem noted (see each line's 'problems')"
        + ("" if reveal else "; names, IDs, addresses and birth dates masked"),
        highlight=False,
    )


@app.command("similar")
@fails_cleanly
def similar(
    doc_id: Annotated[str, typer.Argument(metavar="ID", help="The document to start from.")],
    inputs: Annotated[
        list[Path],
        typer.Option(
            "--in",
            help="Documents to search (JSON Lines, .txt, .docx, .html, .pdf, folders; "
            "repeatable); the document ID must be among them.",
        ),
    ],
    k: Annotated[int, typer.Option("-k", help="How many similar cases.")] = 10,
    any_penalty: Annotated[
        bool,
        typer.Option("--any-penalty", help="The same charges suffice (any penalty)."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """Similar cases (类案): the documents with the same charges and penalty, by BM25."""
    from lexradar.documents.similar import Library

    lib = Library.build(pair for path in inputs for pair in _documents(path))
    if doc_id not in lib.by_id:
        raise LexradarError(f"no document with id {doc_id!r} in {', '.join(map(str, inputs))}")
    hits = lib.similar(doc_id, k=k, same_penalty=not any_penalty)
    pattern = lib.pattern(doc_id)
    if as_json:
        for h in hits:
            typer.echo(json.dumps({
                "id": h.doc_id, "score": round(h.score, 3), "charges": sorted(h.pattern.charges),
                "penalty": h.pattern.penalty, "fined": h.pattern.fined,
                "same_charges": h.same_charges, "same_penalty": h.same_penalty,
            }, ensure_ascii=False))  # fmt: skip
        return
    table = Table(
        title=f"cases like {escape(doc_id)} ({escape(pattern.describe())}) among {len(lib):,}",
        title_justify="left",
    )
    for col in ("#", "document", "BM25", "charges / penalty", "shares"):
        table.add_column(col, justify="right" if col in ("#", "BM25") else "left")
    for n, h in enumerate(hits, start=1):
        shares = "charges + penalty" if h.same_charges and h.same_penalty else (
            "charges" if h.same_charges else "text only")  # fmt: skip
        table.add_row(str(n), escape(h.doc_id), f"{h.score:.1f}",
                      escape(h.pattern.describe()), shares)  # fmt: skip
    console.print(table)
