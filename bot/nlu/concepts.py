"""Finders for word-based values: sites, metastases, invasion, nodes, differentiation,
necrosis, syndromes, tests with their outcome, IHC results and the audience.

Each finder yields Candidates; extractor.py then lets medspaCy ConText judge negation and
uncertainty, and resolves overlaps by priority (lower number wins).
"""

from __future__ import annotations

import re
from typing import Iterator

from . import vocabulary as V
from .text import Candidate, compile_terms

# Priorities: a phrase of a higher-priority kind hides the words it contains from lower ones
# ("lung mets" is a metastasis, not a site; "invades the duodenum" is invasion, not a site).
P_TEST, P_IHC, P_METASTASIS, P_NODES, P_INVASION = 10, 15, 20, 25, 30
P_SYNDROME, P_DIFFERENTIATION, P_NECROSIS, P_SITE, P_AUDIENCE = 40, 45, 50, 60, 70
P_TUMOUR_NAME = 80  # the tumour's name yields to every other reading of its words
P_UNSPECIFIED_METASTASIS = 55  # "mets" with no site yields to "nodal mets" and every other reading

BLOCKER = "_blocker"  # occupies a span without producing an entity (a test with no outcome)


def _terms(table: tuple[tuple[str, str], ...], flags: int = re.IGNORECASE) -> list[tuple[re.Pattern[str], str]]:
    return [(compile_terms(pattern, flags), value) for pattern, value in table]


# ----------------------------------------------------------------------------- sites
_SITES = _terms(V.SITE_TERMS)
_WEAK_SITES = _terms(V.WEAK_SITE_TERMS)


# the organ a message names as the primary ("primary is the lung", "the lung carcinoid is the primary")
PRIMARY_NAMED = re.compile(
    r"primary\s+(?:site\s+|tumou?r\s+)?(?:is|=|was\s+found\s+in|turned\s+out\s+to\s+be)\s+(?:in\s+)?(?:the\s+)?(?P<organ>[a-z]+)\b"
    r"|(?:the\s+)?(?P<organ2>[a-z]+)(?:\s+(?:carcinoid|net|nen|tumou?r|mass|lesion))?\s+is\s+the\s+primary\b", re.IGNORECASE)


def named_primary_sites(text: str) -> set[str]:
    """The site values a message names as the primary ("primary is the lung")."""
    values = set()
    for m in PRIMARY_NAMED.finditer(text):
        organ = (m.group("organ") or m.group("organ2")).lower()
        value = V.PRIMARY_ORGANS.get(organ) or next((v for regex, v in _SITES if regex.fullmatch(organ)), None)
        if value and value != "unknown":
            values.add(value)
    return values


def find_sites(text: str) -> Iterator[Candidate]:
    for regex, value in _SITES:
        context = "fixed" if value in V.FIXED_SITE_VALUES else "drop"
        for m in regex.finditer(text):
            yield Candidate("site", value, m.start(), m.end(), P_SITE, "SITE", context)
    for m in PRIMARY_NAMED.finditer(text):
        # "final MDT: primary is the lung", "the lung carcinoid is the primary": the organ named as the primary
        group = "organ" if m.group("organ") else "organ2"
        organ = m.group(group).lower()
        value = V.PRIMARY_ORGANS.get(organ) or next((v for regex, v in _SITES if regex.fullmatch(organ)), None)
        if value and value != "unknown":
            yield Candidate("site", value, m.start(group), m.end(group), P_SITE, "SITE", "drop")
    for regex, value in _WEAK_SITES:
        for m in regex.finditer(text):
            sentence = text[max(text.rfind(".", 0, m.start()), text.rfind("\n", 0, m.start())) + 1:
                            min((i for i in (text.find(".", m.end()), text.find("\n", m.end())) if i >= 0), default=len(text))]
            if V.HEDGED_FINDING.search(sentence) and re.match(V.LOBE_PATTERN, m.group()):
                continue  # "8mm RLL nodule, indeterminate": says nothing about the tumour's site
            yield Candidate("site", value, m.start(), m.end(), P_SITE, "SITE", "drop", weak=True)


