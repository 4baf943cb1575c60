"""Judgment documents of the synthetic region: its ``judgments`` rendered as courts write them.

:func:`render_documents` reads ``out/lake/judgments`` (and ``persons``, for sex, birth date,
ethnicity and residence) after :func:`lexradar.synth.generate` and writes one document per case
number to ``out/documents/judgments.jsonl`` (``{"id", "document"}`` a line), so the planted
anomalies live in the documents: the same parties, IDs as recorded (mistyped, 15-digit), the same
sentences, judgment and effective dates. Three courts' writing styles, chosen per document by a
generator seeded apart from the region's (the lake and truth files are not touched):

- ``A`` — 内蒙古自治区 before the court's name, full-width brackets ``（2023）蒙0102刑初3号``,
  ``公民身份号码``, dates in digits, terms in Chinese numerals, ``判决如下：``, the custody period
  (刑期自…起至…止) and ``本判决已于2023年5月20日发生法律效力。`` after the clerk's line;
- ``B`` — the court's name alone, ASCII brackets, ``被告人：X`` with ``身份证号码：``, every date
  in the ``二〇二三年五月六日`` form, ``依法判决如下:``, ``本判决书自…起生效。``;
- ``C`` — 〔〕 brackets, terms in digits (``1年6个月``), ``现判决如下：``, and for a prison
  sentence of two years or more of a charge other than dangerous driving, a second charge and
  a combined sentence (数罪并罚 … 决定执行): the row's term is the executed one.

A criminal case is a 刑事判决书 of its accused; a civil case a 民事判决书 of its plaintiffs and
defendants. Each says who appeared at trial as courts write it (``party_appeared``): ``被告人X到
庭参加诉讼``; ``原告X、被告Y到庭参加诉讼`` (A), ``原告X，被告Y均到庭参加了诉讼`` (B),
``原、被告均到庭参加诉讼`` (C); a defendant who stayed away ``经本院传票传唤，无正当理由拒不到庭
参加诉讼，本院依法缺席审理`` (A), ``经本院合法传唤未到庭`` (B), ``经传票传唤无正当理由拒不到庭``
(C), and the judgment is then a 缺席判决. A cited marriage certificate is typed as courts type
it (:func:`cert_as_typed`): as the registry prints it or in a full-width input mode (A),
without separators or with spaces (B), with the sequence unpadded or in full-width lower case
(C).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from lexradar.normalize import resident_id as rid

STYLES = ("A", "B", "C")
_DIGITS = "〇一二三四五六七八九"
_OTHER_CHARGES = ("盗窃罪", "诈骗罪", "故意伤害罪", "寻衅滋事罪", "开设赌场罪")
_CLAIMS = {
    "民间借贷纠纷": "偿还借款",
    "买卖合同纠纷": "支付货款",
    "劳动争议": "支付劳动报酬",
    "机动车交通事故责任纠纷": "赔偿各项损失",
}
_JUDGES = ("王建国", "李海涛", "张丽", "赵志刚", "乌云", "巴雅尔", "刘敏", "陈晓东")


def cn_number(n: int) -> str:
    """A whole number below 10,000 in Chinese numerals (十二, 一百零五, 两千 not used)."""
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            if zero and out:
                out += "零"
            out += _DIGITS[digit] + unit
            zero = False
        else:
            zero = bool(out)
    return out


def cn_date(day: dt.date) -> str:
    """二〇二三年五月六日."""
    year = "".join(_DIGITS[int(c)] for c in str(day.year))
    return f"{year}年{cn_number(day.month)}月{cn_number(day.day)}日"


def digit_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def term(months: int, chinese: bool) -> str:
    """一年六个月 / 1年6个月 / 八个月."""
    years, rest = divmod(months, 12)
    num = cn_number if chinese else str
    if years and rest:
        return f"{num(years)}年{num(rest)}个月"
    if years:
        return f"{num(years)}年"
    return f"{num(rest)}个月"


_FULL_WIDTH = str.maketrans({**{chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}, " ": "\u3000"})
_CERT_PARTS = re.compile(r"([A-Z]{1,3})-?([0-9]{6})-?([0-9]{4})-?([0-9]{1,6})")


def full_width(text: str) -> str:
    """``J150402-2018-35`` → ``Ｊ１５０４０２－２０１８－３５`` (a full-width input mode)."""
    return text.translate(_FULL_WIDTH)


def cert_as_typed(cert: str, style: str, variant: int) -> str:
    """A certificate number as a court of ``style`` types it (``variant`` 0 or 1)."""
    m = _CERT_PARTS.fullmatch(cert)
    if m is None:
        return cert
    letters, region, year, seq = m.groups()
    printed = f"{letters}{region}-{year}-{seq}"
    options = {
        "A": (printed, full_width(printed)),
        "B": (f"{letters}{region}{year}{seq}", f"{letters}{region} {year} {seq}"),
        "C": (f"{letters}{region}-{year}-{int(seq)}", full_width(printed.lower())),
    }[style]
    return options[variant % 2]


def _money(amount: int, chinese: bool) -> str:
    return f"人民币{cn_number(amount)}元" if chinese and amount < 10000 else f"人民币{amount}元"


class _Writer:
    def __init__(self, seed: int, persons: dict[str, dict[str, Any]]) -> None:
        self.rng = np.random.default_rng([seed, 18])
        self.persons = persons

    def pick(self, options: tuple[str, ...]) -> str:
        return options[int(self.rng.integers(0, len(options)))]

    def party(self, row: dict[str, Any], role: str, style: str) -> str:
        pid = row.get("party_id")
        person = self.persons.get(pid or "", {})
        bits = [f"{role}：{row['party_name']}" if style == "B" else f"{role}{row['party_name']}"]
        sex = person.get("gender")
        birth = person.get("birth_date")
        if pid and (sex is None or birth is None) and rid.is_valid(pid):
            sex, birth = sex or rid.gender(pid), birth or rid.birth_date(pid)
        if sex:
            bits.append("男" if sex == "M" else "女")
        date = cn_date if style == "B" else digit_date
        if style == "B" and person.get("ethnicity"):
            bits.append(person["ethnicity"])
        if birth:
            bits.append(f"{date(birth)}{'生' if style == 'B' else '出生'}")
        if style != "B" and person.get("ethnicity"):
            bits.append(person["ethnicity"])
        if pid:
            bits.append(("身份证号码：" if style == "B" else "公民身份号码") + pid)
        if person.get("address"):
            bits.append(("住" if style == "B" else "户籍地") + person["address"])
        return "，".join(bits) + "。"

    def header(self, first: dict[str, Any], kind: str, style: str) -> list[str]:
        court = first["court"] or "人民法院"
        no = first["case_no"]
        if style == "A":
            court = "内蒙古自治区" + court
            no = no.replace("(", "（").replace(")", "）")
        elif style == "C":
            no = no.replace("(", "〔").replace(")", "〕")
        return [court, f"{kind}判决书", no]

    def signature(self, first: dict[str, Any], style: str) -> list[str]:
        judged: dt.date = first["judgment_date"]
        lines = [f"审判员  {self.pick(_JUDGES)}", cn_date(judged), f"书记员  {self.pick(_JUDGES)}"]
        eff: dt.date | None = first.get("effective_date")
        if eff is not None:
            if style == "B":
                lines.append(f"本判决书自{cn_date(eff)}起生效。")
            else:
                lines.append(f"本判决已于{digit_date(eff)}发生法律效力。")
        return lines

    def criminal(self, row: dict[str, Any], style: str) -> str:
        name, cause = row["party_name"], row["cause"]
        court = row["court"] or "本院"
        county = court.removesuffix("人民法院")
        procuratorate = f"{county}人民检察院"
        judged: dt.date = row["judgment_date"]
        chinese = style != "C"
        date = cn_date if style == "B" else digit_date
        lines = self.header(row, "刑事", style)
        lines.append(f"公诉机关{procuratorate}。")
        lines.append(self.party(row, "被告人", style))
        outcome, months, sentence = row["outcome"], row["term_months"], row["sentence_months"]
        combined = (
            style == "C"
            and outcome == "imprisonment"
            and (months or 0) >= 24
            and cause != "危险驾驶罪"
        )
        second = self.pick(tuple(c for c in _OTHER_CHARGES if c != cause)) if combined else None
        charges = f"{cause}、{second}" if second else cause
        filed = judged - dt.timedelta(days=int(self.rng.integers(20, 60)))
        lines.append(
            f"{procuratorate}以{county}检刑诉〔{judged.year}〕{int(self.rng.integers(1, 900))}号"
            f"起诉书指控被告人{name}犯{charges}，于{date(filed)}向本院提起公诉。本院依法组成合议庭，"
            f"公开开庭审理了本案。{procuratorate}指派检察员{self.pick(_JUDGES)}出庭支持公诉"
            + (f"，被告人{name}到庭参加诉讼。" if row.get("party_appeared") else "。")
            + "现已审理终结。"
        )
        lines.append(
            f"本院认为，被告人{name}的行为已构成{charges}，公诉机关指控的罪名成立。"
            + (f"被告人{name}一人犯数罪，依法应当数罪并罚。" if second else "")
            + "依照《中华人民共和国刑法》"
            + ("第一百三十三条之一第一款" if cause == "危险驾驶罪" else "第二百六十四条")
            + ("、第六十九条" if second else "")
            + ("、第七十二条" if outcome == "probation" else "")
            + "、第六十七条第三款之规定，"
            + {"A": "判决如下：", "B": "依法判决如下:", "C": "现判决如下："}[style]
        )
        fine = int(self.rng.integers(2, 20)) * 1000
        if outcome == "imprisonment" and second:
            first_part = max(6, (months or 24) * 2 // 3)
            second_part = max(6, (months or 24) - first_part + 6)
            lines.append(
                f"被告人{name}犯{cause}，判处有期徒刑{term(first_part, chinese)}；"
                f"犯{second}，判处有期徒刑{term(second_part, chinese)}，"
                f"决定执行有期徒刑{term(months or 24, chinese)}。"
            )
        elif outcome in ("imprisonment", "criminal_detention"):
            kind = "有期徒刑" if outcome == "imprisonment" else "拘役"
            extra = f"，并处罚金{_money(fine, chinese)}" if cause == "危险驾驶罪" else ""
            lines.append(f"被告人{name}犯{cause}，判处{kind}{term(months or 1, chinese)}{extra}。")
        elif outcome == "probation":
            kind = "拘役" if (sentence or 0) <= 6 else "有期徒刑"
            extra = f"，并处罚金{_money(fine, chinese)}" if cause == "危险驾驶罪" else ""
            lines.append(
                f"被告人{name}犯{cause}，判处{kind}{term(sentence or 6, chinese)}，"
                f"缓刑{term(months or 12, chinese)}{extra}。"
            )
        elif outcome == "fine":
            lines.append(f"被告人{name}犯{cause}，单处罚金{_money(fine, chinese)}。")
        else:  # exempted
            lines.append(f"被告人{name}犯{cause}，免予刑事处罚。")
        if style == "A" and outcome in ("imprisonment", "criminal_detention") and months:
            start = judged - dt.timedelta(days=int(self.rng.integers(30, 90)))
            end = _add_months(start, months) - dt.timedelta(days=1)
            lines.append(
                "（刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，"
                f"即自{digit_date(start)}起至{digit_date(end)}止。）"
            )
        lines.append(
            "如不服本判决，可在接到判决书的第二日起十日内，通过本院或者直接向上一级人民法院提出上诉。"
        )
        return "\n".join(lines + self.signature(row, style))

    def civil(self, rows: list[dict[str, Any]], style: str) -> str:
        first = rows[0]
        cause = first["cause"]
        plaintiffs = [r for r in rows if r["party_role"] == "plaintiff"]
        defendants = [r for r in rows if r["party_role"] == "defendant"]
        p = plaintiffs[0]["party_name"] if plaintiffs else "某"
        d = defendants[0]["party_name"] if defendants else "某"
        judged: dt.date = first["judgment_date"]
        date = cn_date if style == "B" else digit_date
        lines = self.header(first, "民事", style)
        lines += [self.party(r, "原告", style) for r in plaintiffs]
        lines += [self.party(r, "被告", style) for r in defendants]
        filed = judged - dt.timedelta(days=int(self.rng.integers(30, 120)))
        absent = [r for r in defendants if r.get("party_appeared") is False]
        lines.append(
            f"原告{p}与被告{d}{cause}一案，本院于{date(filed)}立案后，依法适用简易程序，"
            f"公开开庭进行了审理。{_appearance(rows, style)}本案现已审理终结。"
        )
        if first.get("cited_cert_no"):
            cert = cert_as_typed(first["cited_cert_no"], style, int(self.rng.integers(0, 2)))
            lines.append(f"原告{p}诉称：原、被告双方登记结婚，结婚证字号{cert}。")
        amount = first.get("claim_amount")
        money = f"人民币{int(amount)}元" if amount is not None else "人民币10000元"
        if amount is not None:
            what = _CLAIMS.get(cause, "给付")
            lines.append(f"原告{p}向本院提出诉讼请求：判令被告{d}{what}{money}。")
        lines.append(
            "依照《中华人民共和国民法典》第一千零七十九条之规定，"
            if cause == "离婚纠纷"
            else "依照《中华人民共和国民事诉讼法》第六十七条之规定，"
        )
        lines[-1] += "缺席判决如下：" if absent else "判决如下："
        outcome = first["outcome"]
        if outcome == "divorce_granted":
            lines.append(f"准予原告{p}与被告{d}离婚。")
        elif outcome == "divorce_denied":
            lines.append(f"不准予原告{p}与被告{d}离婚。")
        elif outcome == "plaintiff_won":
            lines.append(f"被告{d}于本判决生效之日起十日内给付原告{p}{money}。")
        elif outcome == "plaintiff_lost":
            lines.append(f"驳回原告{p}的诉讼请求。")
        else:
            lines.append(f"准许原告{p}撤回起诉。")
        lines.append("案件受理费由被告负担。如不服本判决，可在判决书送达之日起十五日内提出上诉。")
        return "\n".join(lines + self.signature(first, style))


def _appearance(rows: list[dict[str, Any]], style: str) -> str:
    """Who appeared at trial and who did not, in ``style``'s words (empty when unknown)."""
    role = {"plaintiff": "原告", "defendant": "被告"}
    came = [r for r in rows if r.get("party_appeared") is True and r["party_role"] in role]
    away = [r for r in rows if r.get("party_appeared") is False and r["party_role"] in role]
    said = ""
    if came and not away and style == "C" and {r["party_role"] for r in came} == set(role):
        said = "原、被告均到庭参加诉讼。"
    elif came:
        named = [f"{role[r['party_role']]}{r['party_name']}" for r in came]
        if style == "B":  # 原告X，被告Y均到庭参加了诉讼
            said = "，".join(named) + ("均" if len(named) > 1 else "") + "到庭参加了诉讼"
        else:
            said = "、".join(named) + "到庭参加诉讼"
        said += "，" if away else "。"
    if away:
        names = "、".join(r["party_name"] for r in away)
        said += {
            "A": f"被告{names}经本院传票传唤，无正当理由拒不到庭参加诉讼，本院依法缺席审理。",
            "B": f"被告{names}经本院合法传唤未到庭，本院依法缺席审理。",
            "C": f"被告{names}经传票传唤无正当理由拒不到庭，本案依法缺席审理。",
        }[style]
    return said


