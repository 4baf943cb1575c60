"""The synthetic region as agencies hand it over: raw files plus the mappings that ingest them.

:func:`render_raw` reads the canonical lake that :func:`lexradar.synth.generate` wrote and
renders each dataset the way its agency would export it: Chinese headers, coded values in
Chinese (男/女, 结婚登记, 出境/入境, 正常/吊销/注销 ...), a GB18030 CSV for the household
registry and the prisons, UTF-8 CSVs with a BOM, a TSV, an ``.xlsx`` marriage registry, a
Parquet and a JSON Lines file; dates in mixed formats (``2015-03-08``, ``2015/3/8``,
``2015年3月8日``, ``20150308``), some 15-digit IDs for persons born before 1999, names with
stray spaces, traditional characters or look-alike middle dots, and pension amounts in fen.

Every defect is one that ingestion repairs exactly, except one: some ID cells of the marriage
registry are written as numbers, as Excel would have stored them (15 significant digits), and
those rows are flagged ``damaged_excel`` and quarantined. Each rendered row carries the
canonical ``record_id`` in its 业务流水号 column, so ingesting ``out/raw`` with
``out/mappings`` gives back the canonical lake row for row, except the damaged rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lexradar.synth.rendering import _dates, _dump, _ids, _names, _write_csv, _write_xlsx

RECORD_COLUMN = "业务流水号"

CODES: dict[str, dict[str, str]] = {
    "gender": {"男": "M", "女": "F"},
    "status.persons": {"正常": "active", "注销": "cancelled"},
    "cancel_reason": {
        "死亡": "death", "迁出": "emigration", "重复登记": "duplicate", "其他": "other"},
    "event_type": {"结婚登记": "marriage", "离婚登记": "divorce", "补发结婚证": "reissue"},
    "case_kind": {"刑事": "criminal", "民事": "civil", "行政": "administrative"},
    "party_role": {"原告": "plaintiff", "被告": "defendant", "被告人": "accused"},
    "outcome": {
        "准予离婚": "divorce_granted",
        "不准予离婚": "divorce_denied",
        "判处有期徒刑": "imprisonment",
        "拘役": "criminal_detention",
        "缓刑": "probation",
        "罚金": "fine",
        "免予刑事处罚": "exempted",
        "原告胜诉": "plaintiff_won",
        "原告败诉": "plaintiff_lost",
        "撤诉": "withdrawn",
    },
    "party_appeared": {"是": "true", "否": "false"},
    "doc_type": {
        "普通护照": "passport",
        "往来港澳通行证": "hk_macao_permit",
        "往来台湾通行证": "taiwan_permit",
    },
    "direction": {"出境": "exit", "入境": "entry"},
    "status.driver_licenses": {"正常": "valid", "吊销": "revoked", "注销": "cancelled"},
    "custody_type": {
        "监狱": "prison",
        "看守所": "detention",
        "暂予监外执行": "temporary_outside",
        "社区矫正": "community_correction",
    },
}  # fmt: skip

DEATH_SOURCES = {
    "cremation": "火化记录",
    "medical_certificate": "医学死亡证明",
    "police": "公安注销",
}


@dataclass(frozen=True)
class Source:
    """How one canonical dataset is exported: file name, format, encoding, headers."""

    dataset: str
    file: str
    format: str
    encoding: str | None
    headers: dict[str, str]  # canonical field -> Chinese header
    fen: tuple[str, ...] = ()


SOURCES: tuple[Source, ...] = (
    Source("persons", "户籍人口.csv", "csv", "gb18030", {
        "person_id": "公民身份号码", "name": "姓名", "gender": "性别", "birth_date": "出生日期",
        "ethnicity": "民族", "region_code": "行政区划代码", "address": "住址",
        "household_id": "户号", "registered_on": "登记日期", "status": "人员状态",
        "cancel_reason": "注销原因", "cancelled_on": "注销日期"}),
    Source("marriage_events", "婚姻登记.xlsx", "xlsx", None, {
        "cert_no": "证件字号", "event_type": "业务类型", "event_date": "登记日期",
        "office": "登记机关", "office_region_code": "登记机关区划", "husband_id": "男方身份证号",
        "husband_name": "男方姓名", "wife_id": "女方身份证号", "wife_name": "女方姓名",
        "prior_cert_no": "原结婚证字号"}),
    Source("judgments", "裁判文书.csv", "csv", "utf-8-sig", {
        "case_no": "案号", "cause": "案由", "case_kind": "案件类型", "party_id": "当事人身份证号",
        "party_name": "当事人", "party_role": "诉讼地位", "party_appeared": "是否到庭",
        "judgment_date": "裁判日期", "effective_date": "生效日期", "outcome": "裁判结果",
        "term_months": "刑期（月）", "sentence_months": "原判刑期（月）",
        "cited_cert_no": "引用结婚证字号", "claim_amount": "诉讼标的额", "court": "审理法院",
        "court_region_code": "法院区划代码"}),
    Source("deaths", "{source}.csv", "csv", "utf-8-sig", {
        "person_id": "身份证号", "name": "死者姓名", "death_date": "死亡日期"}),
    Source("travel_documents", "出入境证件.csv", "csv", "utf-8-sig", {
        "doc_no": "证件号码", "doc_type": "证件类别", "person_id": "身份证号", "name": "姓名",
        "birth_date": "出生日期", "issued_on": "签发日期", "expires_on": "有效期至",
        "issuing_office": "签发机关"}),
    Source("border_crossings", "出入境记录.tsv", "tsv", "utf-8", {
        "doc_no": "证件号码", "direction": "出入境", "port": "口岸", "crossed_at": "出入境时间"}),
    Source("pension_payments", "养老金发放.csv", "csv", "utf-8-sig", {
        "person_id": "社会保障号码", "name": "姓名", "month": "发放年月",
        "amount": "发放金额（分）"},
        fen=("amount",)),
    Source("allowance_payments", "低保发放.parquet", "parquet", None, {
        "person_id": "身份证号", "name": "姓名", "month": "发放月份", "amount": "发放金额（元）"}),
    Source("driver_licenses", "驾驶证.jsonl", "jsonl", "utf-8", {
        "license_no": "档案编号", "person_id": "身份证明号码", "name": "姓名",
        "license_class": "准驾车型", "issued_on": "初次领证日期", "status": "状态",
        "status_date": "状态日期"}),
    Source("custody_records", "刑罚执行.csv", "csv", "gb18030", {
        "person_id": "身份证号", "name": "姓名", "custody_type": "执行类型",
        "start_date": "起始日期", "end_date": "终止日期", "institution": "执行机关",
        "case_no": "案号"}),
)  # fmt: skip


def _codes_for(dataset: str, field: str) -> dict[str, str] | None:
    return CODES.get(f"{field}.{dataset}") or CODES.get(field)


# ---------------------------------------------------------------- rendering values


def render_table(src: Source, table: pa.Table, rng: np.random.Generator) -> pa.Table:
    """The canonical rows of one dataset as the agency writes them: all text, Chinese headers."""
    cols: dict[str, pa.Array] = {RECORD_COLUMN: table["record_id"].combine_chunks()}
    for field, header in src.headers.items():
        col = table[field]
        typ = col.type
        codes = _codes_for(src.dataset, field)
        if codes:
            reverse = {v: k for k, v in codes.items()}
            values = col.to_pylist()
            text = [
                None if v is None else reverse[str(v).lower() if isinstance(v, bool) else str(v)]
                for v in values
            ]
            cols[header] = pa.array(text, pa.string())
        elif field in src.fen:
            cols[header] = pc.cast(
                pc.cast(pc.multiply(col, pa.scalar(100, col.type)), pa.int64()), pa.string()
            )
        elif pa.types.is_date(typ):
            cols[header] = _dates(col, rng)
        elif pa.types.is_timestamp(typ):
            cols[header] = pc.strftime(col.combine_chunks(), "%Y-%m-%d %H:%M:%S")
        elif field.endswith("_id") and field not in ("household_id",):
            cols[header] = pa.array(_ids(col.to_pylist(), rng, 0.03), pa.string())
        elif field in ("name", "husband_name", "wife_name", "party_name"):
            cols[header] = pa.array(_names(col.to_pylist(), rng, 0.03), pa.string())
        else:
            cols[header] = pc.cast(col, pa.string()).combine_chunks()
    return pa.table(cols)


# ---------------------------------------------------------------- writing files


def _mapping(src: Source, file: str, constants: dict[str, str] | None = None) -> dict[str, Any]:
    values = {}
    for field in src.headers:
        codes = _codes_for(src.dataset, field)
        if codes:
            values[field] = dict(codes)
    doc: dict[str, Any] = {"dataset": src.dataset, "files": f"../raw/{file}"}
    if src.encoding:
        doc["encoding"] = src.encoding
    doc["columns"] = dict(src.headers)
    if values:
        doc["values"] = values
    if src.fen:
        doc["transforms"] = dict.fromkeys(src.fen, "fen")
    if constants:
        doc["constants"] = constants
    doc["record_id"] = [RECORD_COLUMN]
    return doc


#: The rendering styles of :func:`render_raw`: 1 the agencies' habits the models were
#: written against, 2 other agencies' habits (:mod:`lexradar.synth.raw2`).
STYLES = (1, 2)


def render_raw(out: Path, seed: int = 1, style: int = 1) -> dict[str, Any]:
    """Render ``out/lake`` into ``out/raw`` and write ``out/mappings`` in ``style`` (see
    :data:`STYLES`); returns a summary."""
    if style not in STYLES:
        raise ValueError(f"no rendering style {style} (styles: {', '.join(map(str, STYLES))})")
    if style == 2:
        from lexradar.synth.raw2 import render_raw2

        return render_raw2(out, seed)
    out = Path(out)
    raw_dir, map_dir = out / "raw", out / "mappings"
    raw_dir.mkdir(parents=True, exist_ok=True)
    map_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed + 7919)
    summary: dict[str, Any] = {"files": {}, "damaged_excel": 0}
    for src in SOURCES:
        parts = sorted((out / "lake" / src.dataset).glob("*.parquet"))
        if not parts:
            continue
        table = pa.concat_tables([pq.read_table(p) for p in parts])
        if src.dataset == "deaths":
            for source, label in DEATH_SOURCES.items():
                sub = table.filter(pc.equal(table["source"], source))
                if not sub.num_rows:
                    continue
                file = src.file.format(source=label)
                _write_csv(render_table(src, sub, rng), raw_dir / file, src.encoding or "utf-8")
                doc = _mapping(src, file, {"source": source})
                _dump(doc, map_dir / f"deaths_{source}.yaml")
                summary["files"][file] = sub.num_rows
            continue
        rendered = render_table(src, table, rng)
        path = raw_dir / src.file
        if src.format in ("csv", "tsv"):
            _write_csv(
                rendered, path, src.encoding or "utf-8", "\t" if src.format == "tsv" else ","
            )
        elif src.format == "xlsx":
            numeric = [src.headers["husband_id"], src.headers["wife_id"]]
            summary["damaged_excel"] += _write_xlsx(rendered, path, rng, numeric)
        elif src.format == "parquet":
            pq.write_table(rendered, path)
        elif src.format == "jsonl":
            with open(path, "w", encoding="utf-8") as f:
                for row in rendered.to_pylist():
                    f.write(json.dumps(row, ensure_ascii=False) + "\n")
        _dump(_mapping(src, src.file), map_dir / f"{src.dataset}.yaml")
        summary["files"][src.file] = table.num_rows
    return summary
