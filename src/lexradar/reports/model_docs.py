"""Model documentation: one self-contained HTML page per model, plus an index.

A page shows what a reviewer or a handler needs to trust a model: its titles, domain, status,
version and owner, the supervision point, the rule in plain words, the legal basis, the
datasets it reads, its parameters, the golden examples (rows given, clues expected), the SQL
and the lifecycle history. Given a casebook, it also shows the model's runs and yield (clues
raised, confirmed, dismissed and the cases opened), scoped to the acting user's region.

The pages are plain HTML with inline CSS (no scripts, no external links) so that they can be
copied to an intranet share or opened from a USB stick. They are Jinja templates
(``reports/templates/model_docs/``) with autoescaping: every value is HTML-escaped. The casebook
figures come from :mod:`lexradar.reports.activity`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2

from lexradar.clues.access import SYSTEM, User
from lexradar.clues.db import Casebook
from lexradar.datasets import CONTRACT
from lexradar.errors import LexradarError
from lexradar.models.examples import Example, examples_path, load_examples
from lexradar.models.registry import Model
from lexradar.normalize.region_code import full_name
from lexradar.reports.activity import Activity, model_activity

LANGS = ("zh", "en")

DOMAINS: dict[str, dict[str, str]] = {
    "zh": {
        "criminal": "刑事",
        "civil": "民事",
        "administrative": "行政",
        "public_interest": "公益诉讼",
    },
    "en": {
        "criminal": "Criminal",
        "civil": "Civil",
        "administrative": "Administrative",
        "public_interest": "Public interest",
    },
}
STATUSES: dict[str, dict[str, str]] = {
    "zh": {"draft": "草稿", "testing": "测试", "production": "生产", "retired": "停用"},
    "en": {
        "draft": "Draft",
        "testing": "Testing",
        "production": "Production",
        "retired": "Retired",
    },
}
LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "index_title": "监督模型说明",
        "index_intro": "共 {n} 个模型",
        "back": "返回模型列表",
        "id": "模型编号",
        "title": "名称",
        "title_en": "英文名称",
        "domain": "检察领域",
        "status": "状态",
        "version": "版本",
        "owner": "所属检察院",
        "supervision_point": "监督点",
        "description": "规则说明",
        "explanation": "线索说明模板",
        "legal_basis": "法律依据",
        "datasets": "数据集",
        "dataset": "数据集",
        "dataset_title": "名称",
        "parameters": "参数",
        "no_parameters": "无参数",
        "inputs": "可选数据项",
        "input_field": "数据项",
        "input_without": "缺少时的处理",
        "param_name": "参数名",
        "param_type": "类型",
        "param_default": "默认值",
        "param_doc": "说明",
        "examples": "标准样例",
        "no_examples": "暂无标准样例",
        "positive": "正例",
        "negative": "反例",
        "given": "输入数据",
        "expect": "预期线索",
        "no_clue": "预期无线索",
        "as_of": "基准日",
        "params": "参数取值",
        "sql": "规则 SQL",
        "history": "生命周期",
        "no_history": "暂无记录",
        "from": "原状态",
        "to": "新状态",
        "by": "操作人",
        "at": "时间",
        "reason": "原因",
        "runs": "运行记录",
        "no_runs": "暂无运行记录",
        "run_count": "运行次数",
        "last_run": "最近基准日",
        "run_id": "运行编号",
        "run_clues": "线索数",
        "seconds": "耗时（秒）",
        "loaded_at": "导入时间",
        "yield": "线索成效",
        "clues": "发现线索",
        "confirmed": "已确认",
        "dismissed": "已排除",
        "precision": "准确率",
        "cases": "立案监督",
        "dismiss_reasons": "排除原因",
        "count": "数量",
        "generated": "生成于",
    },
    "en": {
        "index_title": "Supervision models",
        "index_intro": "{n} models",
        "back": "Back to the model list",
        "id": "Model id",
        "title": "Title",
        "title_en": "Title (Chinese)",
        "domain": "Domain",
        "status": "Status",
        "version": "Version",
        "owner": "Owner",
        "supervision_point": "Supervision point",
        "description": "The rule in plain words",
        "explanation": "Clue explanation template",
        "legal_basis": "Legal basis",
        "datasets": "Datasets",
        "dataset": "Dataset",
        "dataset_title": "Title",
        "parameters": "Parameters",
        "no_parameters": "No parameters",
        "inputs": "Optional inputs",
        "input_field": "Field",
        "input_without": "Without it",
        "param_name": "Name",
        "param_type": "Type",
        "param_default": "Default",
        "param_doc": "Meaning",
        "examples": "Golden examples",
        "no_examples": "No golden examples yet",
        "positive": "positive",
        "negative": "negative",
        "given": "Rows given",
        "expect": "Clues expected",
        "no_clue": "No clue expected",
        "as_of": "As of",
        "params": "Parameters",
        "sql": "The rule (SQL)",
        "history": "Lifecycle",
        "no_history": "No transitions recorded",
        "from": "From",
        "to": "To",
        "by": "By",
        "at": "At",
        "reason": "Reason",
        "runs": "Runs",
        "no_runs": "No runs recorded",
        "run_count": "Runs",
        "last_run": "Latest as-of date",
        "run_id": "Run",
        "run_clues": "Clues",
        "seconds": "Seconds",
        "loaded_at": "Loaded at",
        "yield": "Yield",
        "clues": "Clues raised",
        "confirmed": "Confirmed",
        "dismissed": "Dismissed",
        "precision": "Precision",
        "cases": "Cases",
        "dismiss_reasons": "Dismissal reasons",
        "count": "Count",
        "generated": "Generated",
    },
}

CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:70em;
padding:0 1em;color:#222;line-height:1.5}
h1{border-bottom:2px solid #8b0000;padding-bottom:.2em}h2{color:#8b0000;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.2em .5em;
text-align:left;vertical-align:top}th{background:#f3f3f3}
pre{background:#f7f7f7;border:1px solid #ddd;padding:.8em;overflow-x:auto}
.meta th{width:10em}.positive{color:#060}.negative{color:#555}
.example{border-left:4px solid #ddd;padding-left:1em;margin:1em 0}
small{color:#666}
"""


