"""Fixed tables for answers: question titles, follow-ups, the questions asked for missing inputs,
and which knowledge statement backs each computed rule.

Everything here is either boilerplate (titles, questions to the user) or a pointer into the
knowledge base; no clinical claim lives in this file.
"""

from __future__ import annotations

import re
from typing import Dict, Optional, Tuple

from bot.topic_registry import load_registry
from bot.topics import G3_VS_NEC, HOW_COMMON, PPI_WORDS

# The topic tables, from the one topic registry (knowledge/topics.yml, read by bot/topic_registry.py).
_REGISTRY = load_registry()
COMPUTED_TOPICS: Tuple[str, ...] = _REGISTRY.computed_topics
ANSWERABLE_TOPICS: Tuple[str, ...] = _REGISTRY.answerable_topics

# The question an answer answers, shown as its title; and the title when the primary site is known.
QUESTION_OF_TOPIC: Dict[str, str] = {t.id: t.question for t in _REGISTRY.topics}
QUESTION_OF_TOPIC_KNOWN_PRIMARY: Dict[str, str] = {
    t.id: t.question_known_primary for t in _REGISTRY.topics if t.question_known_primary}

# Short labels for "what I can answer" lists.
TOPIC_LABELS: Dict[str, str] = {t.id: t.label for t in _REGISTRY.topics}

# Follow-up buttons, by the topic they lead to (each text is trained under its intent, data/nlu/buttons.yml),
# their wording for a known primary, and the ones worded for an unknown primary only.
FOLLOW_UP_QUESTION: Dict[str, str] = {t.id: t.button.question for t in _REGISTRY.topics if t.button}
FOLLOW_UP_QUESTION_KNOWN_PRIMARY: Dict[str, str] = {
    t.id: t.button.question_known_primary for t in _REGISTRY.topics if t.button and t.button.question_known_primary}
UNKNOWN_PRIMARY_FOLLOW_UPS = frozenset(t.id for t in _REGISTRY.topics if t.button and t.button.unknown_primary_only)

# Which follow-ups to offer, by topic or by "<computed topic>:<result kind>". The first entries
# that the knowledge base can answer (and that are not the current topic) are used, at most 3.
FOLLOW_UPS: Dict[str, Tuple[str, ...]] = {
    **{key: tuple(topics) for key, topics in _REGISTRY.follow_ups_after_result.items()},
    **{t.id: tuple(t.follow_ups) for t in _REGISTRY.topics if t.follow_ups},
}
MAX_FOLLOW_UPS = 3

# The review line of every answer: how many statements used have each review status (bot/models.ReviewStatus).
REVIEW_WORDS: Dict[str, str] = {
    "approved": "approved by a clinical reviewer",
    "source_checked": "source-checked by the NETguide team",
    "under_review": "under review",
    "submitted": "submitted, not yet reviewed",
}
NO_CLINICAL_REVIEWER = "not yet approved by a clinical reviewer"

# The question to ask for each missing Case field (field names as grading/staging/workup list them).
NEED_QUESTION: Dict[str, str] = {
    "site": "Where is the primary tumour, or is it unknown?",
    "differentiation": "Is the tumour well or poorly differentiated on morphology?",
    "ki67_percent": "What is the Ki-67 index (%)?",
    "mitoses": "What is the mitotic count per 2 mm²?",
    "necrosis": "Is necrosis present or absent?",
    "cells_counted": "How many tumour cells were counted for Ki-67?",
    "tumour_size_cm": "What is the tumour size in cm?",
    "invasion": "How deep does the tumour invade (e.g. submucosa, muscularis propria, serosa)?",
    "nodes_positive": "Are regional lymph nodes involved?",
    "positive_node_count": "How many regional lymph nodes are positive?",
    "bulky_mesenteric_mass": "Is there a mesenteric mass larger than 2 cm?",
    "metastatic_sites": "Are there distant metastases, and where (liver, bone, lung, peritoneum)?",
    "functional_syndrome": "Is there a hormone syndrome (for example carcinoid syndrome)?",
    "ihc": "Which site-of-origin stains were done (CDX2, TTF-1, ISL1, PAX8/PAX6, SATB2), and what were the results?",
}


# The depth-of-invasion question in each chapter's own terms (AJCC 8 T definitions).
INVASION_QUESTION_BY_SITE = {
    "pancreas": "Is the tumour limited to the pancreas, or does it invade the duodenum or bile duct, "
                "or adjacent organs or the wall of large vessels?",
    "ampulla": "Is the tumour confined within the sphincter of Oddi, or does it invade the duodenal wall, "
               "the pancreas, or the serosa or other organs?",
    "appendix": "Is the tumour confined to the appendix wall, or does it reach the subserosa or mesoappendix, "
                "or perforate the peritoneum or invade other organs?",
}


def need_question(field: str, site: Optional[str] = None) -> str:
    if field == "invasion" and site in INVASION_QUESTION_BY_SITE:
        return INVASION_QUESTION_BY_SITE[site]
    return NEED_QUESTION.get(field, f"Can you give the {field.replace('_', ' ')}?")


# Flags that only restate review status: shown through the banner, not as caveats.
REVIEW_FLAGS = frozenset({"under_review"})


# Grading and staging rules, flags and trace lines are cited from knowledge/computed/grading.yml and staging.yml
# (one explicit table per code, checked by `kb check`; bot/result_wording.py), the workup from workup.yml.


