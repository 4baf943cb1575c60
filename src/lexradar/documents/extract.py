"""Elements of a judgment document: header, parties, defendants' charges and sentences, articles.

``extract(text)`` reads one document (a 刑事判决书, 民事判决书, 裁定书 …, as published: header
and body may run together with no line breaks) with rules only — regular expressions and the
numeral parsers of :mod:`lexradar.documents.numerals` — and returns :class:`DocumentElements`.
Every value is a :class:`~lexradar.documents.sentence.Found` with its span in the text.

What is read, and from where:

- court (the first ``…法院`` of the header), the court's region code (the case number's court
  code ``沪0120`` → ``310120``; failing that, the court's name in the region tables), the case
  number normalised (``（2017）沪0120刑初684号`` → ``(2017)沪0120刑初684号``; the old
  ``（2014）西刑初字第175号`` → ``(2014)西刑初175号``), document kind, case kind and instance
  (from the title and the case number's type ``刑初``/``刑终``/``刑再``), judgment date (the date
  above the clerk's signature), prosecuting procuratorate and indictment number;
- parties, in the header: role, name (as the court anonymised it), sex, birth date,
  ethnicity, residence, resident ID;
- per defendant, in the 判决如下 part: the charges (normalised to the official list) and the
  sentence (:func:`~lexradar.documents.sentence.parse_result` on that defendant's part; the
  quoted sentence of a judgment the appeal court revokes is skipped);
- cited articles, in the clause before 判决如下 (``依照《中华人民共和国刑法》第一百三十三条之一
  第一款、第五十二条之规定``), with law, article, 之X, paragraph (款) and item (项).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lexradar.documents.charges import Charge, normalise_charge
from lexradar.documents.numerals import DATE, MONEY, NUMBER, date_of, money_of, parse_int
from lexradar.documents.sentence import Found, SentenceResult, parse_result, result_end
from lexradar.normalize.cert_no import clean as clean_cert

# --- header ---------------------------------------------------------------------------------

_COURT = re.compile(
    r"(?:^|(?<=[\s书]))\s*(?P<court>[\u4e00-\u9fff（）()]{2,40}?(?:人民法院|法院|人民法庭|法庭|铁路运输法院))"
)
_TITLE = re.compile(
    r"(?P<kind>刑事附带民事|刑事|民事|行政|执行|赔偿)?\s*(?P<doc>判\s*决\s*书|裁\s*定\s*书|调\s*解\s*书|决\s*定\s*书)"
)
_CASE_NO = re.compile(
    r"(?:[（(〔［\[【](?P<year>[0-9０-９]{4})[）)〕］\]】]\s*)?"
    r"(?P<body>[\u4e00-\u9fff0-9０-９]{1,20}?)\s*(?:字)?\s*第?\s*(?P<seq>[0-9０-９]{1,6})\s*号"
)
_COURT_CODE = re.compile(
    r"(?P<abbr>[\u4e00-\u9fff])(?P<digits>[0-9]{2,4})(?P<type>[\u4e00-\u9fff]+)"
)
_PROCURATORATE = re.compile(r"(?:原)?公诉机关[：:]?\s*(?P<p>[\u4e00-\u9fff]{2,30}?人民检察院)")
_PROCURATORATE_FALLBACK = re.compile(r"(?P<p>[\u4e00-\u9fff]{2,30}?人民检察院)以")
_INDICTMENT = re.compile(
    r"以\s*(?P<no>[\u4e00-\u9fff]{1,16}?[（(〔［\[【][0-9０-９]{4}[）)〕］\]】][^，。；号]{0,12}?号)"
    r"\s*(?:补充)?(?:起诉书|起诉决定书)?(?:[，,]?\s*)(?:指控|向本院|变更)"
)
_CAUSE = re.compile(
    r"(?:与|诉)[^，。；]{0,40}?(?P<v>[\u4e00-\u9fff]{2,16}?(?:纠纷|争议|行政处罚|行政许可|行政强制))"
    r"(?:一案|[，,。])"
)
#: A certificate number as courts type it: ``J150402-2018-000035``, without separators, with
#: spaces, with full-width letters, digits and dashes (typed in a full-width input mode:
#: ``ｊ１５０４０２－２０１８－００００３５``), any hyphen or dash, ``BJ`` for a reissue, the
#: sequence unpadded. What it matches goes through the value type (:func:`clean_cert`).
_CERT_SEP = r"[\s\-‐‑‒–—―−﹣－_]*"
_CERT_DIGIT = r"[0-9０-９]"
_CERT = re.compile(
    r"(?<![A-Za-zＡ-Ｚａ-ｚ0-9０-９])(?P<v>(?:[BbＢｂ]\s*)?[JjLlＪＬｊｌ]"
    rf"{_CERT_SEP}{_CERT_DIGIT}{{6}}{_CERT_SEP}(?:[1１][9９]|[2２][0０]){_CERT_DIGIT}{{2}}"
    rf"{_CERT_SEP}{_CERT_DIGIT}{{1,6}})(?!{_CERT_DIGIT})"
)
#: The claims (诉讼请求), up to the sentence's end: the first amount is the amount claimed.
#: (原告…向本院提出诉讼请求：1.判令被告偿还借款本金…元; not 驳回原告的诉讼请求).
_CLAIM = re.compile(r"(?:提出(?:如下)?诉讼请求[：:，,]?|诉讼请求[：:])(?P<body>[^。]{0,300})")
_SIGNATURE = re.compile(r"书\s*记\s*员|书\s*记|法官助理")
_DATE_RE = re.compile(DATE)
_FULL = str.maketrans("０１２３４５６７８９（）〔〕［］【】", "0123456789()()()()")

#: Case-number province abbreviations → the first two digits of GB/T 2260 codes.
PROVINCE_ABBR = {
    "京": "11", "津": "12", "冀": "13", "晋": "14", "内": "15", "蒙": "15", "辽": "21",
    "吉": "22", "黑": "23", "沪": "31", "苏": "32", "浙": "33", "皖": "34", "闽": "35",
    "赣": "36", "鲁": "37", "豫": "41", "鄂": "42", "湘": "43", "粤": "44", "桂": "45",
    "琼": "46", "渝": "50", "川": "51", "黔": "52", "贵": "52", "云": "53", "滇": "53",
    "藏": "54", "陕": "61", "甘": "62", "青": "63", "宁": "64", "新": "65", "兵": "66",
}  # fmt: skip
_PROVINCE_NAMES = {
    "北京": "11", "天津": "12", "河北": "13", "山西": "14", "内蒙古": "15", "辽宁": "21",
    "吉林": "22", "黑龙江": "23", "上海": "31", "江苏": "32", "浙江": "33", "安徽": "34",
    "福建": "35", "江西": "36", "山东": "37", "河南": "41", "湖北": "42", "湖南": "43",
    "广东": "44", "广西": "45", "海南": "46", "重庆": "50", "四川": "51", "贵州": "52",
    "云南": "53", "西藏": "54", "陕西": "61", "甘肃": "62", "青海": "63", "宁夏": "64",
    "新疆": "65",
}  # fmt: skip
_CASE_KIND_OF_TYPE = {"刑": "刑事", "民": "民事", "行": "行政", "执": "执行", "赔": "赔偿"}
#: Checked in this order: a retrial holds 再 and 初/终 (刑再终: a retrial at second instance).
_INSTANCE_OF_TYPE = {"再": "再审", "监": "再审", "申": "再审审查", "终": "二审", "初": "一审"}

# --- parties --------------------------------------------------------------------------------

_ROLES = (
    "附带民事诉讼原告人|附带民事诉讼被告人"
    "|(?:原审)?(?:上诉人|申诉人|被申诉人)[（(]原审被告人[）)]"
    "|上诉人（原审原告）|上诉人（原审被告）|被上诉人（原审原告）|被上诉人（原审被告）"
    "|原审被告人|被告单位|被告人|被上诉人|上诉人|原审原告|原审被告|原告|被告|第三人|申请再审人"
    "|再审申请人|被申请人|申请人|自诉人|罪犯"
)
_PARTY = re.compile(
    rf"(?<![\u4e00-\u9fff])(?P<role>{_ROLES})(?:[：:]\s*)?(?:自报|自称)?"
    r"(?P<name>[\u4e00-\u9fff×Ｘ*＊0-9A-Za-z·•（）()]{1,30}?)"
    r"(?=(?:[（(][^）)]{0,24}[）)])?[，,。；]|\s*[，,](?:男|女))"
)
_PARTY_BLOCK_END = re.compile(
    r"指控被告|提起公诉|一案|审理终结|诉讼请求|起诉至本院|向本院起诉|公开开庭|不公开开庭"
)
_NOT_A_NAME = re.compile(r"曾因|因涉嫌|涉嫌|因犯|因本案|因吸毒|于\d|系|的|在|到庭|及其|对|不服")
_SEX = re.compile(r"[，,]\s*(?P<v>男|女)\s*(?=[，,。；])")
_BIRTH = re.compile(rf"(?P<v>{DATE})\s*(?:出生|生)")
_ETHNICITY = re.compile(r"[，,]\s*(?P<v>[\u4e00-\u9fff]{1,5}族)\s*(?=[，,。；])")
_RESIDENCE = re.compile(
    r"(?:户籍(?:所在)?地|户籍|住所地|住址|暂住地|现住|住)(?:[：:]|在|于)?\s*"
    r"(?P<v>[\u4e00-\u9fff0-9A-Za-z×Ｘ*（）()\-－#号]{2,60}?)(?=[，,。；])"
)
_RESIDENT_ID = re.compile(
    r"(?:公民身份号码|身份证号码|身份证号|身份证)?[：:为]?\s*"
    r"(?P<v>(?<![0-9])[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    r"[0-9]{3}[0-9Xx](?![0-9]))"
)
#: After its label, an ID as recorded even when it is no valid one (an old 15-digit ID, a
#: mistyped birth date): a mistyped ID is evidence, checked by ingestion, not dropped here.
_RESIDENT_ID_15 = re.compile(
    r"(?:公民身份号码|身份证号码|身份证号)[：:为]?\s*"
    r"(?P<v>(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9]))"
)
#: The note that the judgment took effect (生效证明 appended by the court's export).
_EFFECTIVE = re.compile(
    rf"(?:本判决|本裁定|本调解书|该判决|此判决)(?:书)?(?:已)?(?:于|自)\s*(?P<v>{DATE})\s*(?:起)?"
    r"(?:发生法律效力|生效)"
)

# --- articles -------------------------------------------------------------------------------

_LAW = re.compile(r"《(?P<law>[^》]{2,60})》")
_ARTICLE = re.compile(
    rf"第?(?P<a>{NUMBER})(?P<alist>(?:[、和及]第?{NUMBER})*)条(?:之(?P<s>{NUMBER}))?"
    rf"(?:第?(?P<p>{NUMBER})(?P<more>(?:[、和及]第?{NUMBER})*)款)?"
    rf"(?:第?[（(]?(?P<i>{NUMBER})[)）]?项)?"
)
_PARAGRAPH_ONLY = re.compile(rf"第?(?P<p>{NUMBER})款(?:第?[（(]?(?P<i>{NUMBER})[)）]?项)?")
_MORE = re.compile(NUMBER)
_ITEM_ONLY = re.compile(rf"第?[（(](?P<i>{NUMBER})[)）]项")
_ANNOTATION = re.compile(
    r"[（(［\[【][^）)］\]】《》]{1,20}[）)］\]】]|[\u4e00-\u9fff]{1,10}(?=[、，,；;])"
)
_ARTICLE_GAP = re.compile(r"(?:[\s、，,;；和及与]|以及|的规定|之规定|规定|分别)+")
_QUOTED = re.compile(r"[：:]?\s*[“\"「][^”\"」]{0,800}[”\"」]")
_LAW_OR_CRIMINAL = re.compile(
    r"《(?P<law>[^》]{2,60})》|(?<![《\u4e00-\u9fff])(?:中华人民共和国)?刑法(?=第)"
)
_PARAGRAPH_ONLY = re.compile(rf"第?(?P<p>{NUMBER})款(?:第[（(]?(?P<i>{NUMBER})[)）]?项)?")


@dataclass(frozen=True, slots=True)
class Article:
    """One cited article: ``刑法`` 133-1 §1 (第一百三十三条之一第一款)."""

    law: str
    article: int
    sub: int | None
    paragraph: int | None
    item: int | None
    start: int
    end: int

    @property
    def number(self) -> str:
        """``"133"``, or ``"133-1"`` for 之一."""
        return f"{self.article}-{self.sub}" if self.sub else str(self.article)

    @property
    def label(self) -> str:
        """``"刑法 133-1 §1 (2)"``."""
        out = f"{self.law} {self.number}"
        if self.paragraph:
            out += f" §{self.paragraph}"
        if self.item:
            out += f" ({self.item})"
        return out


@dataclass(frozen=True, slots=True)
class Order:
    """A confiscation or restitution order of the result (追缴, 责令退赔, 发还, 没收, 上缴国库):
    its kind, the first defendant it names, the amount it names, and the clause."""

    kind: Found[str]
    defendant: str | None
    amount: Found[Decimal] | None
    text: Found[str]


@dataclass(slots=True)
class Party:
    """A party of the header."""

    role: Found[str]
    name: Found[str]
    sex: Found[str] | None = None
    birth_date: Found[dt.date] | None = None
    ethnicity: Found[str] | None = None
    residence: Found[str] | None = None
    resident_id: Found[str] | None = None
    appeared: Found[bool] | None = None
    """Whether the party appeared at trial, as the text says (到庭参加诉讼 / 拒不到庭,
    缺席审理); the span is the words that say it. ``None`` when the text does not say."""

    @property
    def is_defendant(self) -> bool:
        """Accused of a crime (被告人, 被告单位, 上诉人（原审被告人）, 原审被告人, 罪犯)."""
        role = self.role.value
        return "被告人" in role or role in ("罪犯", "被告单位")


@dataclass(slots=True)
class Defendant:
    """A defendant's charges and executed sentence."""

    name: str
    charges: list[Found[Charge]] = field(default_factory=list)
    sentence: SentenceResult = field(default_factory=SentenceResult)