# ----------------------------------------------------------------------------- metastases
_MET_SITES = [(compile_terms(p), value, weak_ok) for p, value, weak_ok in V.METASTATIC_SITES]
_MET_SITE_ANY = "|".join(p for p, _, _ in V.METASTATIC_SITES)
_JOIN = r"\s*(?:,\s*(?:and|or)?|and|or|&|/|\+)\s*"
_MET_BEFORE_NOUN = compile_terms(
    # "vertebral (T10, L2) mets": a short parenthesis may sit between the site and its noun
    rf"(?P<sites>(?:{_MET_SITE_ANY})(?:{_JOIN}(?:{_MET_SITE_ANY}))*)\s*(?:\([^()\n]{{1,30}}\)\s*)?-?\s*"
    rf"(?:(?P<strong>{V.STRONG_METASTASIS_NOUNS})|(?P<weak>{V.WEAK_METASTASIS_NOUNS}))"
)
_MET_AFTER_LEAD = compile_terms(
    rf"(?:{V.METASTASIS_LEADS})(?P<mid>\s+[A-Za-z]+)?\s+(?P<link>{V.METASTASIS_LEAD_LINKS})\s+(?:the\s+|both\s+)?"
    rf"(?P<sites>(?:{_MET_SITE_ANY})(?:{_JOIN}(?:the\s+)?(?:{_MET_SITE_ANY}))*)"
)
_MET_PHRASES = _terms(V.METASTASIS_PHRASES)
_MET_CONFIRMED = compile_terms(
    rf"(?P<sites>(?:{_MET_SITE_ANY})(?:{_JOIN}(?:{_MET_SITE_ANY}))*)\s+(?:{V.WEAK_METASTASIS_NOUNS})\s+(?:[a-z]+\s+){{0,2}}"
    rf"(?:{V.METASTASIS_CONFIRMING})"
    rf"|(?P<sites2>(?:{_MET_SITE_ANY}))\s+(?:{V.METASTATIC_SPECIMEN})(?:\s*\([^()\n]{{1,30}}\))?\s*(?::|-|=|shows?|showed|(?:was|were|is|came\s+back)\s+(?=positive)|(?=positive))\s*"
    r"(?:positive\s+for\s+(?:metastatic|nets?\b|neuroendocrine|carcinoid|tumou?r)|metastatic)"
    # "the right ovary contains metastatic neuroendocrine tumour", "liver with metastatic NET"
    rf"|(?P<sites6>(?:{_MET_SITE_ANY}))\s+(?:contains?|contained|containing|harbou?rs?|shows?|showed)\s+(?:a\s+)?"
    r"(?:metastatic|metastases|metastasis|secondary|secondaries)"
    # "if those liver lesions were mets", "the lung nodule turns out to be a met"
    rf"|(?P<sites4>(?:{_MET_SITE_ANY}))\s+(?:{V.WEAK_METASTASIS_NOUNS})\s+(?:{V.METASTASIS_BECOMING})"
    rf"(?:{V.STRONG_METASTASIS_NOUNS})\b"
    # "MRI liver now shows 1 met in seg 7": the test, the organ it imaged, then what it found
    rf"|(?:{V.IMAGING_BEFORE_ORGAN})\s+(?P<sites5>(?:{_MET_SITE_ANY}))\s*(?:now\s+|also\s+)?"
    rf"(?::|shows?|showed|demonstrat\w*|reveal\w*|with|has|had)\s+(?:(?!no\b|nil\b|not\b|without\b)[a-z0-9-]+\s+){{0,2}}"
    rf"(?:{V.STRONG_METASTASIS_NOUNS})\b"
    # "liver MRI shows 3 mets", "liver US: multiple metastases": the organ imaged, then what the scan found
    rf"|(?P<sites3>(?:{_MET_SITE_ANY}))\s+(?:ct|mri|us|ultrasound|pet(?:[\s/-]?ct)?|scan|imaging)\s*"
    rf"(?::|shows?|showed|demonstrat\w*|reveal\w*|with|has|had)\s+(?:(?!no\b|nil\b|not\b|without\b)[a-z0-9-]+\s+){{0,2}}"
    rf"(?:{V.STRONG_METASTASIS_NOUNS})\b"
)
_ONLY_SITE = compile_terms(
    rf"(?P<site>{_MET_SITE_ANY})[\s-]+only(?:\s+(?:{V.ONLY_SITE_NOUNS}))?"
    rf"|(?:{V.METASTASIS_LEADS}|disease)\s+(?:(?:confined|limited|restricted)\s+)?(?:{V.METASTASIS_LEAD_LINKS})\s+"
    rf"(?:the\s+)?(?P<site2>{_MET_SITE_ANY})\s+only"
)
_ORGAN_CLEAR = compile_terms(rf"(?P<site>{_MET_SITE_ANY})(?:\s*:\s*|\s+)(?:{V.ORGAN_CLEAR})")
_CHEST_CLEAR = compile_terms(V.CHEST_CLEAR)
# Words that leave a finding unproven: an organ's line that hedges its metastases names none
_HEDGE_WORDS = r"suspicious|suspected|possible|possibly|probable|probably|likely|indeterminate|equivocal|\?|query|questionable|cannot|can't|may|might|favou?r"
# a report's organ line with what was found there: "liver: 2 biopsy-proven mets", "Liver: multiple metastases"
_ORGAN_LINE_METASTASES = compile_terms(
    rf"(?P<sites2>)(?P<sites>(?:{_MET_SITE_ANY}))\s*:\s*(?:(?!(?:no|nil|not|without|{_HEDGE_WORDS})\b)[a-z0-9-]+\s+){{0,3}}"
    rf"(?:{V.STRONG_METASTASIS_NOUNS})\b")