def _add_months(day: dt.date, months: int) -> dt.date:
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    return dt.date(year, month, 28)  # pragma: no cover


def _cases(lake: Path) -> Iterator[list[dict[str, Any]]]:
    """The judgments rows, grouped by case number in the order of their first row."""
    parts = sorted((lake / "judgments").glob("*.parquet"))
    rows: list[dict[str, Any]] = []
    for part in parts:
        rows += pq.read_table(part).to_pylist()
    cases: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        cases.setdefault(row["case_no"], []).append(row)
    yield from cases.values()


def _persons(lake: Path) -> dict[str, dict[str, Any]]:
    cols = ["person_id", "gender", "birth_date", "ethnicity", "address"]
    out: dict[str, dict[str, Any]] = {}
    for part in sorted((lake / "persons").glob("*.parquet")):
        for row in pq.read_table(part, columns=cols).to_pylist():
            out.setdefault(row["person_id"], row)
    return out


def render_documents(out: Path, seed: int) -> dict[str, Any]:
    """Write ``out/documents/judgments.jsonl`` from ``out/lake`` (deterministic per seed)."""
    out = Path(out)
    lake = out / "lake"
    writer = _Writer(seed, _persons(lake))
    folder = out / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    counts = dict.fromkeys(STYLES, 0)
    n = 0
    path = folder / "judgments.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for rows in _cases(lake):
            style = writer.pick(STYLES)
            criminal = rows[0]["case_kind"] == "criminal"
            if criminal:
                texts = [writer.criminal(r, style) for r in rows]
            else:
                texts = [writer.civil(rows, style)]
            for text in texts:
                n += 1
                counts[style] += 1
                doc = {"id": f"synth-{seed}-{n:07d}", "style": style, "document": text}
                fh.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return {"file": str(path), "documents": n, "styles": counts}