@dataclass(slots=True)
class DocumentElements:
    """Everything :func:`extract` read from one document."""

    doc_id: str | None
    court: Found[str] | None = None
    court_region_code: Found[str] | None = None
    region_source: str | None = None  # "case_number" or "court_name"
    case_number: Found[str] | None = None  # value normalised, span of the raw number
    document_kind: Found[str] | None = None
    case_kind: Found[str] | None = None
    instance: Found[str] | None = None
    judgment_date: Found[dt.date] | None = None
    effective_date: Found[dt.date] | None = (
        None  # only when the text says (本判决已于…发生法律效力)
    )
    procuratorate: Found[str] | None = None
    indictment_number: Found[str] | None = None
    parties: list[Party] = field(default_factory=list)
    defendants: list[Defendant] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    cause: Found[str] | None = None  # 案由 of a civil or administrative case (离婚纠纷 …)
    result: SentenceResult | None = None  # the whole result part, for non-criminal documents
    cert_numbers: list[Found[str]] = field(default_factory=list)  # cited, normal form
    claim_amount: Found[Decimal] | None = None  # the first amount of the 诉讼请求 (civil)
    orders: list[Order] = field(default_factory=list)  # 追缴 / 退赔 / 发还 / 没收 of the result
    result_span: tuple[int, int] | None = None
    problems: list[str] = field(default_factory=list)

    def law_articles(self, law: str = "刑法") -> list[int]:
        """Article numbers cited of one law (``之一`` folded onto its article), each once."""
        seen: dict[int, None] = {}
        for a in self.articles:
            if a.law == law:
                seen.setdefault(a.article, None)
        return list(seen)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values, with ``[start, end]`` spans beside them."""

        def f(found: Found[Any] | None) -> Any:
            if found is None:
                return None
            value = found.value
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, Charge):
                value = {"name": value.name, "official": value.official, "article": value.article}
            elif not isinstance(value, (str, int, float, bool)):
                value = str(value)
            return {"value": value, "span": [found.start, found.end]}

        def sentence(s: SentenceResult) -> dict[str, Any]:
            return {
                "penalty_kind": f(s.penalty_kind),
                "term_months": f(s.term_months),
                "probation_months": f(s.probation_months),
                "fine": f(s.fine),
                "combined": f(s.combined),
                "additional": [
                    {
                        "kind": f(a.kind),
                        "months": f(a.months),
                        "life": a.life,
                        "amount": f(a.amount),
                    }
                    for a in s.additional
                ],
                "custody_start": f(s.custody_start),
                "custody_end": f(s.custody_end),
                "outcome": s.outcome,
            }

        return {
            "id": self.doc_id,
            "court": f(self.court),
            "court_region_code": f(self.court_region_code),
            "region_source": self.region_source,
            "case_number": f(self.case_number),
            "document_kind": f(self.document_kind),
            "case_kind": f(self.case_kind),
            "instance": f(self.instance),
            "judgment_date": f(self.judgment_date),
            "effective_date": f(self.effective_date),
            "procuratorate": f(self.procuratorate),
            "indictment_number": f(self.indictment_number),
            "parties": [
                {
                    "role": f(p.role),
                    "name": f(p.name),
                    "sex": f(p.sex),
                    "birth_date": f(p.birth_date),
                    "ethnicity": f(p.ethnicity),
                    "residence": f(p.residence),
                    "resident_id": f(p.resident_id),
                    "appeared": f(p.appeared),
                }
                for p in self.parties
            ],
            "defendants": [
                {
                    "name": d.name,
                    "charges": [f(c) for c in d.charges],
                    "sentence": sentence(d.sentence),
                }
                for d in self.defendants
            ],
            "articles": [
                {
                    "law": a.law,
                    "article": a.number,
                    "paragraph": a.paragraph,
                    "item": a.item,
                    "label": a.label,
                    "span": [a.start, a.end],
                }
                for a in self.articles
            ],
            "cause": f(self.cause),
            "result": None if self.result is None else sentence(self.result),
            "award": None if self.result is None else f(self.result.award),
            "cert_numbers": [f(c) for c in self.cert_numbers],
            "claim_amount": f(self.claim_amount),
            "orders": [
                {
                    "kind": f(o.kind),
                    "defendant": o.defendant,
                    "amount": f(o.amount),
                    "text": f(o.text),
                }
                for o in self.orders
            ],
            "problems": list(self.problems),
        }


# --- helpers --------------------------------------------------------------------------------


def normalise_case_number(raw: str) -> str:
    """``（2017）沪0120刑初684号`` → ``(2017)沪0120刑初684号``.

    The old form ``（2014）西刑初字第175号`` becomes ``(2014)西刑初175号``.
    """
    text = re.sub(r"\s+", "", raw.translate(_FULL))
    m = _CASE_NO.fullmatch(text)
    if m is None:
        return text
    body = m.group("body").removesuffix("字")
    year = f"({m.group('year')})" if m.group("year") else ""
    return f"{year}{body}{int(m.group('seq'))}号"


def _region_from_case_number(body: str) -> str | None:
    m = _COURT_CODE.match(body)
    if m is None or m.group("abbr") not in PROVINCE_ABBR:
        return None
    province = PROVINCE_ABBR[m.group("abbr")]
    digits = m.group("digits")
    if len(digits) == 2:
        digits += "00"
    if digits[:2] in ("70", "71", "72", "73", "74", "75", "76", "77", "78", "79", "80", "81"):
        return None  # special courts (railway, maritime, forest …): no administrative division
    return province + digits


@functools.lru_cache(maxsize=4096)
def _region_from_court_name(court: str) -> str | None:
    from lexradar.normalize import region_code

    name = court
    for suffix in ("人民法院", "法院", "人民法庭", "法庭"):
        name = name.removesuffix(suffix)
    province = next((code for n, code in _PROVINCE_NAMES.items() if name.startswith(n)), None)
    table = region_code.regions()
    rank = {"province": 0, "city": 1, "county": 2}
    best: tuple[tuple[int, int, int], str] | None = None
    for code, region in table.items():
        if not region.is_current or (province and not code.startswith(province)):
            continue
        if not region.name or region.name not in name:
            continue
        if region.level == "province" and not name.startswith(region.name.removesuffix("自治区")):
            continue
        # a county named with its city (赤峰市松山区) beats a city or a same-named county elsewhere
        parents, up = 0, region.parent
        while up is not None and up in table:
            parents += table[up].name.removesuffix("自治区") in name
            up = table[up].parent
        key = (parents + 1, rank[region.level], len(region.name))
        if best is None or key > best[0]:
            best = (key, code)
    if best is not None:
        return best[1]
    return province + "0000" if province else None


def _first(pattern: re.Pattern[str], text: str, start: int, end: int) -> Found[str] | None:
    m = pattern.search(text, start, end)
    return Found(m.group("v"), m.start("v"), m.end("v")) if m else None


def _same_role(a: str, b: str) -> bool:
    """Whether two role words name the same side (被告人 and 上诉人（原审被告人） do)."""
    norm = str.maketrans("()", "（）")
    a, b = a.translate(norm), b.translate(norm)
    accused = ("被告人", "罪犯", "被告单位")
    return a == b or (any(w in a for w in accused) and any(w in b for w in accused))


def _parties(text: str, start: int, end: int) -> list[Party]:
    block_end = _PARTY_BLOCK_END.search(text, start, end)
    stop = block_end.start() if block_end else min(end, start + 3000)
    matches = [
        m
        for m in _PARTY.finditer(text, start, stop)
        if not m.group("name").startswith(("辩护人", "委托", "法定代理人"))
        and not _NOT_A_NAME.search(m.group("name"))
    ]
    parties: list[Party] = []
    seen: set[tuple[str, str]] = set()
    for i, m in enumerate(matches):
        seg_end = matches[i + 1].start() if i + 1 < len(matches) else stop
        name = m.group("name")
        key = (m.group("role"), name)
        role = m.group("role")
        # a name again, or longer, in the same role is the same party (a plaintiff 阿拉坦 and a
        # defendant 阿拉坦其其格 are two)
        if key in seen or any(
            name.startswith(p.name.value) and _same_role(p.role.value, role) for p in parties
        ):
            continue
        seen.add(key)
        party = Party(
            role=Found(
                m.group("role").replace("(", "（").replace(")", "）"),
                m.start("role"),
                m.end("role"),
            ),
            name=Found(name, m.start("name"), m.end("name")),
        )
        a, b = m.end(), seg_end
        party.sex = _first(_SEX, text, a, min(b, a + 12))
        birth = _BIRTH.search(text, a, b)
        if birth is not None:
            with contextlib.suppress(ValueError):
                when = _DATE_RE.match(birth.group("v"))
                if when is not None:
                    party.birth_date = Found(date_of(when), birth.start("v"), birth.end("v"))
        party.ethnicity = _first(_ETHNICITY, text, a, b)
        party.residence = _first(_RESIDENCE, text, a, b)
        party.resident_id = _first(_RESIDENT_ID, text, a, b) or _first(_RESIDENT_ID_15, text, a, b)
        parties.append(party)
    return parties


# --- appearance at trial ------------------------------------------------------------------

#: The account of the trial ends where the parties' claims, the facts or the reasons begin.
_TRIAL_END = re.compile(r"审理终结|诉称|诉讼请求|辩称|答辩称|经审理查明|本院认为|判决如下|裁定如下")
_ABSENT = re.compile(
    r"(?:拒不|未能?|没有|不)(?:到庭|出庭|参加庭审|应诉)|缺席(?:审理|判决)?|未参加诉讼"
)
_PRESENT = re.compile(r"到庭|出庭(?:参加诉讼|应诉)|参加了?庭审")
#: Words naming parties by their role rather than their name (原、被告均到庭参加诉讼).
_ALL_PARTIES = re.compile(
    r"原、?被告|双方当事人|各方当事人|当事人双方|当事人均|诉讼各方|诉讼参与人"
)
_NAMED_ROLE = re.compile(rf"(?:{_ROLES})?[：:]?\x00")
_CLAUSE_STOP = re.compile(r"一案|纠纷|立案|受理|提起公诉|公开开庭|不公开开庭|开庭审理|组成合议庭")


def _appearance(text: str, parties: list[Party], start: int, end: int) -> None:
    """Set :attr:`Party.appeared` from the account of the trial.

    Courts write it after the case's introduction: ``原告张某及其委托诉讼代理人李某，被告王某到
    庭参加诉讼``, ``被告人刘某及其辩护人到庭参加诉讼``, ``原、被告均到庭参加诉讼``, ``被告王某经本院
    传票传唤，无正当理由拒不到庭参加诉讼，本院依法缺席审理``, ``被告经本院合法传唤未到庭``. The
    account is cut into clauses (，。；); each clause that says appearance (到庭, 出庭参加诉讼) or
    absence (拒不到庭, 未到庭, 缺席) applies to the parties it names and to those named by the
    clauses just before it (``被告王某经本院传票传唤，…拒不到庭``), back to the sentence's start, a
    clause that said appearance, or one that introduces the case (一案, 立案, 公开开庭 …). A
    clause naming no party may name them by role (原告, 被告, 被告人, 原、被告, 双方当事人). A
    party is read once: the first clause that says something of it.
    """
    names = sorted({p.name.value for p in parties if len(p.name.value) >= 2}, key=len, reverse=True)
    if not names:
        return
    by_name = re.compile("|".join(re.escape(n) for n in names))
    body = max(p.name.end for p in parties)  # the clauses after the header's party list
    stop = _TRIAL_END.search(text, body, end)
    zone_end = stop.start() if stop else min(end, body + 1500)
    clauses: list[tuple[int, int]] = []  # (-1, -1) marks a sentence's start
    for sentence in re.finditer(r"[^。；;]+", text[body:zone_end]):
        a0 = body + sentence.start()
        cuts = [a0] + [a0 + m.end() for m in re.finditer(r"[，,]", sentence.group(0))]
        ends = [c - 1 for c in cuts[1:]] + [body + sentence.end()]
        clauses.append((-1, -1))
        clauses += list(zip(cuts, ends, strict=True))

    def named(a: int, b: int) -> list[Party]:
        found = {m.group(0) for m in by_name.finditer(text, a, b)}
        out = [p for p in parties if p.name.value in found]
        # roles left once each name is taken out with the role before it (三被告人、文某三的辩
        # 护人…: every defendant; 被告人刘某及其辩护人: 刘某 alone)
        words = _NAMED_ROLE.sub("", by_name.sub("\x00", text[a:b]))
        if _ALL_PARTIES.search(words):
            return list(parties)
        if "被告人" in words:
            out += [p for p in parties if p.is_defendant]
        if "被告单位" in words:
            out += [p for p in parties if p.role.value == "被告单位"]
        if re.search(r"被告(?![人单])", words):
            out += [p for p in parties if p.role.value.endswith("被告")]
        if "原告" in words:
            out += [p for p in parties if p.role.value.endswith("原告")]
        return [p for i, p in enumerate(out) if all(p is not q for q in out[:i])]

    for i, (a, b) in enumerate(clauses):
        if a < 0:
            continue
        absent = _ABSENT.search(text, a, b)
        said = absent or _PRESENT.search(text, a, b)
        if said is None:
            continue
        subjects = named(a, said.start())
        for j in range(i - 1, -1, -1):
            pa, pb = clauses[j]
            if pa < 0 or _ABSENT.search(text, pa, pb) or _PRESENT.search(text, pa, pb):
                break
            if _CLAUSE_STOP.search(text, pa, pb):
                break
            before = named(pa, pb)
            if not before:
                break
            subjects = before + subjects
        for party in subjects:
            if party.appeared is None:
                party.appeared = Found(absent is None, said.start(), said.end())


def _articles(text: str, start: int, end: int) -> list[Article]:
    """Articles cited between ``start`` and ``end``: runs of ``第X条…`` after a law's name.

    A run continues over separators (、，和及以及), over a quoted article text (``第七十二条：
    “…”、第七十三条``) and over ``的规定``; any other words end it, so a bare ``第X条`` far from
    a law's name is not taken for one of its articles.
    """
    out: list[Article] = []
    law: str | None = None
    pos = start
    while pos < end:
        lm = _LAW_OR_CRIMINAL.search(text, pos, end)
        if lm is None:
            break
        law = _law_name(lm.group("law") or "刑法")
        pos = lm.end()
        while pos < end:
            gap = _ARTICLE_GAP.match(text, pos, end)
            if gap is not None:
                pos = gap.end()
            am = _ARTICLE.match(text, pos, end)
            if am is not None:
                found = _article(law, am)
                if found is not None:
                    out.append(found)
                    for more in _MORE.finditer(am.group("more") or ""):
                        paragraph = parse_int(more.group(0))
                        out.append(Article(law, found.article, found.sub, paragraph, None,
                                           found.start, found.end))  # fmt: skip
                    for more in _MORE.finditer(am.group("alist") or ""):
                        out.append(Article(law, parse_int(more.group(0)), None, None, None,
                                           found.start, found.end))  # fmt: skip
                pos = am.end()
                note = _ANNOTATION.match(text, pos, end)
                if note is not None and "第" not in note.group(0):
                    pos = note.end()
                continue
            im = _ITEM_ONLY.match(text, pos, end)
            if im is not None and out and out[-1].law == law:
                prev = out[-1]
                out.append(Article(law, prev.article, prev.sub, prev.paragraph,
                                   parse_int(im.group("i")), im.start(), im.end()))  # fmt: skip
                pos = im.end()
                continue
            pm = _PARAGRAPH_ONLY.match(text, pos, end)
            if pm is not None and out and out[-1].law == law:
                prev = out[-1]
                out.append(
                    Article(
                        law,
                        prev.article,
                        prev.sub,
                        parse_int(pm.group("p")),
                        parse_int(pm.group("i")) if pm.group("i") else None,
                        pm.start(),
                        pm.end(),
                    )
                )
                pos = pm.end()
                continue
            quote = _QUOTED.match(text, pos, end)
            if quote is not None:
                pos = quote.end()
                continue
            break
    return out


def _article(law: str, m: re.Match[str]) -> Article | None:
    try:
        return Article(
            law=law,
            article=parse_int(m.group("a")),
            sub=parse_int(m.group("s")) if m.group("s") else None,
            paragraph=parse_int(m.group("p")) if m.group("p") else None,
            item=parse_int(m.group("i")) if m.group("i") else None,
            start=m.start(),
            end=m.end(),
        )
    except ValueError:
        return None


def _law_name(raw: str) -> str:
    name = raw.strip().removeprefix("中华人民共和国")
    return name


_SHARED = re.compile(r"[、，,和及与\s]*(?:被告人|上诉人|原审被告人)?[、，,和及与\s]*")
_ENUMERATOR = re.compile(r"[一二三四五六七八九十]{1,3}[、.．]")
_REVOKED = re.compile(r"撤销[^。；]{0,80}?(?:判决|裁定)")


def _revoked_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    for m in _REVOKED.finditer(text, start, end):
        nxt = _ENUMERATOR.search(text, m.end(), end)
        spans.append((m.start(), nxt.start() if nxt else end))
    return spans


def _defendants(
    text: str,
    start: int,
    end: int,
    parties: list[Party],
    indictment_at: int | None,
    problems: list[str],
) -> list[Defendant]:
    names: list[str] = []
    for p in parties:
        if p.is_defendant and p.name.value not in names:
            names.append(p.name.value)
    if not names:
        return []
    revoked = _revoked_spans(text, start, end)
    pattern = re.compile("|".join(sorted((re.escape(n) for n in names), key=len, reverse=True)))
    mentions: list[tuple[int, str]] = []
    for m in pattern.finditer(text, start, end):
        if any(a <= m.start() < b for a, b in revoked):
            continue
        mentions.append((m.start(), m.group(0)))
    ordered: list[list[Any]] = []  # [name, start, end] of each run of one defendant's mentions
    for i, (pos, name) in enumerate(mentions):
        nxt = next((p for p, n in mentions[i + 1 :] if n != name), end)
        if i > 0 and mentions[i - 1][1] == name:
            continue
        ordered.append([name, pos, nxt])
    for i in range(len(ordered) - 2, -1, -1):  # 被告人张某、李某犯盗窃罪，各判处…: shared
        name, pos, _ = ordered[i]
        if _SHARED.fullmatch(text, pos + len(name), ordered[i + 1][1]):
            ordered[i][2] = ordered[i + 1][2]
    blocks: dict[str, list[tuple[int, int]]] = {}
    for name, pos, nxt in ordered:
        blocks.setdefault(name, []).append((pos, nxt))
    out: list[Defendant] = []
    for name in names:
        spans = blocks.get(name)
        if not spans and len(names) == 1:
            spans = [(start, end)]
        sentence = SentenceResult()
        for a, b in spans or []:
            candidate = parse_result(text, start=a, end=b)
            if candidate.penalty_kind is not None and (
                sentence.penalty_kind is None or candidate.combined is not None
            ):
                sentence = candidate
                if candidate.combined is not None:
                    break
        charges: list[Found[Charge]] = []
        for c in sentence.charges:
            charge = normalise_charge(c.value)
            if charge is None:
                problems.append(f"charge of {name} not in the official list: {c.value}")
            elif all(x.value.name != charge.name for x in charges):
                charges.append(Found(charge, c.start, c.end))
        if not charges and indictment_at is not None:
            charges = _indicted_charges(text, indictment_at, name)
        out.append(Defendant(name, charges, sentence))
    return out


_INDICTED = re.compile(
    r"指控(?:被告人)?(?P<names>[^犯。]{1,60})犯(?P<c>[\u4e00-\u9fff、（）]{2,40}?罪)"
)


def _indicted_charges(text: str, at: int, name: str) -> list[Found[Charge]]:
    m = _INDICTED.search(text, at, at + 400)
    if m is None or name not in m.group("names"):
        return []
    out = []
    for part in re.split(r"罪[、，,和及]", m.group("c")):
        charge = normalise_charge(part if part.endswith("罪") else part + "罪")
        if charge is not None:
            out.append(Found(charge, m.start("c"), m.end("c")))
    return out


# --- the extractor --------------------------------------------------------------------------


def extract(text: str, doc_id: str | None = None) -> DocumentElements:
    """The elements of one judgment document; what cannot be read is ``None`` with a problem."""
    out = DocumentElements(doc_id=doc_id)
    head = min(len(text), 400)
    m = _COURT.search(text, 0, head)
    if m:
        out.court = Found(m.group("court"), m.start("court"), m.end("court"))
    t = _TITLE.search(text, 0, head)
    if t:
        doc = re.sub(r"\s+", "", t.group("doc"))
        out.document_kind = Found(doc, t.start("doc"), t.end("doc"))
        if t.group("kind"):
            kind = "刑事" if t.group("kind").startswith("刑事") else t.group("kind")
            out.case_kind = Found(kind, t.start("kind"), t.end("kind"))
    title_end = t.end() if t else (m.end() if m else 0)
    c = _CASE_NO.search(text, title_end, min(len(text), title_end + 60))
    if c:
        out.case_number = Found(normalise_case_number(c.group(0)), c.start(), c.end())
        body = c.group("body").translate(_FULL)
        code = _COURT_CODE.match(body)
        case_type = code.group("type") if code else body
        region = _region_from_case_number(body)
        if region is not None:
            out.court_region_code = Found(region, c.start("body"), c.end("body"))
            out.region_source = "case_number"
        kind = next((k for ch, k in _CASE_KIND_OF_TYPE.items() if ch in case_type), None)
        if kind is not None and out.case_kind is None:
            out.case_kind = Found(kind, c.start("body"), c.end("body"))
        inst = next((i for ch, i in _INSTANCE_OF_TYPE.items() if ch in case_type), None)
        if inst is not None:
            out.instance = Found(inst, c.start("body"), c.end("body"))
    if out.court is not None and out.court_region_code is None:
        region = _region_from_court_name(out.court.value)
        if region is not None:
            out.court_region_code = Found(region, out.court.start, out.court.end)
            out.region_source = "court_name"
    body_start = c.end() if c else (t.end() if t else 0)
    appendix = text.find("附：", body_start)
    if appendix < 0:
        appendix = text.find("附:", body_start)
    doc_end = appendix if appendix > 0 else len(text)

    p = _PROCURATORATE.search(text, body_start, min(doc_end, body_start + 400))
    if p is None:
        p = _PROCURATORATE_FALLBACK.search(text, body_start, min(doc_end, body_start + 3000))
    if p:
        out.procuratorate = Found(p.group("p"), p.start("p"), p.end("p"))
    ind = _INDICTMENT.search(text, body_start, min(doc_end, body_start + 4000))
    if ind:
        out.indictment_number = Found(
            re.sub(r"\s+", "", ind.group("no").translate(_FULL)), ind.start("no"), ind.end("no")
        )
    out.parties = _parties(text, body_start, doc_end)
    _appearance(text, out.parties, body_start, doc_end)

    r_start, r_end = _result_part(text, body_start, doc_end)
    if r_start == body_start:
        out.problems.append("no 判决如下/裁定如下: result part not found")
    else:
        out.result_span = (r_start, r_end)
    out.judgment_date = _judgment_date(
        text, r_end if r_start != body_start else body_start, doc_end
    )
    if out.judgment_date is None:
        out.problems.append("judgment date not found")
    eff = _EFFECTIVE.search(text, body_start)
    if eff is not None:
        with contextlib.suppress(ValueError):
            when = _DATE_RE.match(eff.group("v"))
            if when is not None:
                out.effective_date = Found(date_of(when), eff.start("v"), eff.end("v"))
    reasons = text.rfind("本院认为", body_start, r_start)
    out.articles = _articles(text, reasons if reasons >= 0 else body_start, r_start)
    criminal = out.case_kind is None or out.case_kind.value == "刑事"
    if not criminal:
        cause = _CAUSE.search(text, body_start, min(doc_end, body_start + 2000))
        if cause:
            a, b = cause.start("v"), cause.end("v")
            for party in out.parties:  # 与被告李某离婚纠纷: the cause starts after the last name
                name = party.name.value  # which may begin before the match (其其格·那顺)
                at = text.rfind(name, max(body_start, a - len(name)), b)
                if at >= 0:
                    a = max(a, at + len(name))
            if b - a >= 2:
                out.cause = Found(text[a:b], a, b)
        claim = _CLAIM.search(text, body_start, doc_end)
        amount = _MONEY_RE.search(text, claim.start("body"), claim.end()) if claim else None
        if amount is not None:
            with contextlib.suppress(ValueError):
                out.claim_amount = Found(money_of(amount), amount.start(), amount.end())
        for cert in _CERT.finditer(text, body_start, doc_end):
            value = clean_cert(cert.group("v"))
            if all(c.value != value for c in out.cert_numbers):
                out.cert_numbers.append(Found(value, cert.start("v"), cert.end("v")))
    if out.result_span is not None and criminal:
        out.defendants = _defendants(
            text, r_start, r_end, out.parties, ind.start() if ind else None, out.problems
        )
    elif out.result_span is not None:
        out.result = parse_result(
            text,
            out.case_kind.value if out.case_kind else None,
            cause=out.cause.value if out.cause else None,
            start=r_start,
            end=r_end,
        )
        if out.result.outcome is None:
            out.problems.append("no outcome read from the result part")
    if out.result_span is not None:
        out.orders = _orders(text, r_start, r_end, [d.name for d in out.defendants])
    if out.result_span is not None and _UPHELD.search(text, r_start, r_end):
        _upheld_sentences(text, out, body_start, reasons if reasons >= 0 else r_start)
    for d in out.defendants:
        if d.sentence.penalty_kind is None:
            out.problems.append(f"no sentence read for defendant {d.name}")
        longer = _custody_longer_than_term(d.sentence)
        if longer is not None:
            out.problems.append(f"custody period of {d.name} {longer}")
    return out


def _custody_longer_than_term(s: SentenceResult) -> str | None:
    """A custody period (刑期自…起至…止) longer than the term: the court's own arithmetic is off
    (credit for pre-trial detention only shortens it). Worth a supervisor's look."""
    if s.term_months is None or s.custody_start is None or s.custody_end is None:
        return None
    a, b = s.custody_start.value, s.custody_end.value
    months = (b.year - a.year) * 12 + (b.month - a.month) + (b.day >= a.day)
    if months > s.term_months.value + 1:
        return f"{a}…{b} (about {months} months) is longer than the term ({s.term_months.value})"
    return None


