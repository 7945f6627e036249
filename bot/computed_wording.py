"""The words of the computed results: templates in knowledge/computed/*.yml, one file per engine, checked
against what the engine can emit and against the statements they cite, and filled with the engine's values.

The engines (bot/grading.py, bot/staging.py, bot/workup.py) and the case reader (bot/case_update.py) return
codes: a template id and the values of its fields. Each declares, per kind of template, every id it can emit
with the fields it fills (its `*_TEMPLATES` tables); an `EngineWording` names those tables and the file that
holds the words. This module holds the one schema, the checks `kb check` runs on every file (through the
knowledge loader) and the filling. Every template names the statements that back it (`statements`, or per
AJCC chapter `statements_by_chapter`); its figures must appear in them.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from dataclasses import dataclass, field
from typing import Callable, ClassVar, Dict, FrozenSet, Iterator, List, Mapping, Optional, Sequence, Set, Tuple

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.content_hash import content_hash
from bot.models import CHECKED_STATUSES, FieldValue, ReviewStatus

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
    """Words in our own voice with named fields ({ki67}), and the statements that hold the same facts and
    figures. `statements_by_chapter` (staging): the statements for a result of that AJCC chapter (key as in
    bot/staging.py `Chapter.key`), used instead of `statements`; `statements` backs every other result."""

    text: str = Field(min_length=1)
    statements: List[str] = Field(default_factory=list)
    statements_by_chapter: Dict[str, List[str]] = Field(default_factory=dict)
    review: TemplateReview

    @field_validator("review", mode="before")
    @classmethod
    def _status_shorthand(cls, value: object) -> object:
        return {"status": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _has_statements(self) -> "Template":
        if not self.statements and not self.statements_by_chapter:
            raise ValueError("a template names its statements (statements, or statements_by_chapter)")
        return self

    def statements_for(self, chapter: Optional[str] = None) -> List[str]:
        """The statements that back this template for a result of `chapter` (None: not chapter-specific)."""
        if chapter is not None and chapter in self.statements_by_chapter:
            return self.statements_by_chapter[chapter]
        return self.statements

    def variants(self) -> Iterator[Tuple[str, List[str]]]:
        """('statements', ids) and ('statements_by_chapter.<key>', ids): every list a citation can use."""
        if self.statements:
            yield "statements", self.statements
        for chapter, ids in self.statements_by_chapter.items():
            yield f"statements_by_chapter.{chapter}", ids

    @property
    def all_statements(self) -> List[str]:
        return list(dict.fromkeys(sid for _, ids in self.variants() for sid in ids))

    @property
    def current_hash(self) -> str:
        by_chapter = [f"{chapter}:{sid}" for chapter, ids in sorted(self.statements_by_chapter.items()) for sid in ids]
        return content_hash(self.text, None, list(self.statements) + by_chapter)

    @property
    def is_stale(self) -> bool:
        return self.review.status in CHECKED_STATUSES and self.review.content_hash != self.current_hash

    @property
    def effective_status(self) -> ReviewStatus:
        return ReviewStatus.under_review if self.is_stale else self.review.status

    @property
    def fields(self) -> Set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(self.text) if name}


class WordingFile(_Strict):
    """One knowledge/computed/*.yml file: a table of templates per kind (the subclasses name the kinds)."""

    KINDS: ClassVar[Tuple[str, ...]] = ()

    def table(self, kind: str) -> Dict[str, Template]:
        return getattr(self, kind)

    def items(self) -> Iterator[Tuple[str, str, Template]]:
        """(kind, id, template) for every template, in file order."""
        for kind in self.KINDS:
            for template_id, template in self.table(kind).items():
                yield kind, template_id, template


FieldFormat = Callable[[FieldValue], Optional[str]]
# A field said by phrases chosen from its value: [(phrase id, the phrase's own values)], and how they are joined.
PhraseList = Callable[[FieldValue], List[Tuple[str, Dict[str, FieldValue]]]]
PhraseJoin = Callable[[List[str]], str]


@dataclass(frozen=True)
class EngineWording:
    """What one engine can emit and where its words live.

    `emitted`: kind -> template id -> the fields the engine fills. `phrase_fields`: fields whose value is the id
    (or a list of ids) of a template under `phrases`, filled in place. `formats`: how a field's value is written
    (default: a number as '%g', a list joined with ', ', a code as it is). `chapters`: the chapter keys
    `statements_by_chapter` may name (empty: the engine has no chapters). `key_prefix` names the file in
    template keys ('staging.' -> 'staging.flags.t_as_stated'; the workup's keys have none). `phrase_lists`: fields
    whose value chooses phrases with values of their own (a node count: 'given.count' with {count}), joined by
    `phrase_joins` (default '; ')."""

    name: str  # "workup", "grading", ...: the engine, in problems and reports
    file: str  # under the knowledge root
    model: type
    emitted: Mapping[str, Mapping[str, FrozenSet[str]]]
    phrase_fields: FrozenSet[str] = frozenset()
    formats: Mapping[str, FieldFormat] = field(default_factory=dict)
    chapters: FrozenSet[str] = frozenset()
    key_prefix: str = ""
    phrase_lists: Mapping[str, PhraseList] = field(default_factory=dict)
    phrase_joins: Mapping[str, PhraseJoin] = field(default_factory=dict)

    def key(self, kind: str, template_id: str) -> str:
        """How a template is named in problems, the review queue and answers: 'reasons.workup.fdg_pet.g3'."""
        return f"{self.key_prefix}{kind}.{template_id}"


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
# NKX2.2), after a name and a hyphen (Ki-67, TTF-1, NETTER-1), and before letters (68Ga, 177Lu, 5-HIAA, M1a).
_FIGURE = re.compile(r"(?<![\w.])(?<![A-Za-z]-)(\d+(?:\.\d+)?)(?![\w])(?!-[A-Z])(?!\.\d)")
# Any number in a statement, with what follows it (a statement's own names are not figures either, but a number
# inside one never matches a template's figure with its unit, and a bare number is compared by value only).
_ANY_NUMBER = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)?)(?![\d])")
# A figure's unit: the word right after it (a hyphen allowed: '5-year'), normalised. A number without one of
# these is unitless ('20 or less', '> 10 per 2 mm²' for the 10).
_UNITS: Tuple[Tuple[re.Pattern, str], ...] = tuple((re.compile(pattern, re.IGNORECASE), unit) for pattern, unit in (
    (r"\s?(?:%|per ?cent\b)", "%"),
    (r"\s?(?:mm²|mm2\b|mm\^2|square millimetres?\b)", "mm²"),
    (r"\s?cm\b", "cm"),
    (r"\s?mm\b", "mm"),
    (r"\s?(?:hpf\b|high[- ]power fields?\b|fields?\b)", "hpf"),  # '50 fields of 0.2 mm²' are high-power fields
    (r"[\s-]?(?:months?|mo)\b", "month"),
    (r"[\s-]?(?:years?|yrs?)\b", "year"),
    (r"[\s-]?weeks?\b", "week"),
    (r"[\s-]?days?\b", "day"),
    (r"\s?(?:hours?|h)\b", "hour"),
    (r"\s?cells?\b", "cell"),
    (r"\s?(?:(?:lymph |positive |regional )?nodes?)\b", "node"),
    (r"\s?(?:mitoses|mitosis|mitotic figures)\b", "mitosis"),
    (r"\s?genes?\b", "gene"),
    (r"\s?(?:patients|cases)\b", "patient"),
    (r"\s?(?:mg|µg|ug|ng|mmol|nmol|pmol)\b", "mass"),
))
# Two numbers joined as a range or a pair share the unit written after the second: '3-20%', '2–20 %', '1 to 2 cm'.
_RANGE_JOIN = re.compile(r"\s*(?:-|–|to|and|or)\s*(?=\d)")


@dataclass(frozen=True)
class Figure:
    """A number with the unit written after it (None: none of the units above), as it reads in the text."""

    value: float
    unit: Optional[str]
    text: str

    @property
    def shown(self) -> str:
        return f"{self.text} {self.unit}" if self.unit and self.unit != "%" else self.text + ("%" if self.unit else "")


def _unit_at(text: str, end: int, numbers: re.Pattern) -> Optional[str]:
    """The unit after the number ending at `end`; across a range or pair, the unit after its second number."""
    for pattern, unit in _UNITS:
        if pattern.match(text, end):
            return unit
    join = _RANGE_JOIN.match(text, end)
    if join:
        following = numbers.match(text, join.end())
        if following:
            return _unit_at(text, following.end(), numbers)
    return None


_SAMPLE_SIZE = re.compile(r"\bn\s*=\s*$")  # 'EGD (n = 24)': a count of patients


def _figures_in(text: str, numbers: re.Pattern) -> List[Figure]:
    out = []
    for m in numbers.finditer(text):
        unit = "patient" if _SAMPLE_SIZE.search(text, 0, m.start()) else _unit_at(text, m.end(), numbers)
        out.append(Figure(float(m.group(1).replace(",", ".")), unit, m.group(1)))
    return out


def figures(text: str) -> List[str]:
    """The figures written in a template's own words (fields left out)."""
    return [f.text for f in template_figures(text)]


def template_figures(text: str) -> List[Figure]:
    """The figures of a template's own words (fields left out), each with its unit."""
    literal = re.sub(r"\{[^}]*\}", " ", text)
    return _figures_in(literal, _FIGURE)


def statement_figures(text: str) -> List[Figure]:
    """Every number of a statement, with its unit."""
    return _figures_in(text, _ANY_NUMBER)


def _is_year(figure: Figure) -> bool:
    return figure.unit is None and figure.value.is_integer() and 1900 <= figure.value <= 2099


def figure_is_backed(figure: Figure, held: Sequence[Figure], years: FrozenSet[int] = frozenset()) -> bool:
    """Whether statements holding `held` back a template's figure: the same value with the same unit (a
    template's unitless figure: the same value with any unit). '20%' is not backed by '20 mm', nor '5-year' by
    '5 patients'; '2.0 cm' is backed by '2 cm'. A year is also backed by the year of a cited source."""
    if _is_year(figure) and int(figure.value) in years:
        return True
    return any(h.value == figure.value and (figure.unit is None or h.unit == figure.unit) for h in held)


def _unbacked_figures(text: str, statement_ids: Sequence[str],
                      statements: Mapping[str, StatementFacts]) -> List[Tuple[Figure, List[Figure]]]:
    """Each figure of `text` that the statements do not back, with the same value as they hold it (other units)."""
    cited = [statements[sid] for sid in statement_ids if sid in statements]
    held = [f for facts in cited for f in statement_figures(facts.text)]
    years = frozenset(year for facts in cited for year in facts.source_years)
    unbacked: List[Tuple[Figure, List[Figure]]] = []
    for figure in template_figures(text):
        if not figure_is_backed(figure, held, years) and all(figure != f for f, _ in unbacked):
            unbacked.append((figure, [h for h in held if h.value == figure.value]))
    return unbacked


def _unbacked(text: str, statement_ids: Sequence[str], statements: Mapping[str, StatementFacts]) -> List[str]:
    return [f.shown for f, _ in _unbacked_figures(text, statement_ids, statements)]


def unbacked_figures(template: Template, statements: Mapping[str, StatementFacts]) -> List[str]:
    """Figures of the template that some list of its statements does not hold with the same unit (each chapter's
    list must hold them all). A year also counts as backed when it is the year of a source one of the statements
    cites (an author-year reference, 'Zhang 2018')."""
    missing: List[str] = []
    for _, ids in template.variants():
        missing += [f for f in _unbacked(template.text, ids, statements) if f not in missing]
    return missing


def check_wording(spec: EngineWording, wording: WordingFile,
                  statements: Mapping[str, StatementFacts]) -> List[WordingProblem]:
    """Every problem of one wording file: a code the engine can emit without a template, a template for a code
    it never emits, a field the engine does not fill, an unknown statement or chapter, a checked template citing
    an unchecked statement or writing a figure that its statements do not hold, a recorded check without
    reviewer or date."""
    problems: List[WordingProblem] = []
    for kind, emitted in spec.emitted.items():
        table = wording.table(kind)
        for template_id in emitted:
            if template_id not in table:
                problems.append(WordingProblem(spec.key(kind, template_id), "-",
                                               f"the {spec.name} engine can emit this code, but it has no template"))
        for template_id, template in table.items():
            key = spec.key(kind, template_id)
            if template_id not in emitted:
                problems.append(WordingProblem(key, "-", f"the {spec.name} engine never emits this code; remove the template"))
                continue
            for name in sorted(template.fields - emitted[template_id]):
                problems.append(WordingProblem(
                    key, "text", f"field {{{name}}} is not filled by the {spec.name} engine for this template "
                    f"(it fills: {', '.join(sorted(emitted[template_id])) or 'nothing'})"))
            for chapter in template.statements_by_chapter:
                if chapter not in spec.chapters:
                    known = ", ".join(sorted(spec.chapters)) or "none"
                    problems.append(WordingProblem(key, f"statements_by_chapter.{chapter}",
                                                   f"unknown chapter '{chapter}' (the {spec.name} engine's: {known})"))
            for where, ids in template.variants():
                for index, sid in enumerate(ids):
                    if sid not in statements:
                        problems.append(WordingProblem(key, f"{where}[{index}]", f"unknown statement id '{sid}'"))
                if len(set(ids)) != len(ids):
                    problems.append(WordingProblem(key, where, "a statement is listed twice"))
            if template.review.status in CHECKED_STATUSES:
                problems += _checked_problems(key, template, statements)
    return problems


def _checked_problems(key: str, template: Template, statements: Mapping[str, StatementFacts]) -> List[WordingProblem]:
    problems = []
    status = template.review.status.value
    for sid in template.all_statements:
        if sid in statements and statements[sid].status not in CHECKED_STATUSES:
            problems.append(WordingProblem(
                key, "review.status", f"a {status} template cites only checked statements; '{sid}' is "
                f"{statements[sid].status.value}: mark the template under_review"))
    for where, ids in template.variants():
        for figure, same_value in _unbacked_figures(template.text, ids, statements):
            if same_value:
                units = ", ".join(sorted({h.shown for h in same_value}))
                problems.append(WordingProblem(
                    key, "text", f"the figure {figure.shown} is in none of the statements it cites with that unit "
                    f"({where}: {', '.join(ids)} hold {units}): cite the statement that holds it, or mark the "
                    "template under_review"))
            else:
                problems.append(WordingProblem(
                    key, "text", f"the figure {figure.text} is in none of the statements it cites "
                    f"({where}: {', '.join(ids)}): cite the statement that holds it, or mark the template under_review"))
    if template.review.content_hash and not template.review.reviewed_by:
        problems.append(WordingProblem(key, "review.reviewed_by", "a recorded check names its reviewer"))
    if template.review.content_hash and template.review.date is None:
        problems.append(WordingProblem(key, "review.date", "a recorded check has a date"))
    return problems


# --------------------------------------------------------------------------------------------
# Filling
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    """Filled words and what they rest on: the templates used (keys, with their effective review statuses)
    and the statements they cite."""

    text: str
    templates: Tuple[str, ...]
    statement_ids: Tuple[str, ...]
    statuses: Tuple[ReviewStatus, ...] = ()


def first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def as_list(value: FieldValue) -> List[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def default_format(value: FieldValue) -> str:
    if value is None:
        return ""
    if isinstance(value, float) or isinstance(value, int):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)  # a code shown as it is (site, syndrome)


PHRASE_SEPARATOR = "; "


class Filler:
    """Fills templates of one file with one result's values and records the templates it used."""

    def __init__(self, spec: EngineWording, wording: WordingFile, values: Mapping[str, FieldValue],
                 chapter: Optional[str] = None):
        self.spec = spec
        self.wording = wording
        self.values = values
        self.chapter = chapter
        self.used: List[Tuple[str, str]] = []  # (kind, id)

    def fill(self, kind: str, template_id: str, values: Optional[Mapping[str, FieldValue]] = None) -> Optional[str]:
        """One template filled with the result's values (`values`: a phrase's own values instead)."""
        template = self.wording.table(kind).get(template_id)
        if template is None:
            return None
        self.used.append((kind, template_id))
        words: Dict[str, str] = {}
        for name in template.fields:
            rendered = self.field(name, values)
            if rendered is None:
                return None
            words[name] = rendered
        return template.text.format_map(words)

    def field(self, name: str, values: Optional[Mapping[str, FieldValue]] = None) -> Optional[str]:
        value = (self.values if values is None else values).get(name)
        if values is None and name in self.spec.phrase_lists:
            filled = [self.fill("phrases", pid, own) for pid, own in self.spec.phrase_lists[name](value)]
            if any(p is None for p in filled):
                return None
            join = self.spec.phrase_joins.get(name, PHRASE_SEPARATOR.join)
            return join([p for p in filled if p])
        if name in self.spec.phrase_fields:
            phrases = [self.fill("phrases", pid) for pid in as_list(value)]
            return None if any(p is None for p in phrases) else PHRASE_SEPARATOR.join(p for p in phrases if p)
        if name in self.spec.formats:
            return self.spec.formats[name](value)
        return default_format(value)

    def rendered(self, text: str) -> Rendered:
        used = list(dict.fromkeys(self.used))
        templates = [self.wording.table(k)[i] for k, i in used]
        statement_ids = tuple(dict.fromkeys(sid for t in templates for sid in t.statements_for(self.chapter)))
        return Rendered(text=text, templates=tuple(self.spec.key(k, i) for k, i in used),
                        statement_ids=statement_ids, statuses=tuple(t.effective_status for t in templates))


def render(spec: EngineWording, wording: Optional[WordingFile], kind: str, template_id: str,
           values: Mapping[str, FieldValue], chapter: Optional[str] = None) -> Optional[Rendered]:
    """One template filled, first letter upper case; None when the file, the template or a phrase is missing."""
    if wording is None:
        return None
    filler = Filler(spec, wording, values, chapter)
    text = filler.fill(kind, template_id)
    return None if text is None else filler.rendered(first_upper(text))


def template_of_key(spec: EngineWording, wording: WordingFile, key: str) -> Template:
    """The template a key names ('staging.flags.t_as_stated')."""
    kind, _, template_id = key[len(spec.key_prefix):].partition(".")
    return wording.table(kind)[template_id]
