"""The words of the workup: templates in knowledge/computed/workup.yml, checked against the engine and the
statements they cite, and filled with the values of a WorkupResult.

The workup engine (bot/workup.py) returns codes: a step's title template, its reason templates, the values of
their fields, and flag codes. This module holds the file's schema, the checks `kb check` runs on it (through
the knowledge loader) and the rendering. Every template names the statements that back it; its figures must
appear in them. Labels of codes (test, marker and site names, "positive") restate the user's case and are
not clinical claims, so they live here.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterator, List, Mapping, Optional, Sequence, Set, Tuple

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot import workup
from bot.content_hash import content_hash
from bot.models import CHECKED_STATUSES, FieldValue, Flag, ReviewStatus, TestDone, WorkupStep

WORDING_FILE = "computed/workup.yml"  # under the knowledge root
KINDS = ("titles", "reasons", "phrases", "flags")

# What the engine can emit, per kind: template id -> the fields it fills.
EMITTED: Dict[str, Mapping[str, FrozenSet[str]]] = {
    "titles": workup.TITLE_TEMPLATES,
    "reasons": workup.REASON_TEMPLATES,
    "phrases": workup.PHRASE_TEMPLATES,
    "flags": workup.FLAG_TEMPLATES,
}


# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TemplateReview(_Strict):
    status: ReviewStatus
    reviewed_by: Optional[str] = None
    date: Optional[dt.date] = None
    content_hash: Optional[str] = None


class Template(_Strict):
    """Words in our own voice with named fields ({ki67}), the statements that hold the same facts and figures."""

    text: str = Field(min_length=1)
    statements: List[str] = Field(min_length=1)
    review: TemplateReview

    @field_validator("review", mode="before")
    @classmethod
    def _status_shorthand(cls, value: object) -> object:
        return {"status": value} if isinstance(value, str) else value

    @property
    def current_hash(self) -> str:
        return content_hash(self.text, None, self.statements)

    @property
    def is_stale(self) -> bool:
        return self.review.status in CHECKED_STATUSES and self.review.content_hash != self.current_hash

    @property
    def effective_status(self) -> ReviewStatus:
        return ReviewStatus.under_review if self.is_stale else self.review.status

    @property
    def fields(self) -> Set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(self.text) if name}


class WorkupWording(_Strict):
    titles: Dict[str, Template] = Field(default_factory=dict)
    reasons: Dict[str, Template] = Field(default_factory=dict)
    phrases: Dict[str, Template] = Field(default_factory=dict)
    flags: Dict[str, Template] = Field(default_factory=dict)

    def table(self, kind: str) -> Dict[str, Template]:
        return getattr(self, kind)

    def items(self) -> Iterator[Tuple[str, str, Template]]:
        """(kind, id, template) for every template, in file order."""
        for kind in KINDS:
            for template_id, template in self.table(kind).items():
                yield kind, template_id, template


def template_key(kind: str, template_id: str) -> str:
    """How a template is named in problems, the review queue and answers: 'reasons.workup.fdg_pet.g3'."""
    return f"{kind}.{template_id}"


# --------------------------------------------------------------------------------------------
# Checks (run by the knowledge loader, so `kb check` fails on them)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementFacts:
    """What the checks need of a cited statement."""

    text: str
    status: ReviewStatus  # as recorded in its review block
    source_years: FrozenSet[int]


@dataclass(frozen=True)
class WordingProblem:
    item_id: str  # template key
    field: str
    message: str


# A figure in a template: a number not glued to a name. Left out: digits inside a name (G3, CDX2, MEN1, E2211,
# NKX2.2), after a name and a hyphen (Ki-67, TTF-1, NETTER-1), and before letters (68Ga, 177Lu, 5-HIAA).
_FIGURE = re.compile(r"(?<![\w.])(?<![A-Za-z]-)(\d+(?:\.\d+)?)(?![\w])(?!-[A-Z])(?!\.\d)")
_ANY_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def figures(text: str) -> List[str]:
    """The figures written in a template's own words (fields left out)."""
    literal = re.sub(r"\{[^}]*\}", " ", text)
    return _FIGURE.findall(literal)


def _is_year(figure: str) -> bool:
    return figure.isdigit() and 1900 <= int(figure) <= 2099