_ORDER = re.compile(r"追缴|责令[^，。；]{0,20}?退赔|退赔|发还|返还|没收|上缴国库")
_ORDER_KIND = (
    ("追缴", "追缴"),
    ("退赔", "退赔"),
    ("发还", "发还"),
    ("返还", "发还"),
    ("没收", "没收"),
)
_MONEY_RE = re.compile(MONEY)


def _orders(text: str, start: int, end: int, defendants: list[str]) -> list[Order]:
    """The result's orders on money and things: each item (一、二、…, or sentence) that
    追缴/退赔/发还/没收 and is not a penalty (没收财产 is an additional penalty)."""
    out: list[Order] = []
    cuts = [m.start() for m in _ENUMERATOR.finditer(text, start, end)] + [end]
    pieces = list(zip([start, *cuts], cuts, strict=False))
    for a, b in pieces:
        for clause in re.finditer(r"[^。；;]+", text[a:b]):
            ca, cb = a + clause.start(), a + clause.end()
            words = text[ca:cb]
            m = _ORDER.search(words)
            if m is None or "财产" in words or "罚金" in words or "判处" in words:
                continue
            kind = next((k for w, k in _ORDER_KIND if w in m.group(0)), "上缴国库")
            money = _MONEY_RE.search(text, ca, cb)
            amount = None
            if money is not None:
                with contextlib.suppress(ValueError):
                    amount = Found(money_of(money), money.start(), money.end())
            who = next((d for d in defendants if d in words), None)
            body = words.strip()
            lead = ca + (len(words) - len(words.lstrip()))
            out.append(
                Order(
                    Found(kind, ca + m.start(), ca + m.end()),
                    who,
                    amount,
                    Found(body, lead, lead + len(body)),
                )
            )
    return out


