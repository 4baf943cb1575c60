"""Style 2 of the raw agency files: habits the models were not written against.

Style 1 (:mod:`lexradar.synth.raw`) renders each dataset with one set of headers and coded
values. Style 2 renders the same canonical lake the way other agencies export it:

- other header names and other codes (性别 ``1``/``2``, 出入境 ``1``/``2``, licence states
  ``A``/``F``/``G``, document types by name), other encodings and formats (a UTF-8 household
  registry with a BOM, a GB18030 court export, an ``.xlsx`` allowance sheet, licences as CSV);
- the court's 裁判结果 as free text (``判处有期徒刑1年6个月，缓刑二年``,
  ``判处拘役1个月，并处罚金人民币11000元``, ``驳回原告的诉讼请求``, ``不准予原告与被告离婚``),
  with the term and the probation period only inside that text, Arabic or Chinese numerals;
- cited certificate numbers in court citation styles: full-width dashes
  (``J150103－2018－000035``), lower case, no zero padding, no hyphens;
- no household number in the household registry, no issue date and no licence number in the
  licence export, no case kind and no court region code in the court export: the region code
  is inside 案号 (``(2019)内0404民初1234号``), the case kind too (刑/民/行);
- months as ``YYYYMM``: text in the pension CSV, numbers in the allowance sheet;
- a leading TAB on every ID of the pension file (what a ``\\t`` prefix to keep Excel from
  turning IDs into numbers leaves behind);
- IDs that Excel stored as numbers (15 significant digits) on some divorce rows;
- one prisons-and-corrections file holding two datasets' periods in one row layout
  (收押日期/释放日期 for prisons and jails, 矫正开始日期/矫正结束日期 for community
  correction and temporary execution outside prison), whose 执行方式 code means something
  different per 执行机关类型;
- one deaths file for every source, with the source as a column.

The mappings written beside the files use the mapping features these shapes need (derived
fields, conditional value maps, rows of one file split between two mappings, ``%Y%m`` months,
``parse`` for the free-text results).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lexradar.synth import rendering as r1

RECORD = "记录编号"
_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """0..99 in Chinese numerals as judgments write them (十, 十二, 二十, 二十四)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def term_text(months: int, chinese: bool, fraction_years: bool = True) -> str:
    """A term of ``months``: ``1年6个月``, ``一年六个月``, ``6个月``, ``二年``."""
    num = chinese_number if chinese else str
    years, rest = divmod(months, 12)
    if not years or not fraction_years:
        return f"{num(months)}个月"
    return f"{num(years)}年" + (f"{num(rest)}个月" if rest else "")


def result_text(row: dict[str, Any], rng: np.random.Generator) -> str:
    """The 裁判结果 of one judgment row as a court writes it."""
    outcome, term, sentence = row["outcome"], row["term_months"], row["sentence_months"]
    chinese = bool(rng.random() < 0.5)
    fine = ""
    if rng.random() < 0.3:
        fine = f"，并处罚金人民币{int(rng.integers(1, 40)) * 1000}元"
    cause = row["cause"] or ""
    if outcome == "imprisonment":
        return f"判处有期徒刑{term_text(int(term or 6), chinese)}{fine}"
    if outcome == "criminal_detention":
        return f"判处拘役{term_text(int(term or 1), chinese, False)}{fine}"
    if outcome == "probation":
        sentence = int(sentence or term or 6)
        kind = "拘役" if cause == "危险驾驶罪" and sentence <= 6 else "有期徒刑"
        main = term_text(sentence, chinese and rng.random() < 0.5, kind == "有期徒刑")
        return f"判处{kind}{main}，缓刑{term_text(int(term or sentence), True)}{fine}"
    if outcome == "fine":
        return f"判处罚金人民币{int(rng.integers(1, 40)) * 1000}元"
    if outcome == "exempted":
        return "免予刑事处罚"
    if outcome == "divorce_granted":
        return "准予原告与被告离婚" if rng.random() < 0.7 else "准予离婚"
    if outcome == "divorce_denied":
        return "不准予原告与被告离婚" if rng.random() < 0.6 else "驳回原告的离婚诉讼请求"
    if outcome == "plaintiff_won":
        amount = row.get("claim_amount")
        money = f"人民币{amount}元" if amount is not None else "借款"
        return f"被告于本判决生效之日起十日内偿还原告{money}"
    if outcome == "plaintiff_lost":
        return "驳回原告的诉讼请求"
    if outcome == "withdrawn":
        return "准许原告撤回起诉"
    raise ValueError(f"no text for outcome {outcome!r}")


