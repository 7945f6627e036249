"""The words of the grade and the stage, and of the notes on how a case value was read: templates in
knowledge/computed/grading.yml, staging.yml and case_notes.yml, filled with the engines' codes and values.

bot/grading.py and bot/staging.py return trace lines (`TraceLine`: rule id, line id, values) and flags (code,
variant, values); bot/case_update.py returns notes (`CaseNote`: id, values). Each declares what it can emit
(`TRACE_TEMPLATES`, `FLAG_TEMPLATES`, `RULE_TEMPLATES`, `NOTE_TEMPLATES`); the specs below name those tables
and their files, so the shared checks of bot/computed_wording.py run on them in `kb check`. The composer's own
templates (the grade sentence, the stage sentence) are declared here. Labels of case values ("necrosis
present", a size in cm) restate the user's case and are not clinical claims, so they live here.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, List, Optional, Tuple

from pydantic import Field

from bot import case_update, grading, staging
from bot.computed_wording import EngineWording, Filler, Rendered, Template, WordingFile, as_list, first_upper, render
from bot.workup_wording import WORKUP
from bot.models import (
    Case,
    CaseNote,
    Differentiation,
    FieldValue,
    Flag,
    GradeResult,
    MitoticUnit,
    TraceLine,
    WhatIf,
)

# --------------------------------------------------------------------------------------------
# Grading
# --------------------------------------------------------------------------------------------

GRADING_FILE = "computed/grading.yml"


class GradingWording(WordingFile):
    KINDS = ("rules", "trace", "flags", "categories", "what_ifs", "phrases", "sentences")
    categories: Dict[str, Template] = Field(default_factory=dict)
    what_ifs: Dict[str, Template] = Field(default_factory=dict)
    rules: Dict[str, Template] = Field(default_factory=dict)
    trace: Dict[str, Template] = Field(default_factory=dict)
    flags: Dict[str, Template] = Field(default_factory=dict)
    phrases: Dict[str, Template] = Field(default_factory=dict)
    sentences: Dict[str, Template] = Field(default_factory=dict)


_NONE: FrozenSet[str] = frozenset()
_GRADES = grading.GRADES
# The parts of the grade sentence (the direct answer), composed by `grade_sentence` below.
SENTENCE_TEMPLATES: Dict[str, FrozenSet[str]] = {
    **{f"ki67.{g}": frozenset({"ki67"}) for g in _GRADES},
    **{f"mitoses.{g}": frozenset({"about", "mitoses"}) for g in _GRADES},
    "combined.higher": _NONE,
    "combined.agree": frozenset({"grade"}),
    "combined.only_ki67": _NONE,
    "combined.only_mitoses": _NONE,
    "g3_morphology_needed": _NONE,
    "differentiation_not_stated": _NONE,
    "g3_called_net": _NONE,
    "nec": _NONE,
    "thoracic.necrosis_not_stated": frozenset({"about", "mitoses"}),
    **{f"thoracic.{c}": frozenset({"about", "mitoses", "with_necrosis"})
       for c in ("typical", "atypical.necrosis", "atypical", "high_grade")},
}

_NECROSIS = {"present": "necrosis present", "absent": "no necrosis", "not_stated": "necrosis not stated"}
_WITH_NECROSIS = {"present": "with necrosis", "absent": "without necrosis", "not_stated": "(necrosis not stated)"}

GRADING = EngineWording(
    name="grading",
    file=GRADING_FILE,
    model=GradingWording,
    emitted={
        "rules": grading.RULE_TEMPLATES,
        "trace": grading.TRACE_TEMPLATES,
        "flags": grading.FLAG_TEMPLATES,
        "categories": grading.CATEGORY_TEMPLATES,
        "what_ifs": grading.WHAT_IF_TEMPLATES,
        "phrases": grading.PHRASE_TEMPLATES,
        "sentences": SENTENCE_TEMPLATES,
    },
    phrase_fields=grading.PHRASE_FIELDS,
    formats={
        "necrosis": lambda v: _NECROSIS[str(v)],
        "with_necrosis": lambda v: _WITH_NECROSIS[str(v)],
        "about": lambda v: "about " if v else "",
    },
    key_prefix="grading.",
)


def _necrosis_code(necrosis: Optional[bool]) -> str:
    return {True: "present", False: "absent", None: "not_stated"}[necrosis]


def grade_sentence(case: Case, result: GradeResult, wording: Optional[GradingWording]) -> Optional[Rendered]:
    """The grade in words: each index with its band and grade, how they combine, and what differentiation adds.
    None when there is nothing to combine (not gradable, a carcinoma named without a count): the decisive rule
    lines are the answer then."""
    if result.kind == "not_gradable" or wording is None:
        return None
    mitoses = grading.mitoses_per_2mm2(case.mitoses, case.mitoses_unit) if case.mitoses is not None else None
    values: Dict[str, FieldValue] = {"ki67": case.ki67_percent, "mitoses": mitoses, "grade": result.grade,
                                     "about": "about" if case.mitoses_unit != MitoticUnit.per_2mm2 else None,
                                     "with_necrosis": _necrosis_code(case.necrosis)}
    filler = Filler(GRADING, wording, values)
    parts: List[Optional[str]] = []

    if result.thoracic:
        if mitoses is None:
            return None
        scale = grading.THORACIC_MITOSES_SCALE
        if case.necrosis is None and scale.band(mitoses) == 0:
            parts.append(filler.fill("sentences", "thoracic.necrosis_not_stated"))
        else:
            category = grading.lung_category(mitoses, bool(case.necrosis))
            line = grading.THORACIC_LINE[category]
            if category == grading.ATYPICAL_CARCINOID and scale.band(mitoses) == 0:
                line = "thoracic.atypical.necrosis"
            parts.append(filler.fill("sentences", line))
        return _joined(filler, parts)

    if result.kind == "nec":
        return _joined(filler, [filler.fill("sentences", "nec")])

    ki67_grade = grading.grade_from_ki67(case.ki67_percent) if case.ki67_percent is not None else None
    mitotic_grade = grading.grade_from_mitoses(mitoses) if mitoses is not None else None
    indices = []
    if ki67_grade:
        indices.append(filler.fill("sentences", f"ki67.{ki67_grade}"))
    if mitotic_grade:
        indices.append(filler.fill("sentences", f"mitoses.{mitotic_grade}"))
    if any(i is None for i in indices):
        return None
    parts.append(" and ".join(i for i in indices if i))
    if ki67_grade and mitotic_grade:
        parts.append(filler.fill("sentences", "combined.higher" if ki67_grade != mitotic_grade else "combined.agree"))
    elif result.grade != _GRADES[-1]:
        parts.append(filler.fill("sentences", "combined.only_ki67" if ki67_grade else "combined.only_mitoses"))
    parts.append(".")
    if result.grade == _GRADES[-1] and case.differentiation != Differentiation.well and result.kind == "net":
        parts.append(filler.fill("sentences", "g3_called_net"))
    elif result.grade == _GRADES[-1] and case.differentiation != Differentiation.well:
        parts.append(filler.fill("sentences", "g3_morphology_needed"))
    elif case.differentiation != Differentiation.well:
        parts.append(filler.fill("sentences", "differentiation_not_stated"))
    return _joined(filler, parts)


def category_name(category: str, wording: Optional[WordingFile]) -> Optional[Rendered]:
    """The name of a grading category code ('net.G2' -> 'NET G2'), as written; None when its template is missing."""
    if wording is None:
        return None
    filler = Filler(GRADING, wording, {})
    text = filler.fill("categories", category)
    return None if text is None else filler.rendered(text)


def category_label(category: Optional[str], wording: Optional[WordingFile]) -> Optional[str]:
    """The name of a category code for a label or a comparison ('NET G1 → NET G2'); the code itself when its
    template is missing (never an empty label)."""
    if category is None:
        return None
    name = category_name(category, wording)
    return name.text if name else category


def cell_type_words(nec_subtype: Optional[str], wording: Optional[WordingFile],
                    thoracic: bool = False) -> Optional[Rendered]:
    """A NEC's cell type as given ('small cell type'), shown with the category; None when not given."""
    if nec_subtype is None or wording is None:
        return None
    filler = Filler(GRADING, wording, {})
    text = filler.fill("phrases", f"cell_type.{'thoracic.' if thoracic else ''}{nec_subtype}")
    return None if text is None else filler.rendered(text)