# lesions named before their organ: "2 lesions in the right lobe of the liver", "nodules within the liver"
_LESIONS_IN_ORGAN = compile_terms(
    rf"(?:{V.WEAK_METASTASIS_NOUNS})\s+(?:in|within|throughout|involving)\s+(?:the\s+|both\s+)?"
    rf"(?:(?:right|left|caudate)\s+(?:and\s+(?:right|left)\s+)?lobes?\s+of\s+the\s+)?(?P<sites>liver|hepatic\s+parenchyma)"
    # "2 lesions in the right lobe + 1 in the left lobe of the liver"
    rf"|(?:{V.WEAK_METASTASIS_NOUNS})\s+in\s+(?:the\s+)?(?:right|left|caudate)\s+lobe\b[^.;\n]{{0,40}}?\blobes?\s+of\s+the\s+(?P<sites2>liver)")
# a lung nodule sampled and found metastatic: "12mm RLL nodule, bx: metastatic well-differentiated NET",
# "pulmonary nodules ..., one biopsied = metastatic NET", "2 lung nodules, both biopsy proven as the same tumour"
_LUNG_NODULE_PROVEN = compile_terms(
    rf"(?P<sites>lungs?|pulmonary|{V.LOBE_PATTERN})\s+(?:nodules?|lesions?|masses|mass)\b"
    rf"(?P<gap>[^.;\n]{{0,50}}?)\b(?:bx|biops(?:y|ied)|fna|core|sampled)\b\s*(?:[:=-]|shows?|showed|confirmed|proven)?\s*"
    r"(?:(?:metastatic|secondary)\b|as\s+(?:the\s+)?same\s+tumou?r|proven\s+(?:as\s+)?(?:the\s+)?same|(?:proven\s+)?metasta)")
_NO_MET_EXTRAHEPATIC = compile_terms(V.NO_EXTRAHEPATIC_METASTASIS)
_MET_UNSPECIFIED = compile_terms(V.UNSPECIFIED_METASTASIS)
_NO_MET_ANY = compile_terms(V.NO_METASTASIS_PHRASES)


def _site_parts(text: str, start: int, end: int, strong: bool) -> Iterator[tuple[str, int, int]]:
    """The metastatic sites named inside text[start:end], with their own offsets."""
    taken: list[tuple[int, int]] = []
    for regex, value, weak_ok in _MET_SITES:  # table order: "distant nodes" before others
        if not strong and not weak_ok:
            continue
        for m in regex.finditer(text, start, end):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            yield value, m.start(), m.end()


def _metastases(text: str, start: int, end: int, parts: Iterator[tuple[str, int, int]]) -> Iterator[Candidate]:
    for value, s, e in parts:
        yield Candidate(
            "metastasis", value, s, e, P_METASTASIS, "METASTASIS", "flip",
            negated_entity="no_metastasis", negated_value=value, span_start=start, span_end=end,
        )


