"""Finders for numeric values: Ki-67, mitotic count, tumour size, node counts, TNM tokens.

Precision first: a number becomes a value only when a name (Ki-67, mitoses, nodes) or a
unit (per 2 mm2, per 10 HPF, cm) says what it is. "58F" or "3/12 nodes" never give a Ki-67.
"""

from __future__ import annotations

import itertools
import re
from decimal import Decimal
from typing import Iterator, Optional

from . import vocabulary as V
from .text import Candidate, compile_terms, fmt, number

PRIORITY = 0  # numbers beat every word-based value they overlap

_NUM = r"\d+,\d(?=\s*%)|\d+(?:\.\d+)?|\.\d+"
# "one mitotic figure", "a single mitosis", "Ki-67 one percent": number words as data (vocabulary.NUMBER_WORDS)
_NUMBER_WORD = "|".join(sorted((w for w in V.NUMBER_WORDS), key=len, reverse=True))
_CMP = "|".join(p for p, _ in V.COMPARATORS)
_RANGE_SEP = r"\s*%?\s*(?:-|to)\s*"


def _comparator(raw: Optional[str]) -> str:
    if not raw:
        return ""
    for pattern, prefix in V.COMPARATORS:
        if re.fullmatch(pattern, raw.strip(), re.IGNORECASE):
            return prefix
    return ""


def _count_number(raw: str) -> Optional[Decimal]:
    """'3', '2.5' or a number word ('three', 'twenty-one', 'a single')."""
    word = V.NUMBER_WORDS.get(re.sub(r"\s+", " ", raw.strip().lower()))
    return Decimal(word) if word is not None else number(raw)


def _node_number(raw: str) -> Optional[Decimal]:
    """A node count, where 'none' and 'no' are 0 ("none of 12 nodes")."""
    return Decimal(0) if raw.strip().lower() in ("none", "no") else _count_number(raw)


def _value(cmp_raw: Optional[str], low: str, high: Optional[str], limit: Decimal) -> Optional[str]:
    """'8', '<1', '2-3'; None when a number is out of range or a range runs backwards."""
    lo = _count_number(low)
    if lo is None or lo > limit:
        return None
    if high:
        hi = number(high)
        if hi is None or hi > limit or hi <= lo:
            return None
        return f"{fmt(lo)}-{fmt(hi)}"
    return _comparator(cmp_raw) + fmt(lo)


# ----------------------------------------------------------------------------- Ki-67
_KI67_VALUE = (
    rf"(?P<cmp>{_CMP})?\s*(?P<lo>{_NUM}|(?:{_NUMBER_WORD})(?=\s*(?:%|percent|per\s*cent|pc\b)))(?:{_RANGE_SEP}(?P<hi>{_NUM}))?"
    r"\s*(?P<pct>%|percent|per\s*cent|pc\b)?"
    # not a mitotic count, a size, a ratio or a longer number ("ki67 8 mitoses 3": the mitoses have their own
    # number); a full stop that ends the sentence ends the value ("ki 4. T and grade")
    r"(?!\d|[.,]\d|\s*(?:/|per\b|mitos(?![a-z]*\s*[:=]?\s*\d)|mm|cm|hpf|x\b|times|nodes?\b))"
)
_KI67_FORWARD = compile_terms(
    rf"(?:{V.KI67_NAMES})(?:\s*(?:{V.KI67_FILLERS})(?![A-Za-z]))*\s*{_KI67_VALUE}"
)
_KI67_BACKWARD = compile_terms(
    rf"(?P<cmp>{_CMP})?\s*(?P<lo>{_NUM})(?:{_RANGE_SEP}(?P<hi>{_NUM}))?\s*%\s*(?:on\s+|by\s+)?(?:{V.KI67_NAMES})"
)


# Ki-67 as a count: "Ki-67: 31 positive / 620 counted", "MIB-1 12 of 400 tumour cells", "ki67 45/900 cells".
# The index is positive / counted (one decimal) and the number counted is kept (WHO asks for >= 500 cells).
_CELLS = r"(?:(?:tumou?r\s+)?(?:cells|nuclei)(?:\s+counted)?|counted|cells\s+scored|scored)"
_KI67_COUNT = compile_terms(
    rf"(?:{V.KI67_NAMES})(?:\s*(?:{V.KI67_FILLERS})(?![A-Za-z]))*\s*(?P<pos>\d+)\s*(?:positive|pos|\+ve|\+|stained)?"
    rf"(?:\s+nuclei|\s+cells)?\s*(?:/|of|out\s+of)\s*(?P<total>\d+)\s*{_CELLS}?"
    rf"|(?P<pos2>\d+)\s*(?:/|of|out\s+of)\s*(?P<total2>\d+)\s*{_CELLS}\s*(?:were\s+|are\s+)?(?:positive|pos|\+ve|stained)"
    rf"\s*(?:for\s+)?(?:{V.KI67_NAMES})"
)


def find_ki67_count(text: str) -> Iterator[Candidate]:
    for m in _KI67_COUNT.finditer(text):
        positive, total = int(m.group("pos") or m.group("pos2")), int(m.group("total") or m.group("total2"))
        if total == 0 or positive > total:
            continue
        percent = (Decimal(positive) * 100 / Decimal(total)).quantize(Decimal("0.1"))
        yield Candidate("ki67", fmt(percent), m.start(), m.end(), PRIORITY)
        yield Candidate("cells_counted", str(total), m.start(), m.end(), PRIORITY)