def _joined(filler: Filler, parts: List[Optional[str]]) -> Optional[Rendered]:
    if any(p is None for p in parts):
        return None
    return filler.rendered("".join(p for p in parts if p))


# --------------------------------------------------------------------------------------------
# Staging
# --------------------------------------------------------------------------------------------

STAGING_FILE = "computed/staging.yml"


class StagingWording(WordingFile):
    KINDS = ("rules", "trace", "flags", "what_ifs", "phrases", "sentences")
    what_ifs: Dict[str, Template] = Field(default_factory=dict)
    rules: Dict[str, Template] = Field(default_factory=dict)
    trace: Dict[str, Template] = Field(default_factory=dict)
    flags: Dict[str, Template] = Field(default_factory=dict)
    phrases: Dict[str, Template] = Field(default_factory=dict)
    sentences: Dict[str, Template] = Field(default_factory=dict)


# The direct answer when the last rule line reads poorly as one: rule id -> (headline template, sentence template).
STAGE_SENTENCES: Dict[str, Tuple[str, str]] = {
    "AJCC8-CUP-M0-NO-GROUP": ("cup_m0_no_group.headline", "cup_m0_no_group"),
}
STAGE_SENTENCE_TEMPLATES: Dict[str, FrozenSet[str]] = {tid: _NONE for pair in STAGE_SENTENCES.values() for tid in pair}