def unbacked_figures(template: Template, statements: Mapping[str, StatementFacts]) -> List[str]:
    """Figures of the template found in none of its statements. A year also counts as backed when it is the
    year of a source one of the statements cites (an author-year reference, 'Zhang 2018')."""
    cited = [statements[sid] for sid in template.statements if sid in statements]
    numbers = {float(n) for facts in cited for n in _ANY_NUMBER.findall(facts.text)}
    years = {year for facts in cited for year in facts.source_years}
    return [f for f in figures(template.text)
            if float(f) not in numbers and not (_is_year(f) and int(f) in years)]


def check_wording(wording: WorkupWording, statements: Mapping[str, StatementFacts]) -> List[WordingProblem]:
    """Every problem of the wording file: a code the engine can emit without a template, a field the engine
    does not fill, an unknown statement, a checked template citing an unchecked statement or writing a figure
    that none of its statements holds, a recorded check without reviewer or date."""
    problems: List[WordingProblem] = []
    for kind, emitted in EMITTED.items():
        table = wording.table(kind)
        for template_id in emitted:
            if template_id not in table:
                problems.append(WordingProblem(template_key(kind, template_id), "-",
                                               "the workup engine can emit this code, but it has no template"))
        for template_id, template in table.items():
            key = template_key(kind, template_id)
            if template_id not in emitted:
                problems.append(WordingProblem(key, "-", "the workup engine never emits this code; remove the template"))
                continue
            for name in sorted(template.fields - emitted[template_id]):
                problems.append(WordingProblem(
                    key, "text", f"field {{{name}}} is not filled by the workup engine for this template "
                    f"(it fills: {', '.join(sorted(emitted[template_id])) or 'nothing'})"))
            for index, sid in enumerate(template.statements):
                if sid not in statements:
                    problems.append(WordingProblem(key, f"statements[{index}]", f"unknown statement id '{sid}'"))
            if len(set(template.statements)) != len(template.statements):
                problems.append(WordingProblem(key, "statements", "a statement is listed twice"))
            if template.review.status in CHECKED_STATUSES:
                problems += _checked_problems(key, template, statements)
    return problems


def _checked_problems(key: str, template: Template, statements: Mapping[str, StatementFacts]) -> List[WordingProblem]:
    problems = []
    status = template.review.status.value
    for sid in template.statements:
        if sid in statements and statements[sid].status not in CHECKED_STATUSES:
            problems.append(WordingProblem(
                key, "review.status", f"a {status} template cites only checked statements; '{sid}' is "
                f"{statements[sid].status.value}: mark the template under_review"))
    for figure in unbacked_figures(template, statements):
        problems.append(WordingProblem(
            key, "text", f"the figure {figure} is in none of the statements it cites "
            f"({', '.join(template.statements)}): cite the statement that holds it, or mark the template under_review"))
    if template.review.content_hash and not template.review.reviewed_by:
        problems.append(WordingProblem(key, "review.reviewed_by", "a recorded check names its reviewer"))
    if template.review.content_hash and template.review.date is None:
        problems.append(WordingProblem(key, "review.date", "a recorded check has a date"))
    return problems


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------

TEST_LABEL = {
    "ct": "CT", "mri": "MRI", "sstr_pet": "SSTR PET", "fdg_pet": "FDG PET", "octreoscan": "OctreoScan",
    "chromogranin_a": "chromogranin A", "5hiaa": "5-HIAA", "hormones": "hormones", "site_ihc": "site IHC",
    "colonoscopy": "colonoscopy", "upper_endoscopy": "upper endoscopy", "capsule_endoscopy": "capsule endoscopy",
    "eus": "EUS", "bronchoscopy": "bronchoscopy", "molecular_classifier": "molecular classifier",
    "germline": "germline testing", "surgical_exploration": "surgical exploration",
}
OUTCOME_WORDS = {"positive": "positive", "negative": "negative", "done": "result not stated"}
MARKER_LABEL = {
    "cdx2": "CDX2", "ttf1": "TTF-1", "isl1": "ISL1", "pax8": "PAX8", "pax6": "PAX6", "satb2": "SATB2",
    "nkx22": "NKX2.2", "pdx1": "PDX1", "chromogranin": "chromogranin", "synaptophysin": "synaptophysin",
    "insm1": "INSM1", "pax8_pax6": "PAX8/PAX6",
}
SITE_LABEL = {
    "jejunum_ileum": "small intestine (jejunum/ileum)", "pancreas": "pancreas", "lung": "lung",
    "appendix": "appendix", "rectum": "rectum",
}
PHRASE_SEPARATOR = "; "