# "small liver lesion on CT": a lesion called small or indeterminate is not yet a metastasis; left
# unread, the stage stays open and the metastasis question is asked instead of assuming M1
_HEDGED_LESION = re.compile(
    r"(?:small|tiny|indeterminate|sub-?cent?imet(?:er|re)|sub-?cm|equivocal|non-?specific|incidental|possible"
    r"|questionable|\?)\s*$", re.IGNORECASE)


# what a lesion is called when it is not a metastasis
_BENIGN_LESION = re.compile(
    r"ha?emangioma|cysts?\b|cystic|benign|granuloma|physiolog|\bfnh\b|focal\s+nodular|adenoma|steatosis|fatty|"
    r"not\s+(?:a\s+)?(?:met|metasta)"
    # or left unproven after its noun: "7mm hypodense liver lesion - indeterminate"
    r"|indeterminate|equivocal|too\s+small\s+to\s+characteri[sz]e|non-?specific|of\s+uncertain|uncertain\s+significance",
    re.IGNORECASE)


def find_metastases(text: str) -> Iterator[Candidate]:
    for m in _MET_BEFORE_NOUN.finditer(text):
        strong = m.group("strong") is not None
        if not strong and _HEDGED_LESION.search(text, max(0, m.start() - 20), m.start()):
            continue
        if not strong and _BENIGN_LESION.search(text[m.end():m.end() + 60].split("\n")[0].split(".")[0]):
            continue  # "liver lesion, favour haemangioma": a lesion named as something benign is not a metastasis
        yield from _metastases(text, m.start(), m.end(), _site_parts(text, m.start("sites"), m.end("sites"), strong))
    for m in _MET_AFTER_LEAD.finditer(text):
        # "metastatic pNET to the liver": the word in the middle stays free for the site finder
        start = m.start("link") if m.group("mid") else m.start()
        yield from _metastases(text, start, m.end(), _site_parts(text, m.start("sites"), m.end("sites"), True))
    for regex, value in _MET_PHRASES:
        for m in regex.finditer(text):
            yield from _metastases(text, m.start(), m.end(), iter([(value, m.start(), m.end())]))
    for m in _MET_UNSPECIFIED.finditer(text):
        yield Candidate(
            "metastasis", V.NO_METASTASIS_ANY, m.start(), m.end(), P_UNSPECIFIED_METASTASIS, "METASTASIS", "negonly",
            negated_entity="no_metastasis", negated_value=V.NO_METASTASIS_ANY,
        )
    for line in V.LABELLED_LINE.finditer(text):
        # "Distant metastasis: Liver (intraoperative biopsy)": the sites the line names are involved (a line
        # saying "none" or "not identified" names no site; its negation is read by the phrases above)
        if V.DISTANT_METASTASIS_LABEL.search(line.group("label")) and not re.match(
                r"\s*(?:no|none|nil|not|absent|negative|n/?a|cannot|unknown)\b", line.group("value"), re.I):
            yield from _metastases(text, line.start("value"), line.end("value"),
                                   _site_parts(text, line.start("value"), line.end("value"), True))
    for m in _MET_CONFIRMED.finditer(text):
        group = next(g for g in ("sites", "sites2", "sites3", "sites4", "sites5", "sites6") if m.group(g))
        # the organ imaged beside its scan is read on its own words: the scan and what it found are the test's
        # (a test named before the organ hides the organ's word: there the whole phrase is judged)
        start, end = (m.start(group), m.end(group)) if group == "sites3" else (m.start(), m.end())
        yield from _metastases(text, start, end, _site_parts(text, m.start(group), m.end(group), True))
    for m in _ONLY_SITE.finditer(text):
        group = "site" if m.group("site") else "site2"
        for value, _, _ in _site_parts(text, m.start(group), m.end(group), True):
            yield Candidate("metastasis", value, m.start(), m.end(), P_METASTASIS)
            others = V.NO_METASTASIS_EXTRAHEPATIC if value == "liver" else "liver"
            yield Candidate("no_metastasis", others, m.start(), m.end(), P_METASTASIS)
    for m in _ORGAN_CLEAR.finditer(text):
        for value, _, _ in _site_parts(text, m.start("site"), m.end("site"), True):
            yield Candidate("no_metastasis", value, m.start(), m.end(), P_METASTASIS)
    for m in _CHEST_CLEAR.finditer(text):
        yield Candidate("no_metastasis", "lung", m.start(), m.end(), P_METASTASIS)
    for regex in (_ORGAN_LINE_METASTASES, _LESIONS_IN_ORGAN):
        for m in regex.finditer(text):
            group = "sites" if m.group("sites") else "sites2"
            yield from _metastases(text, m.start(), m.end(), _site_parts(text, m.start(group), m.end(group), True))
    for m in _LUNG_NODULE_PROVEN.finditer(text):
        if re.search(rf"\b(?:{_HEDGE_WORDS})", m.group("gap"), re.IGNORECASE):
            continue
        # judged on the nodule's own words: the gap may hold a test's words ("dotatate avid") read on their own
        yield from _metastases(text, m.start(), m.start("gap"), iter([("lung", m.start("sites"), m.end("sites"))]))
    for m in _NO_MET_ANY.finditer(text):
        yield Candidate("no_metastasis", V.NO_METASTASIS_ANY, m.start(), m.end(), P_METASTASIS)
    for m in _NO_MET_EXTRAHEPATIC.finditer(text):
        yield Candidate("no_metastasis", V.NO_METASTASIS_EXTRAHEPATIC, m.start(), m.end(), P_METASTASIS)