def cite_style(cert: str | None, rng: np.random.Generator) -> str | None:
    """A certificate number as a court citation writes it."""
    if not cert:
        return cert
    parts = cert.split("-")
    k = rng.random()
    if k < 0.4 or len(parts) != 3:
        return cert
    if k < 0.55:
        return "－".join(parts)  # full-width hyphen-minus
    if k < 0.7:
        return cert.lower()
    if k < 0.85:
        return f"{parts[0]}-{parts[1]}-{int(parts[2])}" if parts[2].isdigit() else cert
    return "".join(parts)


def case_style(case_no: str | None) -> str | None:
    """案号 with the province's other abbreviation: ``(2019)蒙0404…`` → ``(2019)内0404…``."""
    return None if case_no is None else case_no.replace(")蒙", ")内")


def _code(col: pa.ChunkedArray, codes: dict[str, str]) -> pa.Array:
    reverse = {v: k for k, v in codes.items()}
    return pa.array(
        [None if v is None else reverse[str(v).lower() if isinstance(v, bool) else str(v)]
         for v in col.to_pylist()], pa.string(),
    )  # fmt: skip


def _text(col: pa.ChunkedArray) -> pa.Array:
    return pc.cast(col, pa.string()).combine_chunks()


def _compact(col: pa.ChunkedArray) -> pa.Array:
    return pc.strftime(pc.cast(col.combine_chunks(), pa.date32()), "%Y%m%d")


def _yyyymm(col: pa.ChunkedArray) -> pa.Array:
    return pc.strftime(pc.cast(col.combine_chunks(), pa.date32()), "%Y%m")


def _read(out: Path, name: str) -> pa.Table | None:
    parts = sorted((out / "lake" / name).glob("*.parquet"))
    return pa.concat_tables([pq.read_table(p) for p in parts]) if parts else None


def _doc(dataset: str, file: str, encoding: str | None, **keys: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"dataset": dataset, "files": f"../raw/{file}"}
    if encoding:
        doc["encoding"] = encoding
    doc.update({k: v for k, v in keys.items() if v})
    doc["record_id"] = [RECORD]
    return doc


GENDER = {"1": "M", "2": "F"}
STATUS_P = {"1": "active", "0": "cancelled"}
CANCEL = {"1": "death", "2": "emigration", "3": "duplicate", "9": "other"}
EVENT = {"结婚": "marriage", "离婚": "divorce", "补领结婚证": "reissue"}
ROLE = {"原告": "plaintiff", "被告": "defendant", "被告人": "accused"}
APPEARED = {"到庭": "true", "缺席": "false"}
DOC = {"护照": "passport", "港澳通行证": "hk_macao_permit", "台湾通行证": "taiwan_permit"}
DIRECTION = {"1": "exit", "2": "entry"}
LICENCE = {"A": "valid", "F": "revoked", "G": "cancelled"}
DEATH = {"火化": "cremation", "医院": "medical_certificate", "公安": "police"}
#: 执行机关类型 → (执行方式 code → custody type): the code's meaning depends on the organ
CUSTODY = {
    "监狱": {"1": "prison"},
    "看守所": {"1": "detention"},
    "司法局": {"1": "community_correction", "2": "temporary_outside"},
}
CUSTODY_CODE = {t: (organ, code) for organ, m in CUSTODY.items() for code, t in m.items()}


