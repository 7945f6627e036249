"""The words of the workup: templates in knowledge/computed/workup.yml, filled with the values of a WorkupResult.

The workup engine (bot/workup.py) returns codes: a step's title template, its reason templates, the values of
their fields, and flag codes. The schema, the checks `kb check` runs and the filling are shared with the other
engines (bot/computed_wording.py); this module names the workup's templates (`WORKUP`) and renders steps.
Labels of codes (test, marker and site names, "positive") restate the user's case and are not clinical claims,
so they live here.
"""

from __future__ import annotations

from typing import Dict, List, Mapping, Optional, Sequence

from pydantic import Field

from bot import workup
from bot.computed_wording import (  # noqa: F401 - re-exported: the workup's callers and tests use these names
    PHRASE_SEPARATOR,
    EngineWording,
    Filler,
    Rendered,
    StatementFacts,
    Template,
    TemplateReview,
    WordingFile,
    WordingProblem,
    as_list,
    check_wording as _check_wording,
    figures,
    first_upper,
    unbacked_figures,
)
from bot.models import FieldValue, Flag, TestDone, WorkupStep

WORDING_FILE = "computed/workup.yml"  # under the knowledge root
KINDS = ("titles", "reasons", "phrases", "flags")


class WorkupWording(WordingFile):
    KINDS = KINDS
    titles: Dict[str, Template] = Field(default_factory=dict)
    reasons: Dict[str, Template] = Field(default_factory=dict)
    phrases: Dict[str, Template] = Field(default_factory=dict)
    flags: Dict[str, Template] = Field(default_factory=dict)


def template_key(kind: str, template_id: str) -> str:
    """How a workup template is named in problems, the review queue and answers: 'reasons.workup.fdg_pet.g3'."""
    return f"{kind}.{template_id}"


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


def _ki67_words(value: FieldValue) -> str:
    return "Ki-67 not given" if value is None else f"Ki-67 {float(value):g}%"  # type: ignore[arg-type]


def _marker_result(code: str) -> str:
    return MARKER_LABEL.get(code[:-1], code[:-1]) + code[-1]


WORKUP = EngineWording(
    name="workup",
    file=WORDING_FILE,
    model=WorkupWording,
    emitted={
        "titles": workup.TITLE_TEMPLATES,
        "reasons": workup.REASON_TEMPLATES,
        "phrases": workup.PHRASE_TEMPLATES,
        "flags": workup.FLAG_TEMPLATES,
    },
    phrase_fields=workup.PHRASE_FIELDS,
    formats={
        "ki67": _ki67_words,
        "sites": lambda value: " / ".join(SITE_LABEL.get(s, s) for s in as_list(value)),
        "ihc_results": lambda value: ", ".join(_marker_result(code) for code in as_list(value)),
        "markers_not_reported": lambda value: ", ".join(MARKER_LABEL.get(m, m) for m in as_list(value)),
        "steps": lambda value: ", ".join(as_list(value)),
    },
)
EMITTED = WORKUP.emitted


def check_wording(wording: WorkupWording, statements: Mapping[str, StatementFacts]) -> List[WordingProblem]:
    """The workup file's problems (bot/computed_wording.py check_wording)."""
    return _check_wording(WORKUP, wording, statements)


def done_words(tests: Sequence[TestDone]) -> str:
    """'Already done: CT positive (three liver lesions).': the user's own report, restated."""
    parts = []
    for t in tests:
        detail = f" ({t.detail})" if t.detail else ""
        parts.append(f"{TEST_LABEL[t.test.value]} {OUTCOME_WORDS[t.outcome.value]}{detail}")
    return "Already done: " + "; ".join(parts) + "."


def step_title(step: WorkupStep, wording: WorkupWording) -> Optional[Rendered]:
    filler = Filler(WORKUP, wording, step.values)
    text = filler.fill("titles", step.title_template)
    return None if text is None else filler.rendered(first_upper(text))


def step_reason(step: WorkupStep, wording: WorkupWording) -> Optional[Rendered]:
    """The step's reason: tests already done first, then each reason template as a sentence. None when a
    template is missing (the line is then left out of the answer)."""
    filler = Filler(WORKUP, wording, step.values)
    sentences = [done_words(step.tests_done)] if step.tests_done else []
    for template_id in step.reason_templates:
        text = filler.fill("reasons", template_id)
        if text is None:
            return None
        sentences.append(first_upper(text))
    return filler.rendered(" ".join(sentences))


def flag_words(flag: Flag, wording: WorkupWording) -> Optional[Rendered]:
    filler = Filler(WORKUP, wording, flag.values)
    text = filler.fill("flags", flag.code)
    return None if text is None else filler.rendered(first_upper(text))


def wording_template(wording: WorkupWording, key: str) -> Template:
    """The template a key names ('reasons.workup.fdg_pet.g3')."""
    kind, _, template_id = key.partition(".")
    return wording.table(kind)[template_id]