# "ki 4": the bare "ki" only with a number right after it (never "ki 67" itself)
_KI67_BARE_KI = compile_terms(rf"ki\s*[:=]?\s*{_KI67_VALUE}")
# A second value of the same index: "ki67 15 vs 5", "5% on biopsy, 15% on resection",
# "15% in the hotspot, 5% average". After a list word (",", "and", "but") the % sign is
# required; after "vs"/"or" a bare number is enough. The source words stay free text.
_KI67_SOURCE = r"(?:\s*(?:on|in|at|from|by)\s+(?:the\s+|a\s+|an\s+)?[A-Za-z][\w-]*(?:\s+(?:specimen|sample|core|biopsy|bx|resection|met|mets))?|\s*\(\s*[^()]{1,30}\))"
_KI67_MORE = re.compile(
    rf"{_KI67_SOURCE}?\s*(?:(?P<choice>vs\.?|versus|v\.?|or)|,|;|and|but|whereas|while)\s*{_KI67_SOURCE}?\s*"
    rf"(?:(?:it\s+)?(?:was|is)\s+)?(?<![\d.])(?P<cmp>{_CMP})?\s*(?P<lo>{_NUM})(?:{_RANGE_SEP}(?P<hi>{_NUM}))?\s*(?P<pct>%|percent|per\s*cent)?"
    r"(?![\d.]|\s*(?:/|per\b|mitos|mits?\b|mm|cm|hpf|x\b|times|nodes?\b|lns?\b|of\b|necro|tumou?r|cells|viab|fibro|stroma|years?|yrs?|y/?o\b))",
    re.IGNORECASE,
)


def _negative(text: str, m: re.Match[str]) -> bool:
    """"Ki-67 -5%": a minus sign touching the number after a space, "=", ":" or "(" (not "Ki67-5%")."""
    at = m.start("lo")
    return at >= 2 and text[at - 1] == "-" and text[at - 2] in " =:(" and not m.group("cmp")


def find_ki67(text: str) -> Iterator[Candidate]:
    for regex in (_KI67_FORWARD, _KI67_BACKWARD, _KI67_BARE_KI):
        for m in regex.finditer(text):
            if regex is _KI67_BARE_KI and m.group("lo") in ("67", "76"):
                continue
            # accept impossible values (e.g. 150%, -5%) so the core can reject them with a message that names the field
            value = _value(m.group("cmp"), m.group("lo"), m.group("hi"), Decimal(1000))
            if value is None:
                continue
            if regex is _KI67_FORWARD and _negative(text, m):
                value = "-" + value
            yield Candidate("ki67", value, m.start(), m.end(), PRIORITY)
            end = m.end()
            while more := _KI67_MORE.match(text, end):
                if not (more.group("pct") or more.group("choice")):
                    break
                value = _value(more.group("cmp"), more.group("lo"), more.group("hi"), Decimal(1000))
                if value is None:
                    break
                yield Candidate("ki67", value, more.start("lo"), more.end(), PRIORITY)
                end = more.end()


# ----------------------------------------------------------------------------- mitoses
_UNIT = rf"(?:(?P<area>{_NUM})\s*)?(?:(?P<hpf>{V.HPF_UNIT})|(?P<mm2>{V.MM2_UNIT}))"
_PER = r"\s*(?:/|per|in|every|each)\s*"
_COUNT = rf"(?P<cmp>{_CMP})?\s*(?P<lo>{_NUM}|{_NUMBER_WORD})(?:\s*(?:-|to)\s*(?P<hi>{_NUM}|{_NUMBER_WORD}))?"
_MITOSES_COUNT_FIRST = compile_terms(
    rf"{_COUNT}\s*(?:(?P<name>{V.MITOSIS_NAMES})\s*)?{_PER}{_UNIT}"
)
_MITOSES_NAME_FIRST = compile_terms(
    rf"(?:{V.MITOSIS_NAMES})\s*(?:(?:of|was|is|were|be|=|:|at|approx\.?|about|around|~|only|now|on|re-?count(?:ed)?|count)\s*)*"
    rf"{_COUNT}(?:\s*(?:{V.MITOSIS_NAMES}))?(?:{_PER}{_UNIT})?(?![\d%/]|\.\d|\s*(?:%|cm\b|mm\b(?!\s*2)))"
)
_MITOSES_BARE_COUNT = compile_terms(rf"{_COUNT}\s*(?:{V.MITOSIS_NAMES})(?!\s*(?:/|per\b|in\b))")
_NO_MITOSES = compile_terms(
    rf"no\s+(?:{V.MITOSIS_NAMES})(?:\s+(?:seen|identified|present))?|(?:{V.MITOSIS_NAMES})\s*[:=-]?\s*(?:absent|none|nil)"
    # "Mitotic figures are not identified in the 10 mm2 examined"
    rf"|(?:{V.MITOSIS_NAMES})\s+(?:are\s+|were\s+|is\s+)?not\s+(?:identified|seen|found|present)"
    r"|mitotically\s+inactive"
)
# Counting areas we can convert exactly: per 1, 2 or 10 mm2 -> per 2 mm2; 10 or 50 HPF kept.
_MM2_AREAS = {Decimal(1), Decimal(2), Decimal(10)}
_HPF_FIELDS = {Decimal(10), Decimal(50)}


def _mitotic_value(m: re.Match[str]) -> Optional[str]:
    groups = m.groupdict()
    lo, hi = _count_number(groups["lo"]), _count_number(groups["hi"]) if groups.get("hi") else None
    if lo is None or lo > 1000 or (hi is not None and hi <= lo):
        return None
    prefix = _comparator(groups.get("cmp"))
    if not groups.get("hpf") and not groups.get("mm2"):
        # No unit given: the bare count, the consumer assumes per 2 mm2 and says so. Zero is
        # zero in any unit.
        if lo == 0 and hi is None and not prefix:
            return "0/2mm2"
        return prefix + fmt(lo) + (f"-{fmt(hi)}" if hi is not None else "")
    area = number(groups["area"]) if groups.get("area") else Decimal(1)
    if area is None:
        return None
    if groups.get("hpf"):
        if area not in _HPF_FIELDS:
            return None
        unit, factor = f"{fmt(area)}hpf", Decimal(1)
    else:
        if area not in _MM2_AREAS:
            return None
        unit, factor = "2mm2", Decimal(2) / area
    count = prefix + fmt(lo * factor) + (f"-{fmt(hi * factor)}" if hi is not None else "")
    return f"{count}/{unit}"


