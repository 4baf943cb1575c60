"""The procuratorial recommendation draft (检察建议书) for a confirmed clue or a case, as .docx.

The shipped template follows GB/T 9704-2012 (A4, 仿宋 body, 小标宋 title, the procuratorate's
red mark and document number ``X检建〔2026〕N号``, the date in Chinese numerals, ``— 1 —`` page
numbers; see :mod:`lexradar.reports.templates.make_template`); the official text names the
model by its Chinese title, never by its id.

:func:`write_recommendation` gathers, inside one casebook transaction, the clue (or the case
and its clues) within the acting user's region, the model that raised it, and the evidence
records; it fills an editable Word template with docxtpl (Jinja2 inside a ``.docx``) and
records the generation on the audit chain (``document.recommendation``: who, which clue or
case, whether personal data was revealed). The shipped templates live in
``lexradar/reports/templates`` (built by ``make_template.py``); every placeholder they receive
is listed in :func:`context` and in ``docs/reports.md``.

Personal data is masked by the one masking function (:mod:`lexradar.normalize.masking`) unless
``reveal=True``: revealing needs a reason and a role that works clues (admin, leader, handler —
:data:`lexradar.clues.workflow.WORKERS`), and writes one ``clue.reveal`` audit entry per clue,
as :func:`lexradar.clues.queries.reveal` does.

Where the texts come from, first found wins: the model file's ``addressee`` and
``recommendation`` (``{zh, en}``) if the model spec carries them; ``recommendations.yaml``
beside the template (or the shipped one); else the agency of the evidence records' datasets
and a recommendation built from the model's supervision point.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lexradar.clues.access import User, require, scope
from lexradar.clues.db import Casebook
from lexradar.clues.errors import CasebookError, NotFoundError
from lexradar.clues.events import ClueRevealed, DocumentGenerated
from lexradar.clues.queries import ClueView, clue_view
from lexradar.clues.tables import case_clues, cases, procuratorates
from lexradar.clues.workflow import WORKERS, scoped_clue
from lexradar.errors import LexradarError, Location
from lexradar.normalize.masking import known_values, mask_text
from lexradar.reports.templates.make_template import HERE, template_path

if TYPE_CHECKING:
    from lexradar.models import Registry
    from lexradar.models.registry import Model

REVEAL_ROLES = WORKERS
"""Roles that may put unmasked personal data into a document: those who work clues."""
CONFIRMED = ("confirmed", "supervised", "closed")
"""Clue states a recommendation may be drafted for: confirmed, or already a case."""
TEXTS_FILE = "recommendations.yaml"
TEMPLATE_NAMES = {
    "zh": ("检察建议书.docx", "recommendation.docx"),
    "en": ("recommendation.en.docx", "recommendation.docx"),
}
"""Template file names looked for, in order, in a template folder."""
NUMBER_BLANK = {"zh": "　　", "en": "    "}
"""The document number's place when none is given: filled in by hand when it is issued."""
PDF_LAYOUT = "GB/T 9704 (pdf)"
"""The audit's template name of a PDF draft: the shipped layout, drawn (no .docx template)."""
DIGITS = "〇一二三四五六七八九"
MONTHS = "January February March April May June July August September October November December"
MONTHS_EN = tuple(MONTHS.split())
FACT_SOURCES = ("judgments", "deaths", "persons")
"""Datasets that state facts rather than the supervised agency's own records (fallback only)."""

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "clue": "线索 {id}",
        "case": "案件 {id}（{title}）",
        "masked": "个人信息已脱敏",
        "revealed": "含未脱敏个人信息（已审计）",
        "doc_no": "{short}检建〔{year}〕{number}号",
        "fallback": (
            "建议你单位针对上述问题（{point}）依法调查核实，及时纠正违法情形，"
            "并将办理情况书面回复本院。"
        ),
    },
    "en": {
        "clue": "clue {id}",
        "case": "case {id} ({title})",
        "masked": "personal data masked",
        "revealed": "contains unmasked personal data (audited)",
        "doc_no": "{short} Recommendation [{year}] No. {number}",
        "fallback": (
            "We recommend that you investigate the matters above ({point}), correct what is "
            "unlawful, and reply to this procuratorate in writing."
        ),
    },
}


class DocumentError(LexradarError):
    """A document cannot be drafted (wrong state, bad template, missing model)."""


DOC_NO = re.compile(r"(?P<short>[^\s〔〕\d]{1,20}?)检建〔(?P<year>\d{4})〕(?P<number>\d{1,6})号")
"""A recommendation's document number, GB/T 9704 7.2.4: ``昆检建〔2026〕7号``."""
BRACKETS = str.maketrans({"[": "〔", "]": "〕", "［": "〔", "］": "〕", "【": "〔", "】": "〕"})
"""Brackets typed for 〔〕 (六角括号), which keyboards lack: read as 〔〕."""