# ----------------------------------------------------------------------------- invasion, nodes
_INVASION = _terms(V.INVASION_TERMS)
_NODES_NEGATIVE = compile_terms(V.NODES_NEGATIVE_PHRASES)
_NODES_NOT_ASSESSED = compile_terms(V.NODES_NOT_ASSESSED_PHRASES)
_NODES_POSITIVE = compile_terms(V.NODES_POSITIVE_PHRASES)
_NODES_CONCEPT = compile_terms(V.NODES_CONCEPT)
_NODES_FOUND_IN = compile_terms(V.NODES_FOUND_IN)


# "0/4 LN in mesoappendix": the nodes' location, not an invasion of it
_NODES_LOCATED_IN = re.compile(rf"(?:{V.NODE_WORD})\s+(?:in|from|within|of)\s+(?:the\s+)?$", re.IGNORECASE)


def find_invasion(text: str) -> Iterator[Candidate]:
    # a synoptic line whose value says its finding is absent names no invasion in its label
    absent_labels = [(line.start("label"), line.end("label")) for line in V.LABELLED_LINE.finditer(text)
                     if V.NEGATIVE_LINE_VALUE.match(line.group("value"))]
    for regex, value in _INVASION:
        for m in regex.finditer(text):
            if _NODES_LOCATED_IN.search(text, max(0, m.start() - 30), m.start()):
                continue
            if any(start <= m.start() < end for start, end in absent_labels):
                continue
            yield Candidate("invasion", value, m.start(), m.end(), P_INVASION, "INVASION", "drop")


def find_nodes(text: str) -> Iterator[Candidate]:
    for m in _NODES_NOT_ASSESSED.finditer(text):
        yield Candidate("not_assessed", "nodes", m.start(), m.end(), P_NODES - 1)
    for m in _NODES_NEGATIVE.finditer(text):
        yield Candidate("nodes", "negative", m.start(), m.end(), P_NODES)
    for m in _NODES_POSITIVE.finditer(text):
        yield Candidate("nodes", "positive", m.start(), m.end(), P_NODES)
    for m in (*_NODES_CONCEPT.finditer(text), *_NODES_FOUND_IN.finditer(text)):
        yield Candidate(
            "nodes", "positive", m.start(), m.end(), P_NODES + 1, "NODES", "flip",
            negated_entity="nodes", negated_value="negative",
        )


# ----------------------------------------------------------------------------- histology, syndromes
_DIFFERENTIATION = _terms(V.DIFFERENTIATION_TERMS) + _terms(V.DIFFERENTIATION_ABBREVIATIONS, 0)
_NECROSIS = compile_terms(V.NECROSIS_TERMS)
_NECROSIS_ABSENT = compile_terms(V.NECROSIS_ABSENT_PHRASES)
_SYNDROMES = _terms(V.SYNDROME_TERMS)
_NO_SYNDROME = compile_terms(V.NO_SYNDROME_PHRASES)


def find_differentiation(text: str) -> Iterator[Candidate]:
    for regex, value in _DIFFERENTIATION:
        for m in regex.finditer(text):
            yield Candidate("differentiation", value, m.start(), m.end(), P_DIFFERENTIATION, "DIFFERENTIATION", "drop")