# A second count of the same index: "3/2mm2 and 8/2mm2", "4 per 2mm2 on biopsy and 12 on resection",
# "mitoses 2 vs 6". A bare number needs "vs"/"or" or a sample word next to it and takes the first count's unit.
_MITOSES_MORE = re.compile(
    rf"(?P<src1>{_KI67_SOURCE})?\s*(?:(?P<choice>vs\.?|versus|v\.?|or)|,|;|and|but|whereas|while)\s*(?P<src2>{_KI67_SOURCE})?\s*"
    rf"(?:(?:it\s+)?(?:was|is)\s+)?(?<![\d.]){_COUNT}\s*(?:(?:{V.MITOSIS_NAMES})\s*)?(?:{_PER}{_UNIT})?"
    rf"(?P<src3>{_KI67_SOURCE})?"
    r"(?![\d.%]|\s*(?:%|cm\b|mm\b(?!\s*2)|nodes?\b|lns?\b|of\b|years?|yrs?|y/?o\b))",
    re.IGNORECASE,
)


# "ki67 8 mitoses 3": the 8 is the Ki-67 value, not a count written before the word "mitoses"
_AFTER_KI67_NAME = re.compile(rf"(?:{V.KI67_NAMES}|(?<![A-Za-z])ki)\s*[:=~]?\s*$", re.IGNORECASE)


def find_mitoses(text: str) -> Iterator[Candidate]:
    for regex in (_MITOSES_COUNT_FIRST, _MITOSES_NAME_FIRST, _MITOSES_BARE_COUNT):
        for m in regex.finditer(text):
            if regex is _MITOSES_BARE_COUNT and _AFTER_KI67_NAME.search(text, 0, m.start("lo")):
                continue
            value = _mitotic_value(m)
            if value is not None:
                yield Candidate("mitoses", value, m.start(), m.end(), PRIORITY)
                yield from _more_mitoses(text, m, value)
    for m in _NO_MITOSES.finditer(text):
        yield Candidate("mitoses", "0/2mm2", m.start(), m.end(), PRIORITY)


def _more_mitoses(text: str, first: re.Match[str], first_value: str) -> Iterator[Candidate]:
    unit = first_value.partition("/")[2]
    end = first.end()
    while more := _MITOSES_MORE.match(text, end):
        has_unit = bool(more.group("hpf") or more.group("mm2"))
        if not (has_unit or more.group("choice") or more.group("src1") or more.group("src2") or more.group("src3")):
            break
        value = _mitotic_value(more)
        if value is None:
            break
        if not has_unit and unit and "/" not in value:
            value = f"{value}/{unit}"  # "4 per 2mm2 on biopsy and 12 on resection": the same unit
        yield Candidate("mitoses", value, more.start("lo"), more.end(), PRIORITY)
        end = more.end()


# ----------------------------------------------------------------------------- high-power field diameter
# "field diameter 0.55 mm", "HPF diameter = 0.5 mm", "0.55 mm fields", "FN 22" is not read (a field number
# needs the objective). The consumer converts a count per N HPF to per 2 mm2 with it.
_FIELD_DIAMETER = compile_terms(
    r"(?:(?:field|hpf|fov)s?\s*(?:diameter|diam\.?|dia\.?|size)|diameter\s+(?:of\s+)?(?:the\s+)?(?:hpf|field|fov)s?)"
    rf"\s*(?:of|=|:|is|was)?\s*(?P<d>{_NUM})\s*mm(?![\w^])"
    rf"|(?P<d2>{_NUM})\s*mm\s*(?:diameter\s+)?(?:fields?|hpfs?|fovs?)(?:\s+diameter)?"
)


def find_field_diameter(text: str) -> Iterator[Candidate]:
    for m in _FIELD_DIAMETER.finditer(text):
        value = number(m.group("d") or m.group("d2"))
        if value is not None and Decimal("0.2") <= value <= Decimal("1"):
            yield Candidate("field_diameter", fmt(value), m.start(), m.end(), PRIORITY)


# ----------------------------------------------------------------------------- tumour size
# decimal comma in a size ("1,5 cm"); never start inside a number (that read "1,5 cm" as 5 cm)
_SIZE_NUM = rf"\d+,\d(?=\s*(?:x|by|cm|mm))|{_NUM}|{_NUMBER_WORD}"
_SIZE = compile_terms(
    rf"(?<![\d.,])(?<!/)(?<!per\s)(?P<a>{_SIZE_NUM})(?:\s*(?:x|by)\s*(?P<b>{_SIZE_NUM}))?(?:\s*(?:x|by)\s*(?P<c>{_SIZE_NUM}))?"
    r"\s*(?P<unit>cm|mm|centimet(?:er|re)s?|millimet(?:er|re)s?)(?![A-Za-z0-9^])"
)
# A size belongs to the primary unless its clause is about metastases, nodes or margins.
_CLAUSE_BREAK = re.compile(r"[,;.()\n|]|\s-\s|\band\b|\bwith\b|\bplus\b|\bno\b|\bwithout\b", re.IGNORECASE)
_NOT_PRIMARY = (
    r"mets?|metasta\w*|liver|hepatic|lesions|nod(?:e|es|al)|lns?|lymph|mesenter\w*|margins?|clearance|depth|distance"
    r"|away|from|deposits?|bone|lungs?|peritone\w*|ovar\w*|brain|above|below|verge"
)
# before the size in its clause: also an invasion depth ("invades mesoappendix 3 mm")
# "from" and "away" make a distance only after a size ("2 mm from the margin"); before one they are a place
# ("EMR from antrum: 1.3 cm NET")
_NOT_PRIMARY_BEFORE = re.compile(
    rf"\b(?:(?!from\b|away\b)(?:{_NOT_PRIMARY})|invad\w*|invasion|mesoappendi\w*|extends?|extension|beyond)\b", re.IGNORECASE)