def _text(value: object) -> str:
    """A cell's text: dates in ISO form, lists joined, ``None`` as nothing."""
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    return str(value)


@functools.cache
def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("lexradar.reports", "templates/model_docs"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["cell"] = _text
    return env


def _columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The keys of ``rows`` in order of first appearance."""
    out: list[str] = []
    for row in rows:
        out.extend(k for k in row if k not in out)
    return out


def _owner(code: str) -> str:
    try:
        return f"{code} {full_name(code)}"
    except LexradarError:
        return code


def _example(ex: Example) -> dict[str, Any]:
    """What the template shows of one golden example: its tables as columns and rows."""
    given = []
    for name, rows in ex.given.items():
        cols = _columns(rows)
        title = CONTRACT[name].title.zh if name in CONTRACT else ""
        given.append(
            {
                "name": name,
                "title": title,
                "columns": cols,
                "rows": [[r.get(c) for c in cols] for r in rows],
            }
        )
    expect_cols = _columns(ex.expect)
    return {
        "kind": ex.kind,
        "name": ex.name,
        "as_of": ex.as_of,
        "params": ex.params,
        "params_text": ", ".join(f"{k} = {_text(v)}" for k, v in ex.params.items()),
        "given": given,
        "expect_columns": expect_cols,
        "expect_rows": [[c.get(k) for k in expect_cols] for c in ex.expect],
    }


def render_model(model: Model, lang: str = "zh", activity: Activity | None = None) -> str:
    """The HTML page of one model; ``activity`` adds its runs and yield."""
    lab, spec = LABELS[lang], model.spec
    other = "en" if lang == "zh" else "zh"
    examples = load_examples(model) if examples_path(model).exists() else []
    context: dict[str, Any] = {
        "lang": lang,
        "other": other,
        "css": CSS,
        "lab": lab,
        "spec": spec,
        "page_title": f"{spec.id} — {getattr(spec.title, lang)}",
        "meta": [
            (lab["id"], spec.id),
            (lab["title_en"], getattr(spec.title, other)),
            (lab["domain"], DOMAINS[lang][spec.domain]),
            (lab["status"], STATUSES[lang][spec.status]),
            (lab["version"], spec.version),
            (lab["owner"], _owner(spec.owner)),
        ],
        "datasets": [[d, CONTRACT[d].title.zh] for d in spec.datasets],
        "parameters": [[p.name, p.type, p.default, p.doc] for p in spec.parameters],
        "inputs": [[i.field, getattr(i.without, lang)] for i in spec.inputs],
        "examples": [_example(ex) for ex in examples],
        "sql": model.sql.rstrip(),
        "history": [
            [h.at, STATUSES[lang][h.from_status], STATUSES[lang][h.to_status], h.by, h.reason]
            for h in spec.history
        ],
        "activity": activity,
    }
    if activity is not None:
        y = activity.yield_
        context |= {
            "last_run": max((r["as_of"] for r in activity.runs), default=None),
            "runs": [
                [
                    r["run_id"],
                    r["model_version"],
                    r["as_of"],
                    r["clues"],
                    "" if r["seconds"] is None else f"{r['seconds']:.1f}",
                    r["loaded_at"],
                ]
                for r in activity.runs
            ],
            "yield_row": [
                y.clues,
                y.confirmed,
                y.dismissed,
                "" if y.precision is None else f"{y.precision:.1%}",
                y.cases,
            ],
            "reasons": sorted(y.reasons.items(), key=lambda kv: (-kv[1], kv[0])),
        }
    return _templates().get_template("model.html.j2").render(context)


def render_index(models: Sequence[Model], lang: str = "zh") -> str:
    """The list of ``models`` with domain, status and title, each linking to its page."""
    lab = LABELS[lang]
    return (
        _templates()
        .get_template("index.html.j2")
        .render(
            lang=lang,
            css=CSS,
            lab=lab,
            page_title=lab["index_title"],
            models=models,
            domains=DOMAINS[lang],
            statuses=STATUSES[lang],
        )
    )


def write_model_docs(
    models: list[Model],
    out: Path,
    casebook: Casebook | None = None,
    actor: User | None = None,
    lang: str = "zh",
) -> list[Path]:
    """Write ``<id>.html`` for each model and ``index.html`` under ``out``; return the pages.

    With a casebook, each page adds the model's runs and yield, scoped to ``actor`` (the
    whole region, :data:`~lexradar.clues.access.SYSTEM`, when none is given). The index is the
    last path returned.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ordered = sorted(models, key=lambda m: m.id)
    activity: dict[str, Activity] = {}
    if casebook is not None and ordered:
        activity = model_activity(casebook, actor or SYSTEM, [m.id for m in ordered])
    written = []
    for model in ordered:
        path = out / f"{model.id}.html"
        path.write_text(render_model(model, lang, activity.get(model.id)), encoding="utf-8")
        written.append(path)
    index = out / "index.html"
    index.write_text(render_index(ordered, lang), encoding="utf-8")
    written.append(index)
    return written