_TUMOUR_CALLED_NET = re.compile(V.TUMOUR_CALLED_NET)


def find_tumour_called_net(text: str) -> Iterator[Candidate]:
    """The tumour called a NET or carcinoid ("SI NET", "carcinoid"): not when negated or offered as a choice
    ("not a NET", "NET G3 or NEC?"), which the DIFFERENTIATION context rules decide."""
    for m in _TUMOUR_CALLED_NET.finditer(text):
        yield Candidate("tumour_name", "net", m.start(), m.end(), P_TUMOUR_NAME, "DIFFERENTIATION", "drop")


def find_necrosis(text: str) -> Iterator[Candidate]:
    for m in _NECROSIS_ABSENT.finditer(text):
        yield Candidate("necrosis", "absent", m.start(), m.end(), P_NECROSIS - 1)
    for m in _NECROSIS.finditer(text):
        yield Candidate(
            "necrosis", "present", m.start(), m.end(), P_NECROSIS, "NECROSIS", "flip",
            negated_entity="necrosis", negated_value="absent",
        )


def find_syndromes(text: str) -> Iterator[Candidate]:
    for m in _NO_SYNDROME.finditer(text):
        yield Candidate("syndrome", "none", m.start(), m.end(), P_SYNDROME - 1)
    for regex, value in _SYNDROMES:
        for m in regex.finditer(text):
            yield Candidate("syndrome", value, m.start(), m.end(), P_SYNDROME, "SYNDROME", "drop")


# ----------------------------------------------------------------------------- tests
_TESTS = [(compile_terms(p), kind, outcomes) for p, kind, outcomes in V.TEST_TERMS]
# an outcome may follow in brackets: "ga-68 pet (neg)"
_AFTER_TEST = rf"^\s*(?:[:=-]\s*)?(?:\(\s*)?(?:(?:{V.TEST_FILLERS})\s+)*"
_OUTCOME_FOLLOWING = {
    "scan": [
        (re.compile(_AFTER_TEST + rf"(?:{V.NEGATIVE_OUTCOMES})(?![A-Za-z0-9])", re.IGNORECASE), "negative"),
        (re.compile(_AFTER_TEST + rf"(?:{V.POSITIVE_OUTCOMES})(?![A-Za-z0-9])", re.IGNORECASE), "positive"),
        (re.compile(_AFTER_TEST + rf"(?:{V.DONE_OUTCOMES})(?![A-Za-z0-9])", re.IGNORECASE), "done"),
    ],
    "lab": [
        (re.compile(_AFTER_TEST + rf"(?:{V.LAB_VALUE})?(?:{V.LAB_NEGATIVE_OUTCOMES})(?![A-Za-z0-9])", re.IGNORECASE), "negative"),
        (re.compile(_AFTER_TEST + rf"(?:{V.LAB_VALUE})?(?:{V.LAB_POSITIVE_OUTCOMES})(?![A-Za-z0-9])", re.IGNORECASE), "positive"),
    ],
}
_OUTCOME_FOLLOWING["scope"] = _OUTCOME_FOLLOWING["scan"]
_OUTCOME_FOLLOWING["any"] = _OUTCOME_FOLLOWING["lab"] + [
    (re.compile(_AFTER_TEST + rf"(?:{V.LAB_VALUE})?(?:{V.LAB_ANY_NEGATIVE_OUTCOMES})(?![A-Za-z0-9])", re.IGNORECASE), "negative"),
    (re.compile(_AFTER_TEST + rf"(?:{V.LAB_VALUE})?(?:{V.LAB_ANY_POSITIVE_OUTCOMES})(?![A-Za-z0-9])", re.IGNORECASE), "positive"),
]
_ULN = re.compile(_AFTER_TEST + rf"(?:{V.LAB_VALUE})?\(?\s*{V.ULN_MULTIPLE}", re.IGNORECASE)
_OUTCOME_PRECEDING = [
    (re.compile(rf"(?<![A-Za-z0-9])(?:{V.PRECEDING_NEGATIVE})\s+(?:(?:a|an|the|repeat|recent|prior|previous)\s+)?$", re.IGNORECASE), "negative"),
    (re.compile(rf"(?<![A-Za-z0-9])(?:{V.PRECEDING_POSITIVE})\s+(?:(?:a|an|the|repeat|recent|prior|previous)\s+)?$", re.IGNORECASE), "positive"),
]