#: The fields of a ``judgments`` row the pack's models join or test on (not the court's name,
#: which they only show), compared by :func:`agreement`.
COMPARED = (
    "case_kind",
    "cause",
    "party_id",
    "party_appeared",
    "judgment_date",
    "effective_date",
    "outcome",
    "term_months",
    "cited_cert_no",
    "claim_amount",
    "court_region_code",
)


def agreement(table_lake: Path, documents_lake: Path) -> dict[str, Any]:
    """How the ``judgments`` rows read from the documents agree with the courts' table.

    Parties are matched on case number, role and name. Returns the parties of the table, those
    the documents gave, and per field of :data:`COMPARED` how many matched parties differ
    (a combined sentence's second charge is in the document's cause: counted apart as
    ``second_charge``)."""

    def rows(lake: Path) -> dict[tuple[Any, ...], dict[str, Any]]:
        cols = ["case_no", "party_role", "party_name", *COMPARED]
        out: dict[tuple[Any, ...], dict[str, Any]] = {}
        for part in sorted((lake / "judgments").glob("*.parquet")):
            for r in pq.read_table(part, columns=cols).to_pylist():
                out[(r["case_no"], r["party_role"], r["party_name"])] = r
        return out

    table, docs = rows(Path(table_lake)), rows(Path(documents_lake))
    matched = [k for k in docs if k in table]
    differ = dict.fromkeys(COMPARED, 0)
    second = 0
    for k in matched:
        for f in COMPARED:
            if docs[k][f] == table[k][f]:
                continue
            if f == "cause" and str(docs[k][f]).startswith(f"{table[k][f]}、"):
                second += 1
            else:
                differ[f] += 1
    return {
        "parties": len(table),
        "read": len(matched),
        "differ": {f: n for f, n in differ.items() if n},
        "second_charge": second,
    }
