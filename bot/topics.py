"""Which knowledge topic (or computation) answers a message, from its intent, its words and the case."""

from __future__ import annotations

import re
from typing import Optional, Sequence, Tuple

from bot.models import Case, Differentiation

# Intents that always mean one topic or computation.
TOPIC_OF_INTENT = {
    "ask_grade": "grade",
    "ask_stage": "stage",
    "ask_workup": "workup",
    "ask_prognosis": "prognosis",
    "ask_molecular": "molecular_classifier",
    "ask_germline": "germline",
    "ask_follow_up": "follow_up",
    "ask_review_process": "editorial",
}

# Intents whose topic depends on the words used: (pattern, topic) in order, then a default.
KeywordTable = Tuple[Sequence[Tuple[str, str]], str]
TOPIC_BY_KEYWORDS: dict[str, KeywordTable] = {
    "ask_imaging": (
        [
            (r"\bfdg\b|fluorodeoxy|glucose pet|netpet|dual.?tracer", "fdg_pet"),
            (r"octreo|\bsrs\b|scintigra|pentetreotide|111.?in|spect", "srs_octreoscan"),
            (r"sstr|dota|gallium|ga.?68|68.?ga|cu.?64|64.?cu|netspot|detectnet|somatostatin receptor|\bpet\b", "sstr_pet"),
            (r"\bct\b|\bmri\b|cross.?sectional|multi.?phas|contrast|scan", "imaging_cross_sectional"),
        ],
        "sstr_pet",
    ),
    "ask_labs": (
        [
            (r"5.?hiaa|hiaa|urin|serotonin|hydroxyindole", "labs_5hiaa"),
            (r"insulin|gastrin|glucagon|\bvip\b|hormone|acth|cortisol|somatostatin|c.?peptide|pthrp|calcitonin", "labs_hormones"),
            (r"chromogranin|\bcga\b|\bppi\b|proton|omeprazole|pantoprazole|nse\b", "labs_cga"),
        ],
        "labs_cga",
    ),
    "ask_ihc": (
        [
            (r"synaptophysin|insm1|confirm.*neuroendocrine|differentiation marker", "ihc_differentiation"),
        ],
        "ihc_site_of_origin",
    ),
    "ask_definition": (
        [
            (r"minen|manec|mixed", "definitions"),
            (r"\bnec\b|carcinoma|differentiat|\bvs\.?\b|versus|difference", "definitions"),
            (r"ki.?67|mitos|grade|grading", "grading_gep"),
            (r"cup|unknown primary|occult|no primary", "net_cup"),
        ],
        "net_cup",
    ),
    "ask_surgery": (
        [(r"debulk|cytoreduc|hepatectom|liver resection|resect.*liver|metastasectomy", "surgery_debulking")],
        "surgery_exploration",
    ),
    "ask_treatment": (
        [
            (r"platin|etoposide|irinotecan|folfiri|\bnec\b|small.?cell|large.?cell|poorly", "treatment_nec"),
            (r"\bg3\b|grade 3", "treatment_net_g3"),
        ],
        "treatment_well_differentiated",
    ),
}


def topic_for(intent: str, text: str, case: Optional[Case] = None) -> Optional[str]:
    """The knowledge topic or computation ('grade', 'stage', 'workup') for a question, or None."""
    if intent in TOPIC_OF_INTENT:
        return TOPIC_OF_INTENT[intent]
    if intent == "ask_treatment" and case is not None:
        # the computed case decides the treatment family unless the words name one
        topic = _by_keywords(intent, text)
        if topic == "treatment_well_differentiated":
            if case.differentiation == Differentiation.poorly:
                return "treatment_nec"
            if case.ki67_percent is not None and case.ki67_percent > 20 and case.differentiation == Differentiation.well:
                return "treatment_net_g3"
        return topic
    if intent in TOPIC_BY_KEYWORDS:
        return _by_keywords(intent, text)
    return None


def _by_keywords(intent: str, text: str) -> str:
    patterns, default = TOPIC_BY_KEYWORDS[intent]
    lowered = text.lower()
    for pattern, topic in patterns:
        if re.search(pattern, lowered):
            return topic
    return default