_PRECEDING_LAB = re.compile(r"(?:raised|elevated|high|normal)\b", re.IGNORECASE)
_NOT_A_POSITIVE_FINDING = re.compile(rf"(?<![A-Za-z])(?:{V.NOT_A_POSITIVE_FINDING})", re.IGNORECASE)
_CLAUSE_EDGE = re.compile(r"[,;.?!()]")


def _clause(text: str, start: int, end: int) -> str:
    """The words between the punctuation marks around text[start:end]."""
    left = max((m.end() for m in _CLAUSE_EDGE.finditer(text, 0, start)), default=0)
    right = next((m.start() for m in _CLAUSE_EDGE.finditer(text, end)), len(text))
    return text[left:right]


def _non_overlapping(matches: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """Longest match first, then left to right; drop any match overlapping a kept one."""
    kept: list[tuple[int, int, str, str]] = []
    for m in sorted(matches, key=lambda m: (-(m[1] - m[0]), m[0])):
        if all(m[1] <= k[0] or k[1] <= m[0] for k in kept):
            kept.append(m)
    return sorted(kept)


def _groups(text: str, mentions: list[tuple[int, int, str, str]], joiner: re.Pattern[str]) -> list[list[tuple[int, int, str, str]]]:
    """Mentions joined only by list words ("CT, MRI and colonoscopy") share one outcome."""
    groups: list[list[tuple[int, int, str, str]]] = []
    for mention in mentions:
        if groups and joiner.match(text[groups[-1][-1][1] : mention[0]]):
            groups[-1].append(mention)
        else:
            groups.append([mention])
    return groups


def _test_outcome(after: str, outcomes: str) -> tuple[str, int] | None:
    """The outcome stated right after a test, and how many characters it takes."""
    if outcomes in ("lab", "any"):
        uln = _ULN.match(after)
        if uln:
            return ("positive" if float(uln.group("times")) > 1 else "negative"), uln.end()
    for regex, outcome in _OUTCOME_FOLLOWING[outcomes]:
        m = regex.match(after)
        if m:
            return outcome, m.end()
    return None


_TRAILING_NO = re.compile(r"\b(?:no|nil)\s*$", re.IGNORECASE)
_FINDING_AFTER = re.compile(
    rf"\s*(?:(?:evidence\s+of|definite|obvious|other|distant)\s+)*{V.NEGATABLE_FINDING_START}", re.IGNORECASE)


def find_tests(text: str) -> Iterator[Candidate]:
    mentions = _non_overlapping([(m.start(), m.end(), kind, out) for regex, kind, out in _TESTS for m in regex.finditer(text)])
    join = re.compile(rf"^\s*(?:{V.TEST_LIST_JOINERS})\s*(?:(?:a|an|the|repeat)\s+)?$", re.IGNORECASE)
    for group in _groups(text, mentions, join):
        group_end = group[-1][1]
        window = max(0, group[0][0] - 40)
        preceding = None
        for regex, outcome in _OUTCOME_PRECEDING:
            m = regex.search(text[window : group[0][0]])
            if m:
                preceding = (outcome, window + m.start(), m.group(0))
                break
        results = [(mention, _test_outcome(text[group_end:], mention[3])) for mention in group]
        # The phrase ConText sees runs from the first test (or a preceding outcome word) to
        # the end of the outcome, so "no" in "showed no primary" negates nothing else.
        span_start = preceding[1] if preceding else group[0][0]
        span_end = group_end + max((r[1] for _, r in results if r), default=0)
        # "dotatate showed no hepatic or bony mets": a closing "no" negates the findings after it, so it is left
        # outside the words the test's outcome shields from ConText
        trailing_no = _TRAILING_NO.search(text[group_end:span_end])
        if trailing_no and _FINDING_AFTER.match(text[span_end:]):
            span_end = group_end + trailing_no.start()
        for (start, end, kind, outcomes), following in results:
            outcome = following[0] if following else None
            if outcome is None and preceding and (outcomes != "lab" or _PRECEDING_LAB.match(preceding[2])):
                outcome = preceding[0]  # "negative DOTATATE", "raised chromogranin"
            if outcome == "positive" and outcomes != "lab" and _NOT_A_POSITIVE_FINDING.search(_clause(text, span_start, span_end)):
                outcome = None  # "physiological uptake on dotatate": a normal finding, not a positive scan
            if outcome is None:
                yield Candidate(BLOCKER, "", start, end, P_TEST)
            else:
                # The outcome words only shield ConText ("no" in "showed no primary" negates
                # nothing else); they do not hide findings such as "CT showed liver lesions".
                yield Candidate("test_result", f"{kind}:{outcome}", start, end, P_TEST, shield=(span_start, span_end))


# ----------------------------------------------------------------------------- IHC
_MARKERS = [(compile_terms(p), marker) for p, marker in V.IHC_MARKERS]
_IHC_JOIN = re.compile(rf"^\s*(?:{V.IHC_LIST_JOINERS})\s*$", re.IGNORECASE)
_AFTER_MARKER = r"^(?:\s*[:=]\s*|\s*-\s*(?=[a-z])|\s*)(?:(?:is|are|was|were|both|all|by\s+ihc|on\s+ihc|ihc|immuno\w*|stain(?:s|ed|ing)?)\s+)*"
_IHC_FOLLOWING = [
    (re.compile(_AFTER_MARKER + rf"(?:{V.IHC_NEGATIVE})(?![A-Za-z0-9])", re.IGNORECASE), "negative"),
    (re.compile(_AFTER_MARKER + rf"(?:{V.IHC_POSITIVE})(?![A-Za-z0-9])", re.IGNORECASE), "positive"),
    # a minus sign glued to the marker ("TTF1-") or standing alone before punctuation
    (re.compile(r"^(?:-|\s+-(?=\s*(?:[,;.)]|$)))(?![\w-])"), "negative"),
]
_IHC_LEADS = [
    (re.compile(rf"(?<![A-Za-z0-9])(?:{V.IHC_NEGATIVE_LEADS})\s+(?:(?:the|both)\s+)?$", re.IGNORECASE), "negative"),
    (re.compile(rf"(?<![A-Za-z0-9])(?:{V.IHC_POSITIVE_LEADS})\s+(?:(?:the|both)\s+)?$", re.IGNORECASE), "positive"),
]


def _ihc_following(after: str) -> str | None:
    return next((o for regex, o in _IHC_FOLLOWING if regex.match(after)), None)


def find_ihc(text: str) -> Iterator[Candidate]:
    mentions = _non_overlapping([(m.start(), m.end(), marker, "") for regex, marker in _MARKERS for m in regex.finditer(text)])
    for group in _groups(text, mentions, _IHC_JOIN):
        before = text[max(0, group[0][0] - 40) : group[0][0]]
        lead = next((o for regex, o in _IHC_LEADS if regex.search(before)), None)
        for i, (start, end, marker, _) in enumerate(group):
            last = i == len(group) - 1
            own = _ihc_following(text[end:])
            shared = _ihc_following(text[group[-1][1] :])
            if lead is not None:
                # "positive for CDX2 and SATB2, TTF-1 negative": the lead covers the list,
                # only the last marker may carry its own word.
                outcome = (own if last and own else lead)
            else:
                outcome = own or shared
            if outcome is not None:
                yield Candidate("ihc", f"{marker}:{outcome}", start, end, P_IHC, span_start=group[0][0], span_end=group[-1][1])


# ----------------------------------------------------------------------------- audience
_AUDIENCE = _terms(V.AUDIENCE_TERMS)
_AUDIENCE_WORDING = _terms(V.AUDIENCE_WORDING_TERMS)


def find_audience(text: str) -> Iterator[Candidate]:
    for regex, value in _AUDIENCE_WORDING:
        for m in regex.finditer(text):
            yield Candidate("audience", value, m.start(), m.end(), P_AUDIENCE)
    # who is asking only sets the wording when no request for a wording contradicts it (weak)
    for regex, value in _AUDIENCE:
        for m in regex.finditer(text):
            yield Candidate("audience", value, m.start(), m.end(), P_AUDIENCE, weak=True)


FINDERS = (
    find_tests, find_ihc, find_metastases, find_nodes, find_invasion, find_syndromes,
    find_differentiation, find_necrosis, find_sites, find_audience, find_tumour_called_net,
)
