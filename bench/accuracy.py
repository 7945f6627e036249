"""Score the assistant's replies against the vignettes' gold values (end to end, over REST).

Reads what a user sees on tap: the reply text of the last turn in its full form (REST sends each answer's
short form as `text` and the full one as `custom.full_text`; the full one is read). Extracts the grade from the grade
section's direct answer (in a reply to several asks, the bottom line led by "Grade:"), the stage group and T/N/M from the stage section, checks must-mention
regexes on the whole reply, classifies abstentions, and counts cited content lines.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Dict, List, Optional

# The markdown renderer writes headings as "**...**" or "### ..." and may escape brackets ("\[1, 2]").
GRADE_HEADING = re.compile(r"(\*\*|#+ )What is the WHO grade[^\n]*")
STAGE_HEADING = re.compile(r"(\*\*|#+ )What is the AJCC stage[^\n]*")
NEXT_QUESTION = re.compile(r"(\*\*|#+ )What is the [^\n]*\?")
ANSWER_HEADING = re.compile(r"(\*\*Answer\*\*|#+ Answer)\s*\n(.+)")
CITATION = re.compile(r"\\?\[\d+(?:,\s*\d+)*\](?:\s*_\([^)]*\)_)?\s*$")
REFERENCE_LINE = re.compile(r"^(- )?\\?\[\d+\]\s")
HEADING_LINE = re.compile(r"^(#+ .*|\*\*[^*]+\*\*)$")
STAGE_VALUE = re.compile(r"\b[Ss]tage\s+(IV|IIIB|IIIA|III|IIB|IIA|II|I)\b")
NO_STAGE = re.compile(r"no (AJCC )?stage group|cannot be assigned|not assigned|not staged|no stage can", re.I)
CLARIFY = "I am not sure what you are asking"
OUT_OF_SCOPE = "outside what I cover"
FAILURE = "could not compute an answer"


BOTTOM_LINE = {"grade": re.compile(r"^\*\*Grade:\*\* (.+)$", re.M), "stage": re.compile(r"^\*\*Stage:\*\* (.+)$", re.M)}


def reply_text(replies: List[dict]) -> str:
    """The text of a turn's replies, each answer in its full form: the structured message that follows an
    answer's short text carries the full answer (`custom.full_text`), which replaces it."""
    texts: List[str] = []
    for reply in replies:
        custom = reply.get("custom")
        if isinstance(custom, dict) and custom.get("full_text"):
            if texts:
                texts.pop()  # the short form the full one belongs to
            texts.append(custom["full_text"])
        elif reply.get("text"):
            texts.append(reply["text"])
    return "\n".join(texts)


def _section(text: str, heading: re.Pattern) -> Optional[str]:
    match = heading.search(text)
    if not match:
        return None
    rest = text[match.end():]
    nxt = NEXT_QUESTION.search(rest)
    return rest[: nxt.start()] if nxt else rest


def _direct_answer(section: str) -> str:
    match = ANSWER_HEADING.search(section)
    return match.group(2) if match else ""


def _bottom_line(text: str, section: str, kind: str) -> str:
    """A result's direct answer: under its own "Answer" heading, or its labelled line in a reply of several parts."""
    answer = _direct_answer(section)
    if answer:
        return answer
    match = BOTTOM_LINE[kind].search(text)
    return match.group(1) if match else ""


def extract_grade(text: str) -> Optional[str]:
    section = _section(text, GRADE_HEADING)
    if section is None:
        return None
    answer = _bottom_line(text, section, "grade")
    head = answer.split(":")[0]  # "NET G2, WHO 2019 digestive" / "typical carcinoid, WHO 2021 thoracic"
    for pattern, label in ((r"\batypical carcinoid", "AC"), (r"\btypical carcinoid", "TC"),
                           (r"\bG3 NEN\b", "G3"), (r"\bNET G([123])\b", None), (r"^\s*NEC\b", "NEC"),
                           (r"LCNEC|SCLC|large cell|small cell|high[- ]grade", "high-grade"), (r"\bNEC\b", "NEC"),
                           (r"\bG([123])\b", None)):
        match = re.search(pattern, head, re.I)
        if match:
            return label or f"G{match.group(1)}"
    if re.search(r"not gradable|cannot be graded|need", answer, re.I):
        return "none"
    return "unparsed"


def extract_stage(text: str) -> Dict[str, Optional[str]]:
    section = _section(text, STAGE_HEADING)
    if section is None:
        return {}
    answer = _bottom_line(text, section, "stage")
    found: Dict[str, Optional[str]] = {"stage": None, "t": None, "n": None, "m": None}
    value = STAGE_VALUE.search(answer)
    if NO_STAGE.search(answer.split(":")[0]):  # "Stage group not assigned yet (...): ... stage II or III possible"
        found["stage"] = "none"
    elif value:
        found["stage"] = value.group(1)
    else:
        found["stage"] = "unparsed"
    for key, pattern in (("t", r"->\s*(T[0-4X][ab]?)\b"), ("n", r"->\s*(N[0-2X])\b"), ("m", r"->\s*(M[01][abc]?)\b")):
        match = re.search(pattern, section)
        if not match:  # the parenthesis of the direct answer, e.g. "(AJCC 8 pancreas, T2 N1 M0)"
            match = re.search(r"\b(" + pattern.split("(", 1)[1].split(")")[0] + r")\b", answer)
        found[key] = match.group(1) if match else None
    return found