# The nodal values given and the inputs a line needs are said by phrases of staging.yml (`phrases`: given.*,
# needs.*): a value's words, with a count and its N band where the chapter has one.
_NEEDS_FIELDS = ("tumour_size_cm", "invasion", "nodes_positive", "positive_node_count", "bulky_mesenteric_mass")
_GIVEN_CODES = ("nodes.positive", "nodes.negative", "mass.present", "mass.absent")
NODAL_PHRASES: Dict[str, FrozenSet[str]] = {
    **{f"needs.{name}": _NONE for name in _NEEDS_FIELDS},
    **{f"given.{code}": _NONE for code in _GIVEN_CODES},
    **{f"given.count{band}{one}": frozenset({"count"})
       for band in ("", ".lt12", ".ge12") for one in ("", ".one") if not (band == ".ge12" and one)},
    "given.none": _NONE,
}


def _or_list(value: FieldValue) -> str:
    items = as_list(value)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _and_list(items: List[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _size_words(value: FieldValue) -> str:
    if value is None:
        return "size not given"
    text = f"{float(value):g}"  # type: ignore[arg-type]
    return f"{text if '.' in text else text + '.0'} cm"


def _given_phrases(value: FieldValue) -> List[Tuple[str, Dict[str, FieldValue]]]:
    """The nodal values given (bot/staging.py codes: 'nodes.positive', 'count.lt12:3', 'mass.absent') as phrases:
    'regional nodes positive, 3 positive nodes (< 12)'."""
    phrases: List[Tuple[str, Dict[str, FieldValue]]] = []
    for code in as_list(value):
        if code.startswith("count"):
            band, _, count = code[len("count"):].partition(":")
            phrases.append((f"given.count{band}{'.one' if count == '1' else ''}", {"count": count}))
        else:
            phrases.append((f"given.{code}", {}))
    return phrases or [("given.none", {})]


def _needs_phrases(value: FieldValue) -> List[Tuple[str, Dict[str, FieldValue]]]:
    return [(f"needs.{name}", {}) for name in as_list(value)]


_CHAPTER_NAMES = {c.key: c.name for c in staging.CHAPTERS.values()}

STAGING = EngineWording(
    name="staging",
    file=STAGING_FILE,
    model=StagingWording,
    emitted={
        "rules": staging.RULE_TEMPLATES,
        "trace": staging.TRACE_TEMPLATES,
        "flags": staging.FLAG_TEMPLATES,
        "what_ifs": staging.WHAT_IF_TEMPLATES,
        "phrases": {**staging.PHRASE_TEMPLATES, **NODAL_PHRASES},
        "sentences": STAGE_SENTENCE_TEMPLATES,
    },
    phrase_fields=staging.PHRASE_FIELDS,
    phrase_lists={"given": _given_phrases, "needs": _needs_phrases},
    phrase_joins={"given": ", ".join, "needs": _and_list},
    formats={
        "size": _size_words,
        "possible": _or_list,
        "deeper": _or_list,
        "groups": _or_list,
        "sites": lambda v: ", ".join(s.replace("_", " ") for s in as_list(v)),
        "chapter": lambda v: _CHAPTER_NAMES[str(v)],
        "t": lambda v: str(v) if v else "T?",
        "n": lambda v: str(v) if v else "N?",
        "m": lambda v: str(v) if v else "M?",
    },
    chapters=frozenset(c.key for c in staging.CHAPTERS.values()),
    key_prefix="staging.",
)


def stage_sentence(rule_id: str, wording: Optional[StagingWording]) -> Optional[Tuple[Rendered, Rendered]]:
    """(headline, sentence) of a stage outcome whose rule line reads poorly as an answer; None otherwise."""
    if rule_id not in STAGE_SENTENCES or wording is None:
        return None
    headline_id, sentence_id = STAGE_SENTENCES[rule_id]
    headline = render(STAGING, wording, "sentences", headline_id, {})
    sentence = Filler(STAGING, wording, {})
    text = sentence.fill("sentences", sentence_id)
    if headline is None or text is None:
        return None
    return headline, sentence.rendered(text)


# --------------------------------------------------------------------------------------------
# Rendering trace lines, flags and rules (grading and staging alike)
# --------------------------------------------------------------------------------------------


def trace_words(spec: EngineWording, wording: Optional[WordingFile], line: TraceLine,
                chapter: Optional[str] = None) -> Optional[Rendered]:
    """One trace line in words, as written (the answer capitalises its sentences); None when its template is
    missing (the line is then left out)."""
    if wording is None:
        return None
    filler = Filler(spec, wording, line.values, chapter)
    text = filler.fill("trace", line.line)
    return None if text is None else filler.rendered(text)


def flag_words(spec: EngineWording, wording: Optional[WordingFile], flag: Flag,
               chapter: Optional[str] = None) -> Optional[Rendered]:
    return render(spec, wording, "flags", flag.template_id, flag.values, chapter)


def rule_words(spec: EngineWording, wording: Optional[WordingFile], rule_id: str,
               chapter: Optional[str] = None) -> Optional[Rendered]:
    """A rule's summary and the statements that back the rule (the explicit table under `rules`)."""
    return render(spec, wording, "rules", rule_id, {}, chapter)


def what_if_words(spec: EngineWording, wording: Optional[WordingFile], what_if: WhatIf,
                  chapter: Optional[str] = None) -> Optional[Rendered]:
    """'If Ki-67 were above 20%: NET G3', 'If there were also bone metastases: M1c, stage IV': the change in the
    words of `what_ifs`, then what it gives (grading: the category's name; staging: the T, N and M codes that
    change and the stage group). None when a template is missing."""
    if wording is None:
        return None
    filler = Filler(spec, wording, what_if.values, chapter)
    change = filler.fill("what_ifs", what_if.change)
    if spec is GRADING:
        result = filler.fill("categories", what_if.result) if what_if.result else None
    elif what_if.result:
        group = filler.fill("what_ifs", "result.stage", {"group": what_if.result})
        result = None if group is None else ", ".join([*what_if.changed, group])
    else:
        none = filler.fill("what_ifs", "result.no_group")
        result = None if none is None else ", ".join([*what_if.changed, none])
    if change is None or result is None:
        return None
    return filler.rendered(f"{first_upper(change)}: {result}")


def plain_trace(spec: EngineWording, wording: Optional[WordingFile], lines: List[TraceLine],
                chapter: Optional[str] = None) -> List[str]:
    """Each trace line in words, or its line id when it has no template (the CLI and tests)."""
    out = []
    for line in lines:
        words = trace_words(spec, wording, line, chapter)
        out.append(words.text if words else f"[{line.line}]")
    return out


__all__: Tuple[str, ...] = (
    "GRADING", "GRADING_FILE", "GradingWording", "SENTENCE_TEMPLATES", "grade_sentence", "trace_words", "flag_words",
    "rule_words", "plain_trace", "what_if_words", "category_name", "category_label",
)


# --------------------------------------------------------------------------------------------
# Notes on how a case value was read (bot/case_update.py)
# --------------------------------------------------------------------------------------------

CASE_NOTES_FILE = "computed/case_notes.yml"


class CaseNotesWording(WordingFile):
    KINDS = ("notes",)
    notes: Dict[str, Template] = Field(default_factory=dict)


CASE_NOTES = EngineWording(
    name="case_notes",
    file=CASE_NOTES_FILE,
    model=CaseNotesWording,
    emitted={"notes": case_update.NOTE_TEMPLATES},
    formats={"area": lambda v: f"{float(v):.2f}"},  # type: ignore[arg-type]
    key_prefix="case_notes.",
)


def note_words(note: CaseNote, wording: Optional[WordingFile]) -> Optional[Rendered]:
    """A note on how a value was read, in words; None when its template is missing."""
    return render(CASE_NOTES, wording, "notes", note.id, note.values)


# Every engine's wording file, in the order `kb check` reports them (the knowledge loader reads this).
WORDING_SPECS: Tuple[EngineWording, ...] = (WORKUP, GRADING, STAGING, CASE_NOTES)