_NOT_PRIMARY_AFTER = re.compile(rf"\b(?:{_NOT_PRIMARY})\b", re.IGNORECASE)
# an invasion depth: "3 mm into the subserosa", "2 mm deep" (the next word only; "1.1 cm rectal NET into ..." is a size)
_DEPTH_AFTER = re.compile(r"^\s*(?:deep|beyond|into)\b", re.IGNORECASE)


def _clause_around(text: str, start: int, end: int) -> tuple[str, str]:
    breaks_before = [m.end() for m in _CLAUSE_BREAK.finditer(text, 0, start)]
    left = text[breaks_before[-1] if breaks_before else 0 : start]
    after = _CLAUSE_BREAK.search(text, end)
    right = text[end : after.start() if after else len(text)]
    return left, right


# "the size was 1.9 not 0.9", "and if it had measured 1.9?": a size named as such, without a unit, is in cm
# (a correction or what-if of a recorded size; NET sizes in mm always carry their unit)
_SIZE_WITHOUT_UNIT = compile_terms(
    rf"(?:size|measur(?:ed|ing|es)|diameter)\s*(?:(?:was|is|of|=|:|had\s+been|has\s+been|were|be|actually|really)\s*)*"
    rf"(?P<a>{_NUM})(?![\d.%/]|\s*(?:%|mm|cm|x\b|by\b|centi|milli|hpf|mitos|nodes?\b|lns?\b))")
SIZE_WITHOUT_UNIT_MAX_CM = Decimal(15)


def find_tumour_size(text: str) -> Iterator[Candidate]:
    found: list[Candidate] = []
    if not _SIZE.search(text):
        for m in _SIZE_WITHOUT_UNIT.finditer(text):
            cm = number(m.group("a"))
            if cm is not None and 0 < cm <= SIZE_WITHOUT_UNIT_MAX_CM:
                yield Candidate("tumour_size", fmt(cm), m.start(), m.end(), PRIORITY)
                return
    for m in _SIZE.finditer(text):
        left, right = _clause_around(text, m.start(), m.end())
        # the words that qualify the size stop at the next value ("2.5cm ki67 3% LN neg": the LN is its own item)
        qualifiers = list(itertools.takewhile(lambda word: not re.search(r"\d", word), right.split()))[:3]
        is_mm = m.group("unit").lower().startswith("m")
        if (
            _NOT_PRIMARY_BEFORE.search(left)
            or _NOT_PRIMARY_AFTER.search(" ".join(qualifiers))
            or (is_mm and _DEPTH_AFTER.match(right))  # depths are given in mm; "NET 3cm into subserosa" is a size
        ):
            continue
        dims = [_count_number(g) for g in (m.group("a"), m.group("b"), m.group("c")) if g]
        if any(d is None or d <= 0 for d in dims):
            continue
        largest = max(d for d in dims if d is not None)
        cm = largest / 10 if m.group("unit").lower().startswith("m") else largest
        if cm > 50:
            continue
        found.append(Candidate("tumour_size", fmt(cm), m.start(), m.end(), PRIORITY))
    # A report's labelled size line names the tumour's size: its first size wins over every other
    # ("Tumor size (greatest dimension): 2.1 cm (additional dimensions 1.7 x 1.2 cm)").
    for line in V.LABELLED_LINE.finditer(text):
        if V.SIZE_LABEL.search(line.group("label")):
            on_line = [c for c in found if line.start("value") <= c.start < line.end("value")]
            if on_line:
                yield on_line[0]
                return
    # A narrative report also measures the specimen and margins: the sizes in a sentence about the tumour
    # (and not about the specimen) are the tumour's.
    if len({c.value for c in found}) > 1:
        about_tumour = [c for c in found if _sentence_is_about_the_tumour(text, c.start)]
        if len({c.value for c in about_tumour}) == 1:
            found = about_tumour
    # "Multiple (5) polypoid lesions ..., the largest 1.4 cm removed": the size named as the largest is staged
    if len({c.value for c in found}) > 1:
        largest_named = [c for c in found if _LARGEST_BEFORE.search(text, max(0, c.start - 30), c.start)
                         and not _NOT_PRIMARY_BEFORE.search(text, _sentence_start_of(text, c.start), c.start)]
        if len({c.value for c in largest_named}) == 1:
            yield largest_named[0]
            return
    # Several tumours measured in one list ("three NETs, 4 mm, 7 mm and 13 mm", "two ileal NETs (1.2 and 2.1 cm)"):
    # T follows the largest (AJCC: multiple tumours are staged by the largest, with the suffix (m)).
    if len({c.value for c in found}) > 1 and _MULTIPLE_TUMOURS.search(text):
        listed = _one_list(text, found)
        if listed:
            largest = max(listed, key=lambda c: Decimal(c.value))
            yield Candidate("tumour_size", largest.value, listed[0].start, listed[-1].end, PRIORITY)
            return
    # Two different sizes for the primary in one message: not confident which one is meant.
    if len({c.value for c in found}) == 1:
        yield from found


def _sentence_start_of(text: str, at: int) -> int:
    return max(text.rfind(".", 0, at), text.rfind("\n\n", 0, at)) + 1


