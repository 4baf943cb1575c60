"""Draft mappings from raw exports: ``lexradar ingest suggest FILE…``.

:func:`suggest` reads a file's header and a sample of its rows and writes a draft mapping:

- the **dataset**, from the file name and from how many of each dataset's fields its columns
  can fill;
- **columns**, matched to contract fields by header synonyms (身份证号/公民身份号码/证件号码 …)
  and checked against the shape of the values (resident IDs, dates, region codes, amounts,
  names, short code lists); a header that matches but whose values do not is not taken;
- **transforms**: date formats the defaults do not read (``%Y%m`` months), amounts in fen;
- **value maps** for coded fields, from known codes (男/女, 1/2, 结婚/离婚, 出境/入境, A/F/G …);
  a code it does not know gets ``# TODO``; a code whose meaning depends on another column
  (执行方式 per 执行机关类型) gets a conditional map;
- **derived fields** the file lacks: the court's region code and the case kind from 案号, a
  licence number from the holder's ID;
- **parse** for free-text judgment results (or, when the parser is not installed, a value
  map of the results in the file, guessed by keywords and marked for review);
- **two mappings** when one file holds two datasets' periods (收押/释放 and 矫正开始/矫正结束);
- ``record_id`` from a column of distinct record numbers.

What it could not decide is written as ``# TODO`` comments; a required field it found no column
for is listed under ``columns`` as ``field: null  # TODO``, which ``ingest`` refuses until the
user fills it in.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lexradar.datasets.contract_model import CONTRACT
from lexradar.ingest.mapping import EXTENSIONS, ID_FIELDS, NAME_FIELDS, REGION_FIELDS
from lexradar.ingest.readers import open_reader
from lexradar.normalize import region_code

SAMPLE_ROWS = 20_000
#: Distinct values counted over the whole file per column, beyond which it is no code list.
DISTINCT_TRACKED = 200

#: Words in a file name that name its dataset.
FILE_HINTS: dict[str, tuple[str, ...]] = {
    "persons": ("户籍", "人口"),
    "marriage_events": ("婚姻", "结婚", "离婚"),
    "judgments": ("裁判", "审判", "判决", "法院", "案件"),
    "deaths": ("死亡", "火化", "殡葬"),
    "travel_documents": ("证件",),
    "border_crossings": ("出入境记录", "通关", "边检"),
    "pension_payments": ("养老",),
    "allowance_payments": ("低保", "最低生活"),
    "driver_licenses": ("驾驶",),
    "custody_records": ("刑罚", "监狱", "矫正", "执行", "羁押"),
}

#: Header synonyms per dataset and field, most specific first.
HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "persons": {
        "person_id": ("公民身份号码", "身份证号", "身份号码", "证件号码"),
        "name": ("姓名",), "gender": ("性别",), "birth_date": ("出生",), "ethnicity": ("民族",),
        "region_code": ("行政区划", "区划"), "address": ("住址", "地址"),
        "household_id": ("户号",), "registered_on": ("登记日期", "入户", "立户", "登记时间"),
        "status": ("人员状态", "状态"), "cancel_reason": ("注销原因",),
        "cancelled_on": ("注销日期", "注销时间"),
    },
    "marriage_events": {
        "cert_no": ("证件字号", "证字号", "证书编号", "结婚证号", "证号"),
        "prior_cert_no": ("原结婚证", "原证书", "原证"),
        "event_type": ("业务类型", "登记类别", "登记类型", "类型"),
        "event_date": ("登记日期", "办理日期", "登记时间"),
        "office_region_code": ("机关区划", "区划"), "office": ("登记机关", "机关"),
        "husband_id": ("男方身份证", "男方证件", "男方身份", "男方公民"),
        "husband_name": ("男方姓名",),
        "wife_id": ("女方身份证", "女方证件", "女方身份", "女方公民"),
        "wife_name": ("女方姓名",),
    },
    "judgments": {
        "case_no": ("案号",), "cause": ("案由", "罪名"), "case_kind": ("案件类型", "案件类别"),
        "party_id": ("身份证", "证件号码", "身份号码"), "party_name": ("当事人", "姓名"),
        "party_role": ("诉讼地位", "当事人类型", "诉讼身份"), "party_appeared": ("到庭",),
        "judgment_date": ("裁判日期", "判决日期", "宣判日期", "结案日期"),
        "effective_date": ("生效",), "outcome": ("裁判结果", "判决结果", "判项", "结果"),
        "sentence_months": ("原判刑期",), "term_months": ("刑期",),
        "cited_cert_no": ("结婚证", "证书编号", "证字号", "引用"),
        "claim_amount": ("标的",), "court_region_code": ("法院区划", "区划"),
        "court": ("法院",),
    },
    "deaths": {
        "person_id": ("身份证", "身份号码", "证件号"), "name": ("姓名",),
        "death_date": ("死亡日期", "死亡时间"), "source": ("来源",),
    },
    "travel_documents": {
        "person_id": ("身份证", "身份号码", "公民身份"), "doc_no": ("证件号码", "证件号"),
        "doc_type": ("证件类别", "证件种类", "证件类型"), "name": ("姓名",),
        "birth_date": ("出生",), "issued_on": ("签发日期", "发证日期"),
        "expires_on": ("有效期",), "issuing_office": ("签发机关", "签发单位", "发证机关"),
    },
    "border_crossings": {
        "doc_no": ("证件号",), "direction": ("出入境", "出入标识", "方向"),
        "port": ("口岸",), "crossed_at": ("出入境时间", "通关时间", "时间"),
    },
    "pension_payments": {
        "person_id": ("社会保障号", "身份证", "身份号码"), "name": ("姓名",),
        "month": ("年月", "月份", "发放月"), "amount": ("金额",),
    },
    "allowance_payments": {
        "person_id": ("身份证", "身份号码", "证件号"), "name": ("姓名",),
        "month": ("年月", "月份", "发放月"), "amount": ("金额",),
    },
    "driver_licenses": {
        "person_id": ("身份证明号码", "身份证", "身份号码"),
        "license_no": ("档案编号", "驾驶证号", "证号"), "name": ("姓名",),
        "license_class": ("准驾车型", "车型"),
        "issued_on": ("初次领证", "领证日期", "发证日期"),
        "status_date": ("状态日期", "状态更新", "变更日期"), "status": ("状态",),
    },
    "custody_records": {
        "person_id": ("身份证", "身份号码"), "name": ("姓名",),
        "custody_type": ("执行类型", "执行方式", "羁押类型"),
        "start_date": ("起始日期", "开始日期", "收押", "入监", "矫正开始"),
        "end_date": ("终止日期", "结束日期", "释放", "出监", "矫正结束"),
        "institution": ("执行机关", "监狱名称", "机关名称"), "case_no": ("案号",),
    },
}  # fmt: skip

#: Known codes per (dataset, field) or field: source value → canonical value.
CODES: dict[str, dict[str, str]] = {
    "gender": {"男": "M", "女": "F", "1": "M", "2": "F", "M": "M", "F": "F"},
    "persons.status": {"正常": "active", "注销": "cancelled", "1": "active", "0": "cancelled",
                       "在册": "active", "迁出": "cancelled"},
    "cancel_reason": {"死亡": "death", "迁出": "emigration", "重复登记": "duplicate",
                      "其他": "other", "1": "death", "2": "emigration", "3": "duplicate",
                      "9": "other"},
    "event_type": {"结婚登记": "marriage", "结婚": "marriage", "离婚登记": "divorce",
                   "离婚": "divorce", "补发结婚证": "reissue", "补领结婚证": "reissue",
                   "补证": "reissue"},
    "case_kind": {"刑事": "criminal", "民事": "civil", "行政": "administrative", "刑": "criminal",
                  "民": "civil", "行": "administrative"},
    "party_role": {"原告": "plaintiff", "被告": "defendant", "被告人": "accused",
                   "起诉人": "plaintiff", "申请人": "plaintiff", "被申请人": "defendant"},
    "party_appeared": {"是": "true", "否": "false", "到庭": "true", "缺席": "false",
                       "未到庭": "false"},
    "doc_type": {"普通护照": "passport", "护照": "passport", "往来港澳通行证": "hk_macao_permit",
                 "港澳通行证": "hk_macao_permit", "往来台湾通行证": "taiwan_permit",
                 "台湾通行证": "taiwan_permit", "边境通行证": "border_pass",
                 "边境管理区通行证": "border_pass"},
    "direction": {"出境": "exit", "入境": "entry", "出": "exit", "入": "entry", "1": "exit",
                  "2": "entry"},
    "driver_licenses.status": {"正常": "valid", "吊销": "revoked", "注销": "cancelled",
                               "A": "valid", "F": "revoked", "G": "cancelled"},
    "source": {"火化": "cremation", "火化记录": "cremation", "医院": "medical_certificate",
               "医学死亡证明": "medical_certificate", "医学证明": "medical_certificate",
               "公安": "police", "公安注销": "police"},
    "outcome": {"准予离婚": "divorce_granted", "不准予离婚": "divorce_denied",
                "判处有期徒刑": "imprisonment", "有期徒刑": "imprisonment",
                "拘役": "criminal_detention", "缓刑": "probation", "罚金": "fine",
                "免予刑事处罚": "exempted", "原告胜诉": "plaintiff_won",
                "原告败诉": "plaintiff_lost", "撤诉": "withdrawn"},
    "custody_type": {"监狱": "prison", "看守所": "detention",
                     "暂予监外执行": "temporary_outside", "社区矫正": "community_correction"},
}  # fmt: skip

#: Organs that say what a custody code means, when the code column is a bare number.
ORGANS = {"监狱": "prison", "看守所": "detention", "拘役所": "detention"}

#: Province abbreviations in 案号 → the province's GB/T 2260 code.
PROVINCES = {
    "京": "11", "津": "12", "冀": "13", "晋": "14", "内": "15", "蒙": "15", "辽": "21",
    "吉": "22", "黑": "23", "沪": "31", "苏": "32", "浙": "33", "皖": "34", "闽": "35",
    "赣": "36", "鲁": "37", "豫": "41", "鄂": "42", "湘": "43", "粤": "44", "桂": "45",
    "琼": "46", "渝": "50", "川": "51", "黔": "52", "贵": "52", "滇": "53", "云": "53",
    "藏": "54", "陕": "61", "甘": "62", "青": "63", "宁": "64", "新": "65",
}  # fmt: skip

_ID = re.compile(r"\s*([0-9]{17}[0-9Xx]|[0-9]{15}|[0-9]\.[0-9]+[eE]\+1[67])\s*")
_DATE_FORMATS: dict[str, re.Pattern[str]] = {
    "iso": re.compile(r"(19|20)\d\d-\d{1,2}-\d{1,2}"),
    "slash": re.compile(r"(19|20)\d\d/\d{1,2}/\d{1,2}"),
    "dot": re.compile(r"(19|20)\d\d\.\d{1,2}\.\d{1,2}"),
    "han": re.compile(r"(19|20)\d\d年\d{1,2}月\d{1,2}日"),
    "compact": re.compile(r"(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])"),
    "month": re.compile(r"(19|20)\d\d(0[1-9]|1[0-2])"),
}
_TIME = re.compile(
    r"(19|20)\d\d[-/]\d{1,2}[-/]\d{1,2}[ T]\d{1,2}:\d\d(:\d\d(\.\d+)?)?|(19|20)\d{12}"
)
_NUMBER = re.compile(r"-?[0-9][0-9,]*(\.[0-9]+)?")
_NAME = re.compile(r"[\u4e00-\u9fff·•．・\s]{2,12}")
_CASE_NO = re.compile(r"[(（]\d{4}[)）]\D{0,3}\d{4}")
_CERT = re.compile(r"[A-Za-z]{1,3}\d{6}[-－—\s]?\d{4}[-－—\s]?\d{1,6}")
_RESULT = re.compile(r"判处|准予|驳回|撤回|撤诉|免予|偿还|支付|离婚|缓刑|拘役|有期徒刑|罚金")
_RECORD = ("流水号", "记录编号", "编号", "序号", "记录号", "业务号")


@dataclass
class Column:
    """One column of the file: its header, a sample of its values, their shape."""

    header: str
    values: list[str]
    distinct: Counter[str]
    shape: str = "text"  # id | date | timestamp | region | amount | int | name | case_no | ...
    date_format: str | None = None
    filled: float = 0.0

    @property
    def few(self) -> bool:
        """A short code list: few distinct values, repeated."""
        rows = sum(self.distinct.values())
        return 0 < len(self.distinct) <= 24 and rows >= 2 * len(self.distinct)


@dataclass
class Draft:
    """A draft mapping, its open questions, and what it decided for each field."""

    dataset: str
    file: Path
    doc: dict[str, Any]
    todo: dict[str, str] = field(default_factory=dict)  # key path → what to check
    name: str = ""


def _share(values: list[str], pattern: re.Pattern[str], search: bool = False) -> float:
    match = pattern.search if search else pattern.fullmatch
    return sum(1 for v in values if match(v)) / len(values) if values else 0.0


def _shape(col: Column) -> None:
    vals = col.values
    if not vals:
        col.shape = "empty"
        return
    if _share(vals, _ID) >= 0.6:
        col.shape = "id"
        return
    if _share(vals, _TIME) >= 0.6:
        col.shape = "timestamp"
        return
    shares = {k: _share(vals, p) for k, p in _DATE_FORMATS.items()}
    if shares["month"] >= 0.8:
        col.shape, col.date_format = "date", "%Y%m"
        return
    if sum(v for k, v in shares.items() if k != "month") >= 0.8:
        col.shape = "date"
        return
    if _share(vals, _CASE_NO, search=True) >= 0.6:
        col.shape = "case_no"
        return
    if _share(vals, _CERT) >= 0.6:
        col.shape = "cert"
        return
    if sum(1 for v in vals if len(v) == 6 and v.isdigit() and region_code.is_valid(v)) >= 0.8 * len(
        vals
    ):
        col.shape = "region"
        return
    if _share(vals, _NUMBER) >= 0.9:
        col.shape = "int" if all("." not in v for v in vals) else "amount"
        return
    if sum(1 for v in vals if _RESULT.search(v)) >= 0.6 * len(vals) and len(col.distinct) > 5:
        col.shape = "result"
        return
    if _share(vals, _NAME) >= 0.8 and (
        len(col.distinct) > 30 or len(col.distinct) > 0.3 * len(vals)
    ):
        col.shape = "name"


def read_columns(path: Path, sample: int = SAMPLE_ROWS) -> tuple[list[Column], str | None, str]:
    """The columns of a raw file with a sample of their values, its encoding and format.

    The shapes are judged on up to ``sample`` filled cells per column, taken from the whole
    file, and the distinct values of the columns that have few (code lists) are counted over
    the whole file: exports are often sorted (every marriage registration before the first
    divorce, so a divorce's 原证书编号 is empty in the first rows)."""
    import pyarrow.compute as pc

    fmt = EXTENSIONS.get(path.suffix.lower(), "csv")
    reader = open_reader(path, fmt)
    cols: list[list[str]] = [[] for _ in reader.header]
    counts: list[Counter[str] | None] = [Counter() for _ in reader.header]
    filled = [0] * len(reader.header)
    total = 0
    chunks = reader.chunks()
    try:
        for chunk in chunks:
            for i, name in enumerate(reader.columns()):
                column = pc.utf8_trim_whitespace(chunk.table[name])
                present = pc.fill_null(pc.greater(pc.utf8_length(column), 0), False)
                filled[i] += pc.sum(present).as_py() or 0
                if len(cols[i]) < sample:
                    cells = column.filter(present).slice(0, sample - len(cols[i]))
                    cols[i].extend(cells.to_pylist())
                seen = counts[i]
                if seen is not None:
                    for item in pc.value_counts(column).to_pylist():
                        if item["values"]:
                            seen[item["values"]] += item["counts"]
                    if len(seen) > DISTINCT_TRACKED:
                        counts[i] = None
            total += chunk.table.num_rows
    finally:
        close = getattr(chunks, "close", None)
        if close:
            close()
    out = []
    for header, values, seen, n in zip(reader.header, cols, counts, filled, strict=True):
        distinct = seen if seen is not None else Counter(values)
        col = Column(header, values, distinct, filled=n / max(total, 1))
        _shape(col)
        out.append(col)
    return out, reader.encoding, fmt


# ---------------------------------------------------------------- matching


def _fits(ds: str, fld: str, col: Column) -> bool:
    """Whether a column's values can be a field's."""
    typ = CONTRACT[ds].field(fld).type
    if fld in ID_FIELDS:
        return col.shape == "id"
    if col.shape == "id":
        return fld == "license_no"  # a licence number is often the holder's ID
    if fld in NAME_FIELDS:
        return col.shape == "name"
    if fld in REGION_FIELDS:
        return col.shape == "region"
    if typ == "date":
        return col.shape == "date" or col.shape == "timestamp"
    if typ == "timestamp":
        return col.shape in ("timestamp", "date")
    if typ == "decimal":
        return col.shape in ("amount", "int")
    if typ in ("int32", "int64"):
        return col.shape == "int"
    if fld == "outcome":
        return col.shape == "result" or col.few
    if CONTRACT[ds].field(fld).values or typ == "bool":
        return col.few
    if fld in ("cert_no", "prior_cert_no", "cited_cert_no"):
        return col.shape == "cert"
    if fld == "case_no":
        return col.shape == "case_no"
    return col.shape not in ("date", "timestamp", "amount")


def _match(ds: str, cols: list[Column]) -> dict[str, tuple[Column, float]]:
    """Field → (column, score): each column used once, the best scores first."""
    scored = []
    for fld, words in HEADERS[ds].items():
        for col in cols:
            for rank, word in enumerate(words):
                if word in col.header and _fits(ds, fld, col):
                    score = len(word) * 2 - rank * 0.1 + (3 if col.header == word else 0)
                    score += col.filled
                    scored.append((score, fld, col))
                    break
    chosen: dict[str, tuple[Column, float]] = {}
    used: set[int] = set()
    for score, fld, col in sorted(scored, key=lambda t: -t[0]):
        if fld in chosen or id(col) in used:
            continue
        chosen[fld] = (col, score)
        used.add(id(col))
    return chosen


def guess_dataset(path: Path, cols: list[Column]) -> tuple[str, float]:
    """The dataset a file most likely holds, and a score (required fields found)."""
    best, best_score = "persons", -1.0
    for ds in CONTRACT:
        if ds not in HEADERS:
            continue
        found = _match(ds, cols)
        required = [f.name for f in CONTRACT[ds].fields if f.required]
        have = sum(1 for f in required if f in found or f in _derivable(ds, found, cols))
        score = have / len(required) + 0.05 * len(found)
        if any(w in path.stem for w in FILE_HINTS.get(ds, ())):
            score += 0.5
        if score > best_score:
            best, best_score = ds, score
    return best, best_score


def _derivable(ds: str, found: dict[str, tuple[Column, float]], cols: list[Column]) -> set[str]:
    out = set()
    if ds == "judgments" and "case_no" in found:
        out |= {"court_region_code", "case_kind"}
    if ds == "driver_licenses" and "person_id" in found:
        out.add("license_no")
    return out


# ---------------------------------------------------------------- the draft


def _codes(ds: str, fld: str) -> dict[str, str]:
    return CODES.get(f"{ds}.{fld}") or CODES.get(fld) or {}


def _value_map(ds: str, fld: str, col: Column, draft: Draft) -> dict[str, str] | None:
    allowed = CONTRACT[ds].field(fld).values
    typ = CONTRACT[ds].field(fld).type
    if typ == "bool":
        known = _codes(ds, fld)
        if all(
            v.lower() in ("是", "否", "true", "false", "1", "0", "到庭", "缺席")
            for v in col.distinct
        ):
            return None
        return {v: known.get(v, "TODO") for v in sorted(col.distinct)}
    if not allowed:
        return None
    if set(col.distinct) <= set(allowed):
        return None
    known = _codes(ds, fld)
    out: dict[str, str] = {}
    for v in sorted(col.distinct):
        canon = known.get(v) or (v if v in allowed else None)
        if canon is None:
            for src, c in known.items():
                if len(src) > 1 and src in v:
                    canon = c
                    break
        out[v] = canon or "TODO"
        if canon is None:
            draft.todo[f"values.{fld}.{v}"] = f"which of {', '.join(allowed)} is '{v}'?"
    return out


def _organ_column(cols: list[Column], code: Column) -> Column | None:
    for col in cols:
        if (
            col is not code
            and col.few
            and any(o in v for v in col.distinct for o in ("监狱", "看守所", "司法"))
        ):
            return col
    return None


def _conditional(
    ds: str, code: Column, organ: Column, rows: list[tuple[str, str]], draft: Draft
) -> dict[str, Any]:
    maps: dict[str, dict[str, str]] = {}
    for org, val in sorted(set(rows)):
        canon = next((c for o, c in ORGANS.items() if o in org), None)
        if canon is None and "司法" in org:
            canon = {"1": "community_correction", "2": "temporary_outside"}.get(val)
            draft.todo[f"values.custody_type.maps.{org}.{val}"] = (
                f"'{val}' under '{org}': community_correction or temporary_outside?"
            )
        if canon is None:
            draft.todo[f"values.custody_type.maps.{org}.{val}"] = f"'{val}' under '{org}'"
        maps.setdefault(org, {})[val] = canon or "TODO"
    return {"by": organ.header, "maps": maps}


def _outcome_keywords(text: str, cause: str | None = None) -> str:
    """A judgment result's outcome by keywords (used only when the parser is missing)."""
    if "不准" in text or ("驳回" in text and "离婚" in text):
        return "divorce_denied"
    if "准予" in text and "离婚" in text:
        return "divorce_granted"
    if "缓刑" in text:
        return "probation"
    if "有期徒刑" in text:
        return "imprisonment"
    if "拘役" in text:
        return "criminal_detention"
    if "免予刑事处罚" in text:
        return "exempted"
    if "罚金" in text:
        return "fine"
    if "胜诉" in text:
        return "plaintiff_won"
    if "败诉" in text:
        return "plaintiff_lost"
    if "撤回" in text or "撤诉" in text:
        return "withdrawn"
    if "驳回" in text:
        return "plaintiff_lost"
    if "偿还" in text or "支付" in text or "给付" in text:
        return "plaintiff_won"
    return "TODO"


def _parser_available() -> bool:
    try:
        import lexradar.documents.sentence  # noqa: F401
    except ImportError:
        return False
    return True


def draft_mappings(path: Path, sample: int = SAMPLE_ROWS) -> list[Draft]:
    """The draft mapping(s) of one raw file."""
    cols, encoding, fmt = read_columns(path, sample)
    ds, _ = guess_dataset(path, cols)
    found = _match(ds, cols)
    by_header = {c.header: c for c in cols}
    draft = Draft(ds, path, {})
    doc: dict[str, Any] = {"dataset": ds, "files": path.name}
    if fmt in ("csv", "tsv", "jsonl") and encoding and encoding.lower() not in ("utf-8",):
        doc["encoding"] = encoding
    columns: dict[str, str | None] = {f: c.header for f, (c, _) in found.items()}
    values: dict[str, Any] = {}
    transforms: dict[str, Any] = {}
    derive: dict[str, Any] = {}
    parse: dict[str, Any] = {}
    # free-text results
    if ds == "judgments" and "outcome" in found and found["outcome"][0].shape == "result":
        col = found["outcome"][0]
        if _parser_available():
            del columns["outcome"]
            parse[col.header] = {
                "parser": "judgment_result",
                "case_kind": "case_kind",
                "cause": "cause",
                "fields": {"outcome": "outcome", "term_months": "term_months",
                           "sentence_months": "sentence_months"},
            }  # fmt: skip
            for f in ("term_months", "sentence_months"):
                columns.pop(f, None)
        else:
            known = _codes(ds, "outcome")
            values["outcome"] = {
                v: known.get(v) or _outcome_keywords(v) for v in sorted(col.distinct)
            }
            draft.todo["values.outcome"] = (
                "the judgment-result parser is not installed: outcomes guessed by keywords from "
                "the sample; terms and probation periods are not read"
            )
    for f, (col, _) in found.items():
        if f in parse or f not in columns:
            continue
        if col.date_format:
            transforms[f] = {"type": "date", "formats": [col.date_format]}
        if CONTRACT[ds].field(f).type == "decimal" and "分" in col.header:
            transforms[f] = "fen"
        if f == "custody_type":
            organ = _organ_column(cols, col)
            if organ is not None and not set(col.distinct) <= set(_codes(ds, f)):
                idx_rows = list(zip(organ.values, col.values, strict=False))
                values[f] = _conditional(ds, col, organ, idx_rows, draft)
                continue
        if f != "outcome" or "outcome" not in values:
            vm = _value_map(ds, f, col, draft)
            if vm:
                values[f] = vm
    # derived fields the file lacks
    if ds == "judgments" and "case_no" in found:
        case = found["case_no"][0]
        if "court_region_code" not in columns:
            abbrevs = Counter(m.group(1) for v in case.values
                              if (m := re.search(r"[)）](\D)\d{4}", v)))  # fmt: skip
            prov = PROVINCES.get(abbrevs.most_common(1)[0][0]) if abbrevs else None
            derive["court_region_code"] = {
                "from": case.header, "pattern": r"[)）]\D*?(\d{4})\D",
                "template": f"{prov or '15'}\\1",
            }  # fmt: skip
            if prov is None:
                draft.todo["derive.court_region_code"] = "the province code of the courts"
        if "case_kind" not in columns:
            derive["case_kind"] = {"from": case.header, "pattern": r"\d{4}\D*?(刑|民|行)"}
            values["case_kind"] = {"刑": "criminal", "民": "civil", "行": "administrative"}
    if ds == "driver_licenses" and "license_no" not in columns and "person_id" in columns:
        derive["license_no"] = {"from": columns["person_id"]}
        draft.todo["derive.license_no"] = "no licence number in the file: the holder's ID is used"
    doc["columns"] = columns
    parsed = {o for p in parse.values() for o in p["fields"].values()}
    for spec in CONTRACT[ds].fields:
        if (
            spec.required
            and spec.name not in columns
            and spec.name not in derive
            and spec.name not in parsed
        ):
            if ds == "deaths" and spec.name == "source":
                # a file per source: the source is in the file name (火化记录.csv)
                hits = {c for w, c in _codes(ds, "source").items() if w in path.stem}
                doc.setdefault("constants", {})["source"] = hits.pop() if len(hits) == 1 else "TODO"
                if doc["constants"]["source"] == "TODO":
                    draft.todo["constants.source"] = "cremation, medical_certificate or police?"
                continue
            columns[spec.name] = None
            draft.todo[f"columns.{spec.name}"] = f"no column found for the required {spec.name}"
    for key, val in (("derive", derive), ("values", values), ("transforms", transforms),
                     ("parse", parse)):  # fmt: skip
        if val:
            doc[key] = val
    record = [c for c in cols if any(w in c.header for w in _RECORD)
              and len(c.distinct) == len(c.values) and c.values]  # fmt: skip
    if record:
        doc["record_id"] = [record[0].header]
    else:
        draft.todo["record_id"] = "no column of distinct record numbers: a row hash is used"
    draft.doc = doc
    # one file, two datasets' periods: a second mapping for the other period columns
    if ds == "custody_records":
        starts = _dated(cols, ("矫正开始", "监外执行开始"))
        prison = _dated(cols, ("收押", "入监"))
        if starts and prison:
            ends = _dated(cols, ("矫正结束", "监外执行结束"))
            releases = _dated(cols, ("释放", "出监"))
            doc["columns"]["start_date"] = prison[0].header
            if releases:
                doc["columns"]["end_date"] = releases[0].header
            doc["rows"] = {"present": [prison[0].header]}
            other = {**doc, "columns": {**doc["columns"], "start_date": starts[0].header},
                     "rows": {"present": [starts[0].header]}}  # fmt: skip
            if ends:
                other["columns"]["end_date"] = ends[0].header
            draft.name = "custody_prison"
            second = Draft(ds, path, other, dict(draft.todo), "custody_correction")
            return [draft, second]
    del by_header
    return [draft]


def _dated(cols: list[Column], words: tuple[str, ...]) -> list[Column]:
    """The date columns whose header holds one of ``words``."""
    return [c for c in cols if c.shape == "date" and any(w in c.header for w in words)]


# ---------------------------------------------------------------- writing


def _yaml_scalar(v: Any) -> str:
    import yaml

    if v is None:
        return "null"
    text = yaml.safe_dump(v, allow_unicode=True, default_flow_style=True, width=1000).strip()
    return text[:-4].strip() if text.endswith("\n...") else text.removesuffix("...").strip()


def render(draft: Draft, out_dir: Path) -> str:
    """The draft as YAML text, with ``# TODO`` comments where a decision is the user's."""
    doc = dict(draft.doc)
    doc["files"] = os.path.relpath(draft.file.absolute(), out_dir.absolute())
    lines = [
        f"# draft mapping for {draft.file.name}, written by lexradar ingest suggest:",
        "# review every line marked TODO, then: lexradar ingest THIS_FILE",
    ]

    def todo(path: str) -> str:
        return f"  # TODO: {draft.todo[path]}" if path in draft.todo else ""

    def emit(node: Any, path: str, indent: int) -> None:
        pad = "  " * indent
        for key, val in node.items():
            p = f"{path}.{key}" if path else str(key)
            k = _yaml_scalar(str(key))
            if isinstance(val, dict) and val:
                lines.append(f"{pad}{k}:{todo(p)}")
                emit(val, p, indent + 1)
            else:
                mark = todo(p) or ("  # TODO" if val == "TODO" else "")
                lines.append(f"{pad}{k}: {_yaml_scalar(val)}{mark}")

    emit(doc, "", 0)
    return "\n".join(lines) + "\n"


def suggest(
    files: list[Path], out_dir: Path, sample: int = SAMPLE_ROWS
) -> list[tuple[Path, Draft]]:
    """Write a draft mapping for each file into ``out_dir``; returns (mapping file, draft)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Path, Draft]] = []
    taken: set[str] = set()
    for path in files:
        for draft in draft_mappings(Path(path), sample):
            stem = draft.name or draft.dataset
            name, n = stem, 2
            while name in taken:
                name, n = f"{stem}_{n}", n + 1
            taken.add(name)
            target = out_dir / f"{name}.yaml"
            target.write_text(render(draft, out_dir), encoding="utf-8")
            written.append((target, draft))
    return written


# ---------------------------------------------------------------- measuring a draft


def _reads(doc: dict[str, Any]) -> dict[str, str]:
    """Field → how a mapping reads it (source column, or derivation, or constant)."""
    out: dict[str, str] = {}
    for f, c in (doc.get("columns") or {}).items():
        out[f] = f"column {c}"
    for f, d in (doc.get("derive") or {}).items():
        out[f] = f"derived from {d.get('from')}" + (" by pattern" if d.get("pattern") else "")
    for c, p in (doc.get("parse") or {}).items():
        for f in p.get("fields", {}).values():
            out[f] = f"parsed from {c}"
    for f, v in (doc.get("constants") or {}).items():
        out[f] = f"constant {v}"
    return out


def _flat(values: Any) -> dict[str, str]:
    if isinstance(values, dict) and {"by", "maps"} <= set(values):
        return {f"{values['by']}={k}|{a}": b for k, m in values["maps"].items()
                for a, b in m.items()}  # fmt: skip
    return {str(k): str(v) for k, v in (values or {}).items()}


def agreement(draft: dict[str, Any], reference: dict[str, Any]) -> tuple[int, int, list[str]]:
    """How many of the fields a reviewed mapping (``reference``) reads the draft reads the
    same way: same source, same value map on the codes both name, same date formats, same row
    selection. Returns (right, fields, what differs)."""
    mine, theirs = _reads(draft), _reads(reference)
    wrong = []
    if draft.get("dataset") != reference.get("dataset"):
        return 0, len(theirs), [f"dataset {draft.get('dataset')} for {reference.get('dataset')}"]
    right = 0
    for f, how in theirs.items():
        problems = []
        if mine.get(f) != how:
            problems.append(f"{mine.get(f) or 'not read'} for {how}")
        a = _flat((draft.get("values") or {}).get(f))
        b = _flat((reference.get("values") or {}).get(f))
        if any(a.get(k) != v for k, v in b.items() if k in a) or "TODO" in a.values():
            problems.append("value map differs or has TODO")
        ta = (draft.get("transforms") or {}).get(f)
        tb = (reference.get("transforms") or {}).get(f)
        if ta != tb:
            problems.append(f"transform {ta} for {tb}")
        if problems:
            wrong.append(f"{f}: {'; '.join(problems)}")
        else:
            right += 1
    if draft.get("rows") != reference.get("rows"):
        wrong.append(f"rows {draft.get('rows')} for {reference.get('rows')}")
    return right, len(theirs), wrong