def abstention(text: str, http_error: Optional[str]) -> Optional[str]:
    """Why the reply gives no answer, or None when it answers."""
    if http_error:
        return "error"
    if FAILURE in text:
        return "action error"
    if not text.strip():
        return "empty reply"
    if ANSWER_HEADING.search(text):
        return None
    if CLARIFY in text:
        return "not understood (clarifying question)"
    if OUT_OF_SCOPE in text:
        return "judged out of scope"
    if "?" in text.strip().splitlines()[-1]:
        return "asked for missing input"
    return "other (no direct answer)"


def value_abstention(kind: str, text: str) -> Optional[str]:
    """An answer that gives no value for the asked quantity (e.g. grade asked, none given)."""
    if kind == "grading" and extract_grade(text) in (None, "none", "unparsed"):
        return "no grade in the answer"
    if kind == "staging" and extract_stage(text).get("stage") in (None, "unparsed"):
        return "no stage in the answer"
    return None


def citation_lines(text: str) -> Dict[str, int]:
    """Content lines (direct answer, worked-out steps, caveats, what-ifs, bullets) and how many are cited.
    Headings, the banner, questions for missing input, references, review line and disclaimer are boilerplate."""
    total = cited = 0
    in_references = in_needed = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if HEADING_LINE.match(line):
            title = line.strip("*# ").strip()
            in_references = title == "References"
            in_needed = title == "Still needed"
            continue
        if set(line) <= {"_", "-", "*"}:  # a rule line
            continue
        if in_references or in_needed or REFERENCE_LINE.match(line) or line.startswith("⚠️") \
                or line.startswith("_Review status") or (line.startswith("_") and line.endswith("_")):
            continue
        total += 1
        cited += bool(CITATION.search(line))
    return {"lines": total, "cited": cited}


def score(vignettes: List[dict], outcomes: List[dict]) -> Dict[str, object]:
    """outcomes[i] = {"text": reply text of the last turn, "error": str|None} for vignettes[i]."""
    grade_total = grade_ok = stage_total = stage_ok = tnm_total = tnm_ok = 0
    mention_total = mention_ok = 0
    abstain = Counter()
    cites = Counter()
    misses: List[dict] = []
    for vignette, outcome in zip(vignettes, outcomes):
        text, gold = outcome["text"], vignette.get("gold") or {}
        why = abstention(text, outcome.get("error")) or value_abstention(vignette["kind"], text)
        if why:
            abstain[why] += 1
        c = citation_lines(text)
        cites["lines"] += c["lines"]
        cites["cited"] += c["cited"]
        wrong: Dict[str, object] = {}
        if "grade" in gold:
            grade_total += 1
            got = extract_grade(text)
            grade_ok += got == gold["grade"]
            if got != gold["grade"]:
                wrong["grade"] = {"gold": gold["grade"], "got": got}
        if "stage" in gold:
            stage_total += 1
            got = extract_stage(text)
            stage_ok += got.get("stage") == gold["stage"]
            if got.get("stage") != gold["stage"]:
                wrong["stage"] = {"gold": gold["stage"], "got": got.get("stage")}
            for key in ("t", "n", "m"):
                if key in gold:
                    tnm_total += 1
                    tnm_ok += got.get(key) == gold[key]
                    if got.get(key) != gold[key]:
                        wrong[key] = {"gold": gold[key], "got": got.get(key)}
        missing = [p for p in vignette.get("must_mention", []) if not re.search(p, text, re.I)]
        mention_total += len(vignette.get("must_mention", []))
        mention_ok += len(vignette.get("must_mention", [])) - len(missing)
        if missing:
            wrong["must_mention_missing"] = missing
        if wrong:
            excerpt = " | ".join(_direct_answer(sec)[:200] for sec in (_section(text, GRADE_HEADING), _section(text, STAGE_HEADING)) if sec)
            misses.append({"id": vignette["id"], "turns": vignette["turns"], **wrong, **({"abstained": why} if why else {}),
                           "reply_start": excerpt or text[:200]})

    def share(a: int, b: int) -> Optional[float]:
        return round(a / b, 3) if b else None

    return {
        "vignettes": len(vignettes),
        "grade_concordance": share(grade_ok, grade_total), "grade_n": grade_total,
        "stage_concordance": share(stage_ok, stage_total), "stage_n": stage_total,
        "tnm_concordance": share(tnm_ok, tnm_total), "tnm_n": tnm_total,
        "must_mention_coverage": share(mention_ok, mention_total), "must_mention_n": mention_total,
        "abstained": share(sum(abstain.values()), len(vignettes)),
        "abstain_reasons": dict(abstain.most_common()),
        "cited_line_share": share(cites["cited"], cites["lines"]), "content_lines": cites["lines"],
        "misses": misses,
    }