_LARGEST_BEFORE = re.compile(r"\b(?:largest|biggest|dominant|index\s+(?:lesion|tumou?r))\b[^,;.\n\d]{0,15}$", re.IGNORECASE)
# several primary tumours named: a number or word before a plural tumour noun, "multifocal", "x2"
_MULTIPLE_TUMOURS = re.compile(
    rf"\b(?:multifocal|multiple|several|synchronous|(?:two|three|four|five|six|\d)\s+(?:[a-z-]+\s+){{0,3}}"
    rf"(?:tumou?rs|nets|carcinoids|lesions|nodules|polyps|foci))\b|(?:{V.TUMOUR_NOUNS})s?\s*x\s*\d",
    re.IGNORECASE)
_LIST_GAP = re.compile(r"^\s*(?:,|and|&|/|;|or)?\s*(?:and\s+)?$", re.IGNORECASE)


def _one_list(text: str, sizes: list[Candidate]) -> list[Candidate]:
    """The sizes when they stand in one list, separated only by commas, "and" or slashes; else []."""
    ordered = sorted(sizes, key=lambda c: c.start)
    for before, after in zip(ordered, ordered[1:]):
        if not _LIST_GAP.match(text[before.end:after.start]):
            return []
    return ordered


_SENTENCE_END = re.compile(r"\.\s|\n\s*\n|;")
_TUMOUR_NOUNS = re.compile(rf"\b(?:{V.TUMOUR_NOUNS})", re.IGNORECASE)
_SPECIMEN_NOUNS = re.compile(rf"\b(?:{V.SPECIMEN_NOUNS})", re.IGNORECASE)


def _sentence_is_about_the_tumour(text: str, at: int) -> bool:
    starts = [m.end() for m in _SENTENCE_END.finditer(text, 0, at)]
    after = _SENTENCE_END.search(text, at)
    sentence = text[starts[-1] if starts else 0: after.start() if after else len(text)]
    return bool(_TUMOUR_NOUNS.search(sentence)) and not _SPECIMEN_NOUNS.search(sentence)


# ----------------------------------------------------------------------------- nodes
# counts may be words in a narrative report: "three of eleven lymph nodes contain metastatic tumour", "none of 12 nodes"
_NODE_NUM = rf"\d+|{_NUMBER_WORD}|none|no"
_NODE_COUNT_RATIO = compile_terms(
    rf"(?P<pos>{_NODE_NUM})\s*(?:/|of|out\s+of)\s*(?:the\s+)?(?P<total>\d+|{_NUMBER_WORD})\s*(?:(?:positive|involved|\+ve?)\s+)?"
    rf"(?:(?:regional|mesenteric|peri-?pancreatic|examined|retrieved|sampled|resected|[a-z]+-?[a-z]*(?:al|ic|ar))\s+){{0,2}}(?:{V.NODE_WORD})"
    r"(?:\s*(?:examined|retrieved|sampled|resected|submitted))?"
    r"(?:\s*(?:were\s+|are\s+|is\s+|was\s+)?(?P<state>pos(?:itive)?|\+ve|\+|involved|neg(?:ative)?|-ve|clear|free|uninvolved"
    r"|(?:contain(?:s|ed|ing)?|show(?:s|ed|ing)?|with|harbou?r(?:s|ed|ing)?|had|has|have)\s+(?:metastatic|tumou?r|carcinoma|nets?"
    r"|metastas[ie]s|deposits?)))?"
)
_NODE_COUNT_NAME_FIRST = compile_terms(
    # "Regional LN (ileocolic): 2/14 positive": a short parenthesis may name the basin
    rf"(?:{V.NODE_WORD})(?:\s*\([^()\n]{{1,30}}\))?(?:\s*(?:\+(?:ve)?|pos(?:itive)?))?\s*[:=]?\s*(?:(?:were|was|are|is|actually|really|in\s+fact|now|then)\s+){{0,3}}"
    # "Regional LN: 0 positive / 15 examined": the state may sit between the two numbers
    rf"(?P<pos>\d+)\s*(?:(?:positive|pos|involved|\+ve|\+)\s*)?(?:/|of|out\s+of)\s*(?P<total>\d+)"
    r"(?:\s*(?P<state>pos(?:itive)?|\+ve|\+|involved))?(?![\d%]|[./]\d)"  # a full stop may end it: "LN 1/10."
)
# "5 LN+ of 20", "3 nodes pos / 14": the count, the state, then the total
_NODE_COUNT_STATE_BETWEEN = compile_terms(
    rf"(?P<pos>\d+)\s*(?:{V.NODE_WORD})\s*(?P<state>\+(?:ve)?|pos(?:itive)?|involved)\s*(?:/|of|out\s+of)\s*(?P<total>\d+)"
    r"(?![\d%]|[./]\d)"
)
_NODE_COUNT_POSITIVE_ONLY = compile_terms(
    # "2 positive perigastric nodes": a station's name may stand between
    rf"(?P<pos>\d+)\s*(?:positive|involved|\+ve|metastatic)\s+(?:[a-z]+-?[a-z]*(?:al|ic|ar)\s+)?(?:{V.NODE_WORD})"
    # "5 LN+", "3 nodes +ve" (a total after it is read by the patterns above: "5 LN+ of 20")
    rf"|(?P<pos2>\d+)\s*(?:{V.NODE_WORD})\s*(?:(?:were|are|was|is|had\s+been|have\s+been|came\s+back)\s+)?"
    r"(?:positive|involved|\+ve|\+(?!\s*(?:of|/|out)\b|\s*/))"
)
# "14 LN, 13 involved", "25 LN examined, 13 +ve": the total first, then the positive count
_NODE_COUNT_TOTAL_FIRST = compile_terms(
    rf"(?P<total>\d+)\s*(?:{V.NODE_WORD})(?:\s+(?:examined|retrieved|sampled|resected|harvested))?\s*[,;:(]?\s*"
    rf"(?P<pos>\d+|none|no)\s*(?:were\s+|are\s+)?(?P<state>involved|positive|pos|\+ve|\+|metastatic)(?![\w%])"
)
# "one positive node of nine", "2 involved nodes out of 14": the state between the count and the node word
_NODE_COUNT_STATE_FIRST = compile_terms(
    rf"(?P<pos>{_NODE_NUM})\s+(?:positive|involved|metastatic|\+ve)\s+(?:{V.NODE_WORD})\s*(?:/|of|out\s+of)\s*(?:the\s+)?"
    rf"(?P<total>\d+|{_NUMBER_WORD})(?![\d%]|[./]\d)"
)
# "Seven lymph nodes are identified, two of which contain metastatic tumour": the total, then the positives
_NODE_COUNT_OF_WHICH = compile_terms(
    rf"(?P<total>\d+|{_NUMBER_WORD})\s+(?:[a-z]+\s+)?(?:{V.NODE_WORD})\s+(?:are|were)\s+(?:identified|examined|found|retrieved|"
    rf"present|submitted)\s*[,;]?\s*(?P<pos>{_NODE_NUM})\s+of\s+which\s+(?:contain|contains|show|shows|are|were|is|harbou?r)"
    r"\s+(?:metastatic|tumou?r|positive|involved|metastas[ie]s)")