@dataclass(frozen=True)
class Rendered:
    """Filled words and what they rest on: the templates used (keys) and the statements they cite."""

    text: str
    templates: Tuple[str, ...]
    statement_ids: Tuple[str, ...]


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _ki67_words(value: FieldValue) -> str:
    return "Ki-67 not given" if value is None else f"Ki-67 {float(value):g}%"  # type: ignore[arg-type]


def _marker_result(code: str) -> str:
    return MARKER_LABEL.get(code[:-1], code[:-1]) + code[-1]


def _as_list(value: FieldValue) -> List[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


class _Filler:
    """Fills templates with one step's (or flag's) values and records the templates it used."""

    def __init__(self, wording: WorkupWording, values: Mapping[str, FieldValue]):
        self.wording = wording
        self.values = values
        self.used: List[Tuple[str, str]] = []  # (kind, id)

    def fill(self, kind: str, template_id: str) -> Optional[str]:
        template = self.wording.table(kind).get(template_id)
        if template is None:
            return None
        self.used.append((kind, template_id))
        words: Dict[str, str] = {}
        for name in template.fields:
            rendered = self.field(name)
            if rendered is None:
                return None
            words[name] = rendered
        return template.text.format_map(words)

    def field(self, name: str) -> Optional[str]:
        value = self.values.get(name)
        if name in workup.PHRASE_FIELDS:
            phrases = [self.fill("phrases", pid) for pid in _as_list(value)]
            return None if any(p is None for p in phrases) else PHRASE_SEPARATOR.join(p for p in phrases if p)
        if name == "ki67":
            return _ki67_words(value)
        if name == "sites":
            return " / ".join(SITE_LABEL.get(s, s) for s in _as_list(value))
        if name == "ihc_results":
            return ", ".join(_marker_result(code) for code in _as_list(value))
        if name == "markers_not_reported":
            return ", ".join(MARKER_LABEL.get(m, m) for m in _as_list(value))
        if name == "steps":
            return ", ".join(_as_list(value))
        return "" if value is None else str(value)  # a code shown as it is (site, syndrome)

    def rendered(self, text: str) -> Rendered:
        templates = tuple(dict.fromkeys(template_key(k, i) for k, i in self.used))
        statement_ids = tuple(dict.fromkeys(
            sid for k, i in dict.fromkeys(self.used) for sid in self.wording.table(k)[i].statements))
        return Rendered(text=text, templates=templates, statement_ids=statement_ids)


def done_words(tests: Sequence[TestDone]) -> str:
    """'Already done: CT positive (three liver lesions).': the user's own report, restated."""
    parts = []
    for t in tests:
        detail = f" ({t.detail})" if t.detail else ""
        parts.append(f"{TEST_LABEL[t.test.value]} {OUTCOME_WORDS[t.outcome.value]}{detail}")
    return "Already done: " + "; ".join(parts) + "."


def step_title(step: WorkupStep, wording: WorkupWording) -> Optional[Rendered]:
    filler = _Filler(wording, step.values)
    text = filler.fill("titles", step.title_template)
    return None if text is None else filler.rendered(_first_upper(text))


def step_reason(step: WorkupStep, wording: WorkupWording) -> Optional[Rendered]:
    """The step's reason: tests already done first, then each reason template as a sentence. None when a
    template is missing (the line is then left out of the answer)."""
    filler = _Filler(wording, step.values)
    sentences = [done_words(step.tests_done)] if step.tests_done else []
    for template_id in step.reason_templates:
        text = filler.fill("reasons", template_id)
        if text is None:
            return None
        sentences.append(_first_upper(text))
    return filler.rendered(" ".join(sentences))


def flag_words(flag: Flag, wording: WorkupWording) -> Optional[Rendered]:
    filler = _Filler(wording, flag.values)
    text = filler.fill("flags", flag.code)
    return None if text is None else filler.rendered(_first_upper(text))


def wording_template(wording: WorkupWording, key: str) -> Template:
    """The template a key names ('reasons.workup.fdg_pet.g3')."""
    kind, _, template_id = key.partition(".")
    return wording.table(kind)[template_id]