_UPHELD = re.compile(r"维持原判|维持[^。；]{0,40}?(?:判决|裁定)")


def _upheld_sentences(text: str, out: DocumentElements, start: int, end: int) -> None:
    """An appeal that upholds the judgment (驳回上诉，维持原判) states no sentence of its own:
    the sentence is the first-instance one the body quotes (原判…判决：被告人X犯…，判处…)."""
    for d in out.defendants:
        if d.sentence.penalty_kind is not None:
            continue
        for m in re.finditer(re.escape(d.name) + "犯", text[start:end]):
            a = start + m.start()
            stop = text.find("。", a, end)
            candidate = parse_result(text, start=a, end=stop + 1 if stop >= 0 else end)
            if candidate.penalty_kind is not None:
                d.sentence = candidate
                if not d.charges:
                    d.charges = [
                        Found(c, f.start, f.end)
                        for f in candidate.charges
                        if (c := normalise_charge(f.value)) is not None
                    ]
                out.problems.append(f"sentence of {d.name} read from the judgment upheld")
                break


_RESULT_HEAD = re.compile(r"(?:判决|裁定|决定)如下[：:]?")


def _result_part(text: str, start: int, end: int) -> tuple[int, int]:
    """The 判决如下 part the court decided: one that says a sentence or an outcome (a blank
    template's ``判处……`` says none) and is followed by a date (the signature); the last such."""
    best: tuple[tuple[bool, bool, int], tuple[int, int]] | None = None
    for m in _RESULT_HEAD.finditer(text, start, end):
        a = m.end()
        b = result_end(text, a, end)
        said = parse_result(text, start=a, end=b)
        template = "……" in text[a:b] or "×××" in text[a:b]
        content = not template and (said.penalty_kind is not None or said.civil_outcome is not None)
        dated = _DATE_RE.search(text, b, min(end, b + 400)) is not None
        key = (content, dated, a)
        if best is None or key > best[0]:
            best = (key, (a, b))
    return best[1] if best else (start, end)


def _judgment_date(text: str, start: int, end: int) -> Found[dt.date] | None:
    best: Found[dt.date] | None = None
    for m in _DATE_RE.finditer(text, start, end):
        try:
            value = date_of(m)
        except ValueError:
            continue
        best = Found(value, m.start(), m.end())
        sig = _SIGNATURE.search(text, m.end(), min(end, m.end() + 30))
        if sig is not None:
            return best
    return best