# "nodal mets (6/19)", "nodal disease 3/12", "LN mets 2/14": a count after nodal metastases
_NODE_COUNT_AFTER_METASTASES = compile_terms(
    rf"(?:nodal|(?:{V.NODE_WORD}))\s+(?:mets?|metastas[ie]s|disease|involvement|deposits?)\s*[(:]?\s*"
    rf"(?P<pos>\d+)\s*(?:/|of|out\s+of)\s*(?P<total>\d+)(?![\d%]|[./]\d)"
)

# "pNET 2.0 cm limited to pancreas, 0/7, M0": a bare count in a staging list is the node count. Only small
# numbers, never touching a unit or a noun of its own, never in a clause that names Ki-67 or mitoses (their
# own finders read those), and only in a message that names a tumour or a size.
_NODE_COUNT_BARE = re.compile(
    r"(?<![\w/.,:-])(?P<pos>\d{1,2})\s*/\s*(?P<total>\d{1,2})"
    # what may follow: the end of the item or a link word ("0/12 and M0", "0/9, no mets")
    r"(?=\s*(?:$|[,;)\n?!]|\.(?!\d)|(?:and|with|but|no|nil|so|then|[cpy]?M[01x])\b))",
    re.IGNORECASE)
_OTHER_COUNT_IN_CLAUSE = re.compile(
    rf"(?:{V.KI67_NAMES}|\bki\b|{V.MITOSIS_NAMES}|\bmits?\b|hpf|score|\bdated?\b|\bon\b|\bbp\b|ratio)[^,;\n]*$",
    re.IGNORECASE)
_TUMOUR_NAMED = re.compile(r"\b(?:p?nets?|nens?|carcinoids?|tumou?rs?|neoplasms?|masse?s?)\b|\d\s*(?:cm|mm)\b", re.IGNORECASE)
BARE_COUNT_PRIORITY = PRIORITY + 5  # any named reading of the same characters wins


def find_bare_node_count(text: str) -> Iterator[Candidate]:
    if not _TUMOUR_NAMED.search(text):
        return
    for m in _NODE_COUNT_BARE.finditer(text):
        pos, total = int(m.group("pos")), int(m.group("total"))
        if total == 0 or pos > total:
            continue
        clause_start = max(text.rfind(c, 0, m.start()) for c in ",;\n.(")
        if _OTHER_COUNT_IN_CLAUSE.search(text, clause_start + 1, m.start()):
            continue
        yield Candidate("node_count", f"{pos}/{total}", m.start(), m.end(), BARE_COUNT_PRIORITY)
        yield Candidate("nodes", "positive" if pos else "negative", m.start(), m.end(), BARE_COUNT_PRIORITY)


# a synoptic report's two counts: "Number examined: 9; Number involved: 0", "involved 2 / examined 14"
_NODES_PREFIX = r"(?:number\s+)?(?:of\s+)?(?:(?:regional\s+)?(?:lymph\s+)?nodes?\s+)?"
_EXAMINED = r"(?:examined|retrieved|identified|sampled|recovered|resected)"
_INVOLVED = r"(?:involved|positive|with\s+(?:metastas[ie]s|metastatic\s+(?:tumou?r|disease))|metastatic)"
_NODE_COUNT_EXAMINED_INVOLVED = compile_terms(
    rf"{_NODES_PREFIX}{_EXAMINED}\s*[:=]?\s*(?P<total>\d+|{_NUMBER_WORD})\s*[,;/]?\s*(?:and\s+)?{_NODES_PREFIX}{_INVOLVED}"
    rf"\s*[:=]?\s*(?P<pos>{_NODE_NUM})(?![\d.%])"
    rf"|{_NODES_PREFIX}{_INVOLVED}\s*[:=]?\s*(?P<pos2>{_NODE_NUM})\s*[,;/]?\s*(?:and\s+)?{_NODES_PREFIX}{_EXAMINED}"
    rf"\s*[:=]?\s*(?P<total2>\d+|{_NUMBER_WORD})(?![\d.%])"
)