class DocNumberError(DocumentError):
    """A document number that is not ``X检建〔YYYY〕N号`` (``code`` says what is wrong)."""

    def __init__(self, message: str, code: str, **values: str) -> None:
        super().__init__(message, Location(field="number"))
        self.code = code
        self.values = values


@dataclass(frozen=True)
class DocNumber:
    """A document number as given: the organ's abbreviation (``None``: the procuratorate's
    name less 人民检察院), the year (``None``: the document's) and the number in the year."""

    short: str | None
    year: int | None
    number: int


def parse_doc_no(text: str, day: dt.date | None = None) -> DocNumber:
    """``昆检建〔2026〕7号`` (or just ``7``: the number in the year, the organ and year filled
    in), checked: the year is the document's (``day``'s), the number has no leading zero
    (GB/T 9704: 1, not 01). Raises :class:`DocNumberError`."""
    value = "".join(text.split()).translate(BRACKETS)
    if value.isdigit():
        short, year, number = None, None, value
    else:
        match = DOC_NO.fullmatch(value)
        if match is None:
            raise DocNumberError(
                f"a document number is written X检建〔YYYY〕N号 (or just N), not {text!r}",
                "form",
                value=text,
            )
        short, year, number = match["short"], int(match["year"]), match["number"]
    if number.startswith("0"):
        raise DocNumberError(
            f"a document number has no leading zero and is 1 or more (GB/T 9704), not {number}",
            "zero",
            number=number,
        )
    if day is not None and year is not None and year != day.year:
        raise DocNumberError(
            f"the number's year {year} is not the document's date's year {day.year}",
            "year",
            year=str(year),
            date_year=str(day.year),
        )
    return DocNumber(short, year, int(number))


@dataclass
class EvidenceRow:
    """One evidence record in the document's table."""

    no: int
    agency: str
    dataset: str
    record: str
    clue: int


def _texts_file(template: Path | None) -> Path:
    if template is not None:
        own = (template if template.is_dir() else template.parent) / TEXTS_FILE
        if own.exists():
            return own
    return HERE / TEXTS_FILE


def _template_file(template: Path | None, lang: str) -> Path:
    if template is None:
        return template_path(lang)
    path = template
    if template.is_dir():
        found = [template / n for n in TEMPLATE_NAMES[lang] if (template / n).is_file()]
        path = found[0] if found else template / TEMPLATE_NAMES[lang][0]
    if not path.is_file():
        raise DocumentError("no such template file", Location(file=str(path), field="template"))
    if path.suffix.lower() != ".docx":
        raise DocumentError("a template is a .docx file", Location(file=str(path)))
    return path


def model_texts(model: Model, lang: str, template: Path | None = None) -> dict[str, str]:
    """The model's addressee and recommendation text in ``lang`` (empty when none is known)."""
    from lexradar.yamlfile import read_yaml

    out: dict[str, str] = {}
    spec = model.spec
    for key in ("addressee", "recommendation"):
        text = getattr(spec, key, None)  # the spec may carry these one day
        if text is not None:
            out[key] = getattr(text, lang, None) or str(text)
    path = _texts_file(template)
    data, _ = read_yaml(path, DocumentError)
    entry = data.get(model.id) if isinstance(data, dict) else None
    if isinstance(entry, dict):
        for key in ("addressee", "recommendation"):
            value = entry.get(key)
            if key not in out and isinstance(value, dict) and value.get(lang):
                out[key] = str(value[lang])
    return out


def _evidence(views: list[ClueView], lang: str) -> list[EvidenceRow]:
    from lexradar.datasets import CONTRACT

    rows: list[EvidenceRow] = []
    for view in views:
        for ref in filter(None, (r.strip() for r in view.record_refs.split(";"))):
            name, _, record = ref.partition(":")
            ds = CONTRACT.get(name)
            agency = getattr(ds.agency, lang) if ds else ""
            title = getattr(ds.title, lang) if ds else name
            rows.append(EvidenceRow(len(rows) + 1, agency, title, record or ref, view.id))
    return rows


def _fallback_addressee(views: list[ClueView], model: Model, lang: str) -> str:
    """The agency of the evidence's datasets that are not mere fact sources."""
    from lexradar.datasets import CONTRACT

    names = [r.split(":")[0] for v in views for r in v.record_refs.split(";") if ":" in r]
    names += list(model.spec.datasets)
    kept = [n for n in names if n in CONTRACT and n not in FACT_SOURCES] or [
        n for n in names if n in CONTRACT
    ]
    return getattr(CONTRACT[kept[0]].agency, lang) if kept else ""