# Words of the question -> the statements that answer it, most direct first. Within the topic being
# answered, these lead the answer and come first within their tier's bullet cap, so a capped answer
# keeps the sentence the question asked for. They are shown even when the recorded case falls outside
# their applies_to: the question itself names what they are about (e.g. NET G3 while the case is a
# NEC). Statements of other topics are never pulled in. Patterns are matched on the lowercased question.
_PPI = PPI_WORDS
QUESTION_CUES: Tuple[Tuple[str, Tuple[str, ...]], ...] = (
    # "stop ppi? how long?": the washout first
    (rf"(how long|wash.?out|\bstop|discontinu|\bhold)[^.]{{0,40}}({_PPI})|({_PPI})[^.]{{0,40}}(how long|wash.?out|\bstop|discontinu|\bhold)",
     ("labs_cga.ppi_two_week_washout", "labs_cga.h2ra_substitution_conflict")),
    (_PPI, ("labs_cga.pdq_sensitive_not_specific", "labs_cga.ppi_two_week_washout",
            "labs_cga.h2ra_substitution_conflict")),
    # (trials and drugs are not listed here: bot/ranking.py finds the statements on the trial a question names)
    (r"debulk|cytoreduc|hepatectom|liver resection|resect\w* .{0,20}liver",
     ("surgery_debulking.guidance_individualised", "surgery_debulking.retrospective_series")),
    # both tracers named: the dual-tracer (NETPET) outcome figures
    (r"(ga.?68|dotatate|dotatoc|sstr|octreo).{0,40}\bfdg|\bfdg.{0,40}(ga.?68|dotatate|dotatoc|sstr)|netpet|dual.?tracer",
     ("fdg_pet.netpet_score",)),
    # a stain named in the question leads with what that stain shows (most specific stains first)
    (r"satb.?2", ("ihc_site_of_origin.satb2",)),
    (r"pax.?8", ("ihc_site_of_origin.pax8_rates", "ihc_site_of_origin.pax8_cross_reactivity")),
    (r"pax.?6", ("ihc_site_of_origin.pax6",)),
    (r"cdx.?2|ttf.?1|\bisl.?1|islet.?1|nkx.?2|pdx.?1", ("ihc_site_of_origin.cdx2_isl1_ttf1_liver_metastases",)),
    (r"ttf.?1", ("ihc_site_of_origin.ttf1_small_cell_caveat",)),
    (r"\bck.?(7|20)\b|cytokeratin", ("ihc_site_of_origin.panel",)),
    (G3_VS_NEC,
     ("treatment_net_g3.scarce_data", "treatment_net_g3.differs_from_nec",
      "definitions.differentiation_decides_net_g3_vs_nec", "treatment_net_g3.guideline_scope")),
    # how often the primary stays unknown after a workup, before how often NETs present without one
    (r"(how often|how many|proportion|percent|chance|likel).{0,40}(\bfound|\bfind|locali[sz]|detect|identif|"
     r"stays? unknown|remains?|never)",
     ("net_cup.presentation_rate_is_not_residual_rate",)),
    (HOW_COMMON,
     ("net_cup.share_of_all_nets", "net_cup.share_of_metastatic_nens")),
)


def question_statement_ids(question: str) -> Tuple[str, ...]:
    """The statements that answer a question's words, in QUESTION_CUES order, without repeats."""
    lowered = (question or "").lower()
    ids: Dict[str, None] = {}
    for pattern, statement_ids in QUESTION_CUES:
        if re.search(pattern, lowered):
            ids.update(dict.fromkeys(statement_ids))
    return tuple(ids)


# Questions the reviewed statements do not answer, in the topics where a clinician asks them: (pattern on the
# lowercased question, topics, what is not covered, whether the topic's statements follow as related facts).
# The answer says the gap first instead of leading with a statement about something else (the lanreotide
# label is not an answer to an adjuvant question). Wording only: no clinical claim.
_TREATMENT_TOPICS = ("treatment_well_differentiated", "treatment_net_g3", "treatment_nec",
                     "surgery_exploration", "surgery_debulking", "follow_up")
NOT_COVERED_QUESTIONS: Tuple[Tuple[str, Tuple[str, ...], str, bool], ...] = (
    (r"\bmen.?(1|i)\b|multiple endocrine neoplasia", _TREATMENT_TOPICS,
     "the management of NETs in MEN1 or other inherited syndromes", False),
    (r"adjuvant|after (an? )?(resection|surgery)[^.?]{0,40}(treat|therap|chemo|ssa|lanreotide|octreotide)",
     _TREATMENT_TOPICS,
     "adjuvant (or neoadjuvant) treatment around surgery", False),
    (r"\b(\d+|one|two|three|five|ten)[\s-]*(yrs?|years?)\b[^.?]{0,20}(surviv|\bos\b)|"
     r"surviv\w*\s+(rate|at \d+|after \d+)",
     ("prognosis",),
     "a survival rate at a fixed time (such as 5-year survival) by stage or site", True),
)


def not_covered_question(question: str, topic: str) -> Optional[Tuple[str, bool]]:
    """(what is not covered, whether related statements follow) when the question asks, within this topic,
    for something no reviewed statement answers; None otherwise."""
    lowered = (question or "").lower()
    for pattern, topics, what, related in NOT_COVERED_QUESTIONS:
        if topic in topics and re.search(pattern, lowered):
            return what, related
    return None