# "All twelve lymph nodes are negative", "two mediastinal lymph nodes are free of tumour": none of N involved
_NODE_COUNT_ALL_NEGATIVE = compile_terms(
    rf"(?:all\s+)?(?:of\s+the\s+)?(?P<total>\d+|{_NUMBER_WORD})\s+(?:[a-z]+-?[a-z]*\s+){{0,2}}(?:{V.NODE_WORD})\s*,?\s+"
    r"(?:are|were|is|was)?\s*(?:all\s+)?(?:negative|free|clear|benign|uninvolved|reactive|not\s+involved|without\s+(?:tumou?r|metastas[ie]s))"
)


def _report_node_counts(text: str) -> Iterator[Candidate]:
    """Counts as reports write them: "all twelve nodes negative", "examined 14 / involved 2"."""
    for m in _NODE_COUNT_ALL_NEGATIVE.finditer(text):
        total = _count_number(m.group("total"))
        if total is not None and 0 < total <= 200:
            yield Candidate("node_count", f"0/{int(total)}", m.start(), m.end(), PRIORITY)
            yield Candidate("nodes", "negative", m.start(), m.end(), PRIORITY)
    for m in _NODE_COUNT_EXAMINED_INVOLVED.finditer(text):
        pos = _node_number(m.group("pos") or m.group("pos2"))
        total = _count_number(m.group("total") or m.group("total2"))
        if pos is None or total is None or total == 0 or pos > total:
            continue
        yield Candidate("node_count", f"{int(pos)}/{int(total)}", m.start(), m.end(), PRIORITY)
        yield Candidate("nodes", "positive" if pos > 0 else "negative", m.start(), m.end(), PRIORITY)


def find_node_counts(text: str) -> Iterator[Candidate]:
    yield from _report_node_counts(text)
    for regex in (_NODE_COUNT_RATIO, _NODE_COUNT_NAME_FIRST, _NODE_COUNT_STATE_BETWEEN, _NODE_COUNT_STATE_FIRST,
                  _NODE_COUNT_AFTER_METASTASES, _NODE_COUNT_TOTAL_FIRST, _NODE_COUNT_OF_WHICH):
        for m in regex.finditer(text):
            pos = _node_number(m.group("pos"))
            total = _count_number(m.group("total"))
            if pos is None or total is None:
                continue
            pos, total = int(pos), int(total)
            if total == 0 or pos > total or total > 200:
                continue
            state = (m.groupdict().get("state") or "").lower()
            if state.startswith(("neg", "-", "clear", "free", "uninv")):
                if pos != total:  # "12/12 nodes negative" is 0/12; "3/12 nodes negative" is unclear
                    continue
                pos = 0
            yield Candidate("node_count", f"{pos}/{total}", m.start(), m.end(), PRIORITY)
            nodes = "positive" if pos > 0 else "negative"
            yield Candidate("nodes", nodes, m.start(), m.end(), PRIORITY)
    for m in _NODE_COUNT_POSITIVE_ONLY.finditer(text):
        pos = int(m.group("pos") or m.group("pos2"))
        if pos == 0 or pos > 200:
            continue
        yield Candidate("node_count", str(pos), m.start(), m.end(), PRIORITY)
        yield Candidate("nodes", "positive", m.start(), m.end(), PRIORITY)


# ----------------------------------------------------------------------------- mesenteric mass
# The jejunum/ileum N2 criterion (AJCC 8): a mesenteric mass larger than 2 cm. "mesenteric mass 3 cm", "2.5 cm
# mesenteric mass" -> bulky_mesenteric_mass yes / no by its size; "bulky mesenteric mass" -> yes; "no mesenteric
# mass" -> no. A mass named without a size says nothing (the question is asked).
_MESENTERIC = (r"mesenteric\s+(?:(?:nodal|lymph[\s-]?node|soft[\s-]tissue|tumou?r|root)\s+)?"
               r"(?:mass(?:es)?|deposits?|conglomerate|lymphadenopathy)")
_MESENTERIC_SIZE_AFTER = compile_terms(
    rf"{_MESENTERIC}\s*(?:of|measuring|,|:|\(|-)?\s*(?P<size>\d+(?:\.\d+)?)\s*(?P<unit>cm|mm)\b")
_MESENTERIC_SIZE_BEFORE = compile_terms(rf"(?P<size>\d+(?:\.\d+)?)\s*(?P<unit>cm|mm)\s+{_MESENTERIC}")
# "a 3.2 cm spiculated soft-tissue mass in the small-bowel mesentery": the size, the mass, then where it is
_MESENTERY_MASS_AFTER_SIZE = compile_terms(
    r"(?P<size>\d+(?:\.\d+)?)\s*(?P<unit>cm|mm)\s+(?:[\w-]+\s+){0,3}(?:mass|deposit|conglomerate|lesion)\s+"
    r"(?:in|within|at)\s+(?:the\s+)?(?:small[\s-]+bowel\s+|ileal\s+|jejunal\s+)?(?:mesentery|mesenteric\s+root)")
_MESENTERIC_BULKY = compile_terms(rf"(?:bulky|large)\s+{_MESENTERIC}|bulky\s+mesenteric\s+(?:nodes|disease)")
_NO_MESENTERIC = compile_terms(rf"(?:no|without|nil)\s+(?:bulky\s+|large\s+)?{_MESENTERIC}")


def find_mesenteric_mass(text: str) -> Iterator[Candidate]:
    negated = [(m.start(), m.end()) for m in _NO_MESENTERIC.finditer(text)]
    for start, end in negated:
        yield Candidate("bulky_mesenteric_mass", "no", start, end, PRIORITY)
    for regex in (_MESENTERIC_SIZE_AFTER, _MESENTERIC_SIZE_BEFORE, _MESENTERY_MASS_AFTER_SIZE):
        for m in regex.finditer(text):
            if any(s <= m.start() < e for s, e in negated):
                continue
            size_cm = Decimal(m.group("size")) / (10 if m.group("unit").lower() == "mm" else 1)
            yield Candidate("bulky_mesenteric_mass", "yes" if size_cm > 2 else "no", m.start(), m.end(), PRIORITY,
                            context="drop")
    for m in _MESENTERIC_BULKY.finditer(text):
        yield Candidate("bulky_mesenteric_mass", "yes", m.start(), m.end(), PRIORITY, context="drop")