def _scoped_case(conn: Connection, actor: User, case_id: int) -> Any:
    row = conn.execute(
        sa.select(cases).where(cases.c.id == case_id, scope(cases.c.procuratorate_code, actor))
    ).first()
    if row is None:
        raise NotFoundError(
            f"no case {case_id} in {actor.username}'s region", Location(field="case")
        )
    return row


def _mask_title(title: str, rows: list[Any]) -> str:
    """A case title (free text) with the personal values of its clues' evidence masked."""
    known = [kv for row in rows for kv in known_values(json.loads(row.evidence or "{}"))]
    return mask_text(title, known)


def _chinese_number(n: int) -> str:
    """1..31 in Chinese numerals as dates write them: 三, 十, 十二, 二十, 三十一."""
    tens, units = divmod(n, 10)
    if tens == 0:
        return DIGITS[units]
    return (DIGITS[tens] if tens > 1 else "") + "十" + (DIGITS[units] if units else "")


def chinese_date(day: dt.date) -> str:
    """The date of an official document (GB/T 9704 7.3.5): 二〇二五年六月三日."""
    year = "".join(DIGITS[int(d)] for d in str(day.year))
    return f"{year}年{_chinese_number(day.month)}月{_chinese_number(day.day)}日"


def _date(lang: str, day: dt.date) -> str:
    return chinese_date(day) if lang == "zh" else f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def context(
    *,
    views: list[ClueView],
    model: Model,
    procuratorate: tuple[str, str],
    subject: str,
    case: dict[str, Any] | None,
    masked: bool,
    actor: User,
    lang: str,
    template: Path | None,
    day: dt.date | None = None,
    number: int | None = None,
    doc_short: str | None = None,
) -> dict[str, Any]:
    """Every placeholder a recommendation template receives (``day``: the document's date,
    default today; ``number``: its number in the year, default a blank to fill in;
    ``doc_short``: the organ's abbreviation in the number, default the procuratorate's name
    less 人民检察院)."""
    spec = model.spec
    labels = LABELS[lang]
    texts = model_texts(model, lang, template)
    point = getattr(spec.supervision_point, lang)
    code, name = procuratorate
    short = doc_short or (name.removesuffix("人民检察院") if lang == "zh" else name)
    evidence = _evidence(views, lang)
    day = day or dt.date.today()
    no = NUMBER_BLANK[lang] if number is None else str(number)
    return {
        "lang": lang,
        "procuratorate": name,
        "procuratorate_code": code,
        "organ_short": short,
        "year": day.year,
        "number": no,
        "doc_no": labels["doc_no"].format(short=short, year=day.year, number=no),
        "date": _date(lang, day),
        "date_iso": day.isoformat(),
        "addressee": texts.get("addressee") or _fallback_addressee(views, model, lang),
        "model": {
            "id": spec.id,
            "title": getattr(spec.title, lang),
            "version": spec.version,
            "domain": spec.domain,
        },
        "supervision_point": point,
        "facts": [v.explanation if lang == "zh" else v.explanation_en for v in views],
        "legal_basis": list(spec.legal_basis),
        "recommendation": texts.get("recommendation") or labels["fallback"].format(point=point),
        "evidence": [asdict(e) for e in evidence],
        "persons": sorted({p for v in views for p in v.person_ids.split(";") if p}),
        "clues": [
            {
                "id": v.id,
                "status": v.status,
                "severity": v.severity,
                "region_code": v.region_code,
                "fact": v.explanation if lang == "zh" else v.explanation_en,
                "persons": v.person_ids,
                "refs": v.record_refs,
                "evidence": v.evidence,
            }
            for v in views
        ],
        "case": case,
        "subject": subject,
        "masked": masked,
        "privacy": labels["masked" if masked else "revealed"],
        "generated_by": actor.username,
    }


def _subject(
    conn: Connection,
    actor: User,
    clue_id: int | None,
    case_id: int | None,
    *,
    reveal: bool,
    lang: str,
) -> tuple[list[Any], dict[str, Any] | None, str, str, str]:
    """The clue rows a draft is about, the case (if any), the audit subject, the label shown
    in the document and the procuratorate code; refused unless confirmed and in the region."""
    case: dict[str, Any] | None = None
    if case_id is not None:
        row = _scoped_case(conn, actor, case_id)
        ids = list(
            conn.execute(
                sa.select(case_clues.c.clue_id)
                .where(case_clues.c.case_id == case_id)
                .order_by(case_clues.c.clue_id)
            ).scalars()
        )
        rows = [scoped_clue(conn, actor, cid) for cid in ids]
        title = row.title if reveal else _mask_title(row.title, rows)
        case = {
            "id": row.id,
            "kind": row.kind,
            "title": title,
            "opened_on": str(row.opened_on),
            "outcome": row.outcome,
        }
        subject = f"case:{case_id}"
        label = LABELS[lang]["case"].format(id=case_id, title=title or row.kind)
        code = row.procuratorate_code
    else:
        assert clue_id is not None
        clue = scoped_clue(conn, actor, clue_id)
        if clue.status not in CONFIRMED:
            raise DocumentError(
                f"clue {clue_id} is {clue.status}: a recommendation is drafted for a "
                "confirmed clue or a case",
                Location(field="clue"),
            )
        rows = [clue]
        subject = f"clue:{clue_id}"
        label = LABELS[lang]["clue"].format(id=clue_id)
        code = clue.procuratorate_code
    if not rows:
        raise DocumentError(f"case {case_id} has no clues", Location(field="case"))
    return rows, case, subject, label, code