def render_raw2(out: Path, seed: int = 1) -> dict[str, Any]:
    """Render ``out/lake`` in style 2 into ``out/raw`` and write ``out/mappings``."""
    out = Path(out)
    raw_dir, map_dir = out / "raw", out / "mappings"
    for d in (raw_dir, map_dir):
        d.mkdir(parents=True, exist_ok=True)
        for old in d.iterdir():
            if old.is_file():
                old.unlink()
    rng = np.random.default_rng(seed * 31 + 2)
    summary: dict[str, Any] = {"files": {}, "damaged_excel": 0, "style": 2}

    def save(doc: dict[str, Any], name: str) -> None:
        r1._dump(doc, map_dir / f"{name}.yaml")

    # ---- persons: UTF-8 with a BOM, numeric codes, no household number
    t = _read(out, "persons")
    if t is not None:
        file = "人口基本信息.csv"
        cols = {
            RECORD: _text(t["record_id"]),
            "身份证号码": pa.array(r1._ids(t["person_id"].to_pylist(), rng, 0.03)),
            "姓名": pa.array(r1._names(t["name"].to_pylist(), rng, 0.03)),
            "性别代码": _code(t["gender"], GENDER),
            "出生日期": _compact(t["birth_date"]),
            "民族": _text(t["ethnicity"]),
            "户籍地行政区划": _text(t["region_code"]),
            "户籍地址": _text(t["address"]),
            "入户时间": r1._dates(t["registered_on"], rng),
            "人员状态代码": _code(t["status"], STATUS_P),
            "注销原因代码": _code(t["cancel_reason"], CANCEL),
            "注销时间": r1._dates(t["cancelled_on"], rng),
        }
        r1._write_csv(pa.table(cols), raw_dir / file, "utf-8-sig")
        save(
            _doc(
                "persons",
                file,
                "utf-8-sig",
                columns={
                    "person_id": "身份证号码",
                    "name": "姓名",
                    "gender": "性别代码",
                    "birth_date": "出生日期",
                    "ethnicity": "民族",
                    "region_code": "户籍地行政区划",
                    "address": "户籍地址",
                    "registered_on": "入户时间",
                    "status": "人员状态代码",
                    "cancel_reason": "注销原因代码",
                    "cancelled_on": "注销时间",
                },
                values={"gender": GENDER, "status": STATUS_P, "cancel_reason": CANCEL},
            ),
            "persons",
        )
        summary["files"][file] = t.num_rows

    # ---- marriage registry: .xlsx, IDs as Excel numbers on some divorce rows
    t = _read(out, "marriage_events")
    if t is not None:
        file = "婚姻登记信息.xlsx"
        han = pc.strftime(pc.cast(t["event_date"].combine_chunks(), pa.date32()), "%Y年%m月%d日")
        table = pa.table({
            RECORD: _text(t["record_id"]),
            "证书编号": _text(t["cert_no"]),
            "登记类别": _code(t["event_type"], EVENT),
            "登记日期": han,
            "登记机关名称": _text(t["office"]),
            "男方证件号码": pa.array(r1._ids(t["husband_id"].to_pylist(), rng, 0.03)),
            "男方姓名": pa.array(r1._names(t["husband_name"].to_pylist(), rng, 0.03)),
            "女方证件号码": pa.array(r1._ids(t["wife_id"].to_pylist(), rng, 0.03)),
            "女方姓名": pa.array(r1._names(t["wife_name"].to_pylist(), rng, 0.03)),
            "原证书编号": _text(t["prior_cert_no"]),
        })  # fmt: skip
        divorce = np.asarray(pc.equal(t["event_type"], "divorce").to_numpy(zero_copy_only=False))
        summary["damaged_excel"] += r1._write_xlsx(
            table, raw_dir / file, rng, ["男方证件号码", "女方证件号码"],
            sheet_name="婚姻登记信息", rows=divorce, rate=0.08,
        )  # fmt: skip
        save(
            _doc(
                "marriage_events",
                file,
                None,
                columns={
                    "cert_no": "证书编号",
                    "event_type": "登记类别",
                    "event_date": "登记日期",
                    "office": "登记机关名称",
                    "husband_id": "男方证件号码",
                    "husband_name": "男方姓名",
                    "wife_id": "女方证件号码",
                    "wife_name": "女方姓名",
                    "prior_cert_no": "原证书编号",
                },
                values={"event_type": EVENT},
            ),
            "marriage_events",
        )
        summary["files"][file] = t.num_rows

    # ---- courts: GB18030, free-text results, citation styles, region and kind inside 案号
    t = _read(out, "judgments")
    if t is not None:
        file = "审判信息.csv"
        rows = t.select(
            ["outcome", "term_months", "sentence_months", "cause", "claim_amount"]
        ).to_pylist()
        results = [result_text(row, rng) for row in rows]
        amounts = t["claim_amount"].to_pylist()
        table = pa.table({
            RECORD: _text(t["record_id"]),
            "案号": pa.array([case_style(v) for v in t["case_no"].to_pylist()], pa.string()),
            "案由": _text(t["cause"]),
            "当事人姓名": pa.array(r1._names(t["party_name"].to_pylist(), rng, 0.03)),
            "证件号码": pa.array(r1._ids(t["party_id"].to_pylist(), rng, 0.03)),
            "诉讼地位": _code(t["party_role"], ROLE),
            "到庭情况": _code(t["party_appeared"], APPEARED),
            "裁判日期": r1._dates(t["judgment_date"], rng),
            "生效日期": r1._dates(t["effective_date"], rng),
            "判决结果": pa.array(results, pa.string()),
            "引用证书编号": pa.array(
                [cite_style(v, rng) for v in t["cited_cert_no"].to_pylist()], pa.string()),
            "标的金额": pa.array([None if a is None else f"{a:,}" for a in amounts], pa.string()),
            "承办法院": _text(t["court"]),
        })  # fmt: skip
        r1._write_csv(table, raw_dir / file, "gb18030")
        save(
            _doc(
                "judgments",
                file,
                "gb18030",
                columns={
                    "case_no": "案号",
                    "cause": "案由",
                    "party_name": "当事人姓名",
                    "party_id": "证件号码",
                    "party_role": "诉讼地位",
                    "party_appeared": "到庭情况",
                    "judgment_date": "裁判日期",
                    "effective_date": "生效日期",
                    "cited_cert_no": "引用证书编号",
                    "claim_amount": "标的金额",
                    "court": "承办法院",
                },
                derive={
                    "court_region_code": {
                        "from": "案号",
                        "pattern": r"[)）]\D*?(\d{4})\D",
                        "template": r"15\1",
                    },
                    "case_kind": {
                        "from": "案号",
                        "pattern": r"\d{4}\D*?(\d{2,})?(刑|民|行)",
                        "template": r"\2",
                    },
                },
                values={
                    "party_role": ROLE,
                    "party_appeared": APPEARED,
                    "case_kind": {"刑": "criminal", "民": "civil", "行": "administrative"},
                },
                parse={
                    "判决结果": {
                        "parser": "judgment_result",
                        "case_kind": "case_kind",
                        "cause": "cause",
                        "fields": {
                            "outcome": "outcome",
                            "term_months": "term_months",
                            "sentence_months": "sentence_months",
                        },
                    }
                },
            ),
            "judgments",
        )
        summary["files"][file] = t.num_rows

    # ---- deaths: one file, the source as a column
    t = _read(out, "deaths")
    if t is not None:
        file = "死亡人员信息.csv"
        table = pa.table({
            RECORD: _text(t["record_id"]),
            "死者身份证号": pa.array(r1._ids(t["person_id"].to_pylist(), rng, 0.03)),
            "死者姓名": pa.array(r1._names(t["name"].to_pylist(), rng, 0.03)),
            "死亡时间": r1._dates(t["death_date"], rng),
            "信息来源": _code(t["source"], DEATH),
        })  # fmt: skip
        r1._write_csv(table, raw_dir / file, "utf-8-sig")
        save(
            _doc(
                "deaths",
                file,
                "utf-8-sig",
                columns={
                    "person_id": "死者身份证号",
                    "name": "死者姓名",
                    "death_date": "死亡时间",
                    "source": "信息来源",
                },
                values={"source": DEATH},
            ),
            "deaths",
        )
        summary["files"][file] = t.num_rows

    # ---- travel documents: document types by name, compact dates, no birth date
    t = _read(out, "travel_documents")
    if t is not None:
        file = "出入境证件信息.csv"
        table = pa.table({
            RECORD: _text(t["record_id"]),
            "证件号": _text(t["doc_no"]),
            "证件种类": _code(t["doc_type"], DOC),
            "公民身份号码": pa.array(r1._ids(t["person_id"].to_pylist(), rng, 0.03)),
            "中文姓名": pa.array(r1._names(t["name"].to_pylist(), rng, 0.03)),
            "签发日期": _compact(t["issued_on"]),
            "证件有效期": _compact(t["expires_on"]),
            "签发单位": _text(t["issuing_office"]),
        })  # fmt: skip
        r1._write_csv(table, raw_dir / file, "utf-8-sig")
        save(
            _doc(
                "travel_documents",
                file,
                "utf-8-sig",
                columns={
                    "doc_no": "证件号",
                    "doc_type": "证件种类",
                    "person_id": "公民身份号码",
                    "name": "中文姓名",
                    "issued_on": "签发日期",
                    "expires_on": "证件有效期",
                    "issuing_office": "签发单位",
                },
                values={"doc_type": DOC},
            ),
            "travel_documents",
        )
        summary["files"][file] = t.num_rows

    # ---- border crossings: CSV, numeric direction codes, compact timestamps
    t = _read(out, "border_crossings")
    if t is not None:
        file = "出入境记录信息.csv"
        seconds = pc.cast(t["crossed_at"].combine_chunks(), pa.timestamp("s"))
        table = pa.table({
            RECORD: _text(t["record_id"]),
            "证件号": _text(t["doc_no"]),
            "出入标识": _code(t["direction"], DIRECTION),
            "通关口岸": _text(t["port"]),
            "通关时间": pc.strftime(seconds, "%Y%m%d%H%M%S"),
        })  # fmt: skip
        r1._write_csv(table, raw_dir / file, "utf-8")
        save(
            _doc(
                "border_crossings",
                file,
                "utf-8",
                columns={
                    "doc_no": "证件号",
                    "direction": "出入标识",
                    "port": "通关口岸",
                    "crossed_at": "通关时间",
                },
                values={"direction": DIRECTION},
            ),
            "border_crossings",
        )
        summary["files"][file] = t.num_rows

    # ---- pensions: a leading TAB on every ID, YYYYMM months as text, yuan
    t = _read(out, "pension_payments")
    if t is not None:
        file = "养老待遇发放明细.csv"
        ids = pc.binary_join_element_wise("\t", _text(t["person_id"]), "")
        table = pa.table({
            RECORD: _text(t["record_id"]),
            "公民身份号码": ids,
            "姓名": _text(t["name"]),
            "发放年月": _yyyymm(t["month"]),
            "实发金额": _text(t["amount"]),
        })  # fmt: skip
        r1._write_csv(table, raw_dir / file, "utf-8-sig")
        save(_doc("pension_payments", file, "utf-8-sig", columns={
            "person_id": "公民身份号码", "name": "姓名", "month": "发放年月",
            "amount": "实发金额"}, transforms={"month": {"type": "date", "formats": ["%Y%m"]}}),
            "pension_payments")  # fmt: skip
        summary["files"][file] = t.num_rows

    # ---- allowances: an .xlsx whose months are numbers (202301)
    t = _read(out, "allowance_payments")
    if t is not None:
        file = "低保金发放.xlsx"
        months = [None if m is None else int(m) for m in _yyyymm(t["month"]).to_pylist()]
        table = pa.table({
            RECORD: _text(t["record_id"]),
            "身份证件号码": pa.array(r1._ids(t["person_id"].to_pylist(), rng, 0.03)),
            "保障对象姓名": _text(t["name"]),
            "保障年月": pa.array(months, pa.int64()),
            "保障金额": pa.array([None if a is None else float(a)
                               for a in t["amount"].to_pylist()], pa.float64()),
        })  # fmt: skip
        r1._write_xlsx(table, raw_dir / file, rng, [], sheet_name="低保金发放")
        save(_doc("allowance_payments", file, None, columns={
            "person_id": "身份证件号码", "name": "保障对象姓名", "month": "保障年月",
            "amount": "保障金额"}, transforms={"month": {"type": "date", "formats": ["%Y%m"]}}),
            "allowance_payments")  # fmt: skip
        summary["files"][file] = t.num_rows

    # ---- driver licences: GB18030 CSV, letter codes, no licence number, no issue date
    t = _read(out, "driver_licenses")
    if t is not None:
        file = "机动车驾驶人信息.csv"
        table = pa.table({
            RECORD: _text(t["record_id"]),
            "身份证明号码": pa.array(r1._ids(t["person_id"].to_pylist(), rng, 0.03)),
            "驾驶人姓名": pa.array(r1._names(t["name"].to_pylist(), rng, 0.03)),
            "准驾车型": _text(t["license_class"]),
            "驾驶证状态": _code(t["status"], LICENCE),
            "状态更新日期": r1._dates(t["status_date"], rng),
        })  # fmt: skip
        r1._write_csv(table, raw_dir / file, "gb18030")
        save(
            _doc(
                "driver_licenses",
                file,
                "gb18030",
                columns={
                    "person_id": "身份证明号码",
                    "name": "驾驶人姓名",
                    "license_class": "准驾车型",
                    "status": "驾驶证状态",
                    "status_date": "状态更新日期",
                },
                derive={"license_no": {"from": "身份证明号码"}},
                values={"status": LICENCE},
            ),
            "driver_licenses",
        )
        summary["files"][file] = t.num_rows

    # ---- prisons and corrections: one file, two mappings
    t = _read(out, "custody_records")
    if t is not None:
        file = "刑罚执行信息.csv"
        types = t["custody_type"].to_pylist()
        organ = [CUSTODY_CODE[v][0] for v in types]
        code = [CUSTODY_CODE[v][1] for v in types]
        inside = pa.array([organ_ != "司法局" for organ_ in organ])
        start, end = r1._dates(t["start_date"], rng), r1._dates(t["end_date"], rng)
        none = pa.nulls(t.num_rows, pa.string())
        table = pa.table({
            RECORD: _text(t["record_id"]),
            "罪犯身份证号": pa.array(r1._ids(t["person_id"].to_pylist(), rng, 0.03)),
            "罪犯姓名": pa.array(r1._names(t["name"].to_pylist(), rng, 0.03)),
            "案号": pa.array([case_style(v) for v in t["case_no"].to_pylist()], pa.string()),
            "执行机关类型": pa.array(organ, pa.string()),
            "执行方式": pa.array(code, pa.string()),
            "收押日期": pc.if_else(inside, start, none),
            "释放日期": pc.if_else(inside, end, none),
            "矫正开始日期": pc.if_else(inside, none, start),
            "矫正结束日期": pc.if_else(inside, none, end),
            "执行机关": _text(t["institution"]),
        })  # fmt: skip
        r1._write_csv(table, raw_dir / file, "gb18030")
        common = {"person_id": "罪犯身份证号", "name": "罪犯姓名", "case_no": "案号",
                  "custody_type": "执行方式", "institution": "执行机关"}  # fmt: skip
        values = {"custody_type": {"by": "执行机关类型", "maps": CUSTODY}}
        save(
            _doc(
                "custody_records",
                file,
                "gb18030",
                columns={**common, "start_date": "收押日期", "end_date": "释放日期"},
                values=values,
                rows={"present": ["收押日期"]},
            ),
            "custody_prison",
        )
        save(
            _doc(
                "custody_records",
                file,
                "gb18030",
                columns={**common, "start_date": "矫正开始日期", "end_date": "矫正结束日期"},
                values=values,
                rows={"present": ["矫正开始日期"]},
            ),
            "custody_correction",
        )
        summary["files"][file] = t.num_rows
    return summary