# ----------------------------------------------------------------------------- TNM tokens
# Case-sensitive: "N1", "pN0", "T2N1M0", "M0", "M1a". M1a = liver only, M1b = extrahepatic
# (site not named -> "other"), M1c = both.
_TNM_N = re.compile(
    r"(?<![A-Za-z0-9])(?:(?:[pcy]|yp)?T(?:(?P<t>[0-4])[a-d]?|(?P<tx>[xX])|is)\s*)?[pcy]?N(?P<n>[0-2])[abc]?(?:\s*[pcy]?M(?P<m>[01])(?P<msub>[abc])?)?(?![A-Za-z0-9])"
)
_TNM_M = re.compile(r"(?<![A-Za-z0-9])[pcy]?M(?P<m>[01])(?P<msub>[abc])?(?![A-Za-z0-9])")
_M1_SITES = {"a": ("liver",), "b": ("other",), "c": ("liver", "other")}


def _m_category(m: str, sub: Optional[str], start: int, end: int) -> Iterator[Candidate]:
    if m == "0":
        yield Candidate("no_metastasis", V.NO_METASTASIS_ANY, start, end, PRIORITY)
    elif sub:
        for site in _M1_SITES[sub]:
            # "other" only stands for the extrahepatic site(s) M1b/M1c imply; a named one replaces it
            yield Candidate("metastasis", site, start, end, PRIORITY, weak=site == "other")


# the T category a report states: "pT3", "pT2 pN1", "ypT1b" (upper-case T; never "T2-weighted")
_TNM_T = re.compile(r"(?<![A-Za-z0-9])(?:[pcy]|yp)?T(?P<t>[0-4]|[xX])[a-d]?(?![A-Za-z0-9]|-?\s*weighted|w\b|wi\b)")


# "is 2.0 really T2 and not T1?", "T2 or T3?": codes weighed against each other in a question are not stated
_CODES_WEIGHED = re.compile(r"\bT[0-4x][a-d]?\b.{0,20}\b(?:or|vs\.?|versus|and\s+not|not|rather\s+than)\s+(?:a\s+)?T[0-4x]", re.I)
# "N1 or N2?": N codes weighed against each other in a question are not stated
_N_CODES_WEIGHED = re.compile(r"\bp?N[0-2x]\b\s*(?:or|vs\.?|versus|/)\s*p?N[0-2x]\b\s*\??", re.I)


_CLAUSE_END = re.compile(r"[,;.\n?]")
# words that ask whether a code holds ("thats T1 right?", "would that make it N1?", "is it still T2?"), unlike a
# question that gives codes to work with ("what stage is T2 N1 M0?")
_ASKS_WHETHER = re.compile(r"\b(?:right|correct|true|isn'?t\s+it|is\s+(?:it|this|that)|that'?s|thats|would|does\s+(?:it|that|this)"
                           r"|make\s+(?:it|this|that)|still|really|or\s+not)\b", re.IGNORECASE)


def in_question_clause(text: str, start: int, end: int) -> bool:
    """Whether a code is asked about rather than stated: its clause is a question that asks whether it holds."""
    after = _CLAUSE_END.search(text, end)
    if after is None or after.group() != "?":
        return False
    before = max(text.rfind(c, 0, start) for c in ",;.\n?")
    return bool(_ASKS_WHETHER.search(text, before + 1, after.start()))


def find_stated_t(text: str) -> Iterator[Candidate]:
    for m in _TNM_T.finditer(text):
        if in_question_clause(text, m.start(), m.end()):
            continue
        clause_end = text.find("?", m.end())
        clause = text[max(0, text.rfind("\n", 0, m.start())): clause_end + 1 if clause_end >= 0 else m.start()]
        if clause_end >= 0 and "\n" not in text[m.end():clause_end] and _CODES_WEIGHED.search(clause):
            continue
        yield Candidate("stated_t", f"T{m.group('t').upper()}", m.start(), m.end(), PRIORITY)


def find_tnm(text: str) -> Iterator[Candidate]:
    weighed = [(w.start(), w.end()) for w in _N_CODES_WEIGHED.finditer(text)]
    for m in _TNM_N.finditer(text):
        if in_question_clause(text, m.start(), m.end()) or any(s <= m.start() < e for s, e in weighed):
            continue
        nodes = "negative" if m.group("n") == "0" else "positive"
        yield Candidate("nodes", nodes, m.start(), m.end(), PRIORITY)
        if m.group("n") != "0":  # "pN2": the category itself (jejunum/ileum N2 is not only "positive")
            yield Candidate("stated_n", f"N{m.group('n')}", m.start(), m.end(), PRIORITY)
        if m.group("t") or m.group("tx"):  # "pT3 pN1": the stated T, read from the same phrase
            yield Candidate("stated_t", f"T{(m.group('t') or 'X').upper()}", m.start(), m.end(), PRIORITY)
        if m.group("m"):
            yield from _m_category(m.group("m"), m.group("msub"), m.start(), m.end())
    for m in _TNM_M.finditer(text):
        yield from _m_category(m.group("m"), m.group("msub"), m.start(), m.end())


FINDERS = (find_ki67_count, find_ki67, find_mitoses, find_field_diameter, find_tumour_size, find_node_counts,
           find_bare_node_count, find_mesenteric_mass, find_tnm,
           find_stated_t)