def write_recommendation(
    casebook: Casebook,
    actor: User,
    out: Path,
    *,
    clue_id: int | None = None,
    case_id: int | None = None,
    reveal: bool = False,
    reason: str | None = None,
    lang: str = "zh",
    template: Path | None = None,
    models: Registry | None = None,
    day: dt.date | None = None,
    number: int | None = None,
    doc_short: str | None = None,
) -> Path:
    """Draft the recommendation for a confirmed clue or a case at ``out`` (``.docx`` from the
    template; ``.pdf`` drawn in the shipped layout, texts still from ``recommendations.yaml``
    beside the template); returns ``out``.

    ``template`` is a ``.docx`` or a folder holding ``检察建议书.docx`` or
    ``recommendation.docx`` (``recommendation.en.docx`` for English; and optionally
    ``recommendations.yaml``); default: the ``recommendation_template`` setting, else the
    shipped template for ``lang``. ``models``: the
    registry to find the clue's model in (default: the pack and the ``model_paths`` setting).
    ``day`` is the document's date (default today), ``number`` its number in the year
    (``X检建〔2026〕7号``; default a blank to fill in when the document is issued),
    ``doc_short`` the organ's abbreviation in it (the ``X``; :func:`parse_doc_no` reads a
    number as typed). The audit entry records the number, the date and the format.
    """
    from docxtpl import DocxTemplate

    from lexradar.reports.recommendation_pdf import write_pdf

    if (clue_id is None) == (case_id is None):
        raise DocumentError("give either a clue or a case", Location(field="clue"))
    if lang not in LABELS:
        raise DocumentError(f"lang must be one of {', '.join(LABELS)}", Location(field="lang"))
    if reveal:
        require(actor, *REVEAL_ROLES)
        if not (reason or "").strip():
            raise CasebookError("revealing personal data needs a reason", Location(field="reason"))
    if number is not None and number < 1:
        raise DocumentError("a document number is 1 or more", Location(field="number"))
    kind = out.suffix.lower()
    if kind not in (".docx", ".pdf"):
        raise DocumentError(
            "the recommendation is written as .docx or .pdf", Location(file=str(out))
        )
    if template is None or models is None:
        from lexradar.settings import load_settings

        settings = load_settings()
        template = template or settings.recommendation_template
        if models is None:
            from lexradar.models import Registry

            models = Registry(settings.model_paths)
    source = _template_file(template, lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        with casebook.write() as (conn, events):
            rows, case, subject, label, code = _subject(
                conn, actor, clue_id, case_id, reveal=reveal, lang=lang
            )
            views = [clue_view(r, masked=not reveal) for r in rows]
            model = models.get(rows[0].model_id)
            name = conn.execute(
                sa.select(procuratorates.c.name).where(procuratorates.c.code == code)
            ).scalar()
            values = context(
                views=views,
                model=model,
                procuratorate=(code, name or code),
                subject=label,
                case=case,
                masked=not reveal,
                actor=actor,
                lang=lang,
                template=template,
                day=day,
                number=number,
                doc_short=doc_short,
            )
            try:
                if kind == ".pdf":
                    write_pdf(values, partial)
                else:
                    doc = DocxTemplate(str(source))
                    doc.render(values, autoescape=True)
                    doc.save(str(partial))
            except Exception as exc:  # a broken template: say which file and what
                raise DocumentError(
                    f"cannot fill the template: {exc}", Location(file=str(source))
                ) from exc
            if reveal:
                for view in views:
                    events.append(
                        ClueRevealed(actor.username, view.id, reason or "", "recommendation")
                    )
            events.append(
                DocumentGenerated(
                    actor.username,
                    subject,
                    tuple(v.id for v in views),
                    model.id,
                    reveal,
                    PDF_LAYOUT if kind == ".pdf" else source.name,
                    out.name,
                    reason if reveal else None,
                    values["doc_no"] if number is not None else None,
                    values["date_iso"],
                    kind.removeprefix("."),
                )
            )
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(out)
    return out
