"""Fixed tables for answers: question titles, follow-ups, the questions asked for missing inputs,
and which knowledge statement backs each computed rule.

Everything here is either boilerplate (titles, questions to the user) or a pointer into the
knowledge base; no clinical claim lives in this file.
"""

from __future__ import annotations

import re
from typing import Dict, Optional, Tuple

from bot.knowledge import KNOWLEDGE_TOPICS
from bot.topics import G3_VS_NEC, HOW_COMMON, PPI_WORDS

COMPUTED_TOPICS: Tuple[str, ...] = ("grade", "stage", "workup")
ANSWERABLE_TOPICS: Tuple[str, ...] = COMPUTED_TOPICS + KNOWLEDGE_TOPICS

# The question an answer answers, shown as its title.
QUESTION_OF_TOPIC: Dict[str, str] = {
    "grade": "What is the WHO grade of this tumour?",
    "stage": "What is the AJCC stage of this tumour?",
    "workup": "What is the next workup for this NET?",
    "net_cup": "What is a NET of unknown primary?",
    "definitions": "What separates NET, NEC and MiNEN?",
    "grading_gep": "How are digestive NENs graded (WHO 2019)?",
    "grading_lung": "How are lung and thymic carcinoids classified?",
    "staging": "How are NETs staged (AJCC 8th edition)?",
    "staging_unknown_primary": "How is a NET of unknown primary staged?",
    "imaging_cross_sectional": "Which CT or MRI is used for NETs?",
    "sstr_pet": "What does SSTR PET add for a NET of unknown primary?",
    "fdg_pet": "When is FDG PET useful in NENs?",
    "srs_octreoscan": "Is OctreoScan still used?",
    "labs_cga": "How useful is chromogranin A, and what interferes with it?",
    "labs_5hiaa": "How is urinary 5-HIAA measured and prepared for?",
    "labs_hormones": "Which hormone tests fit which syndrome?",
    "ihc_differentiation": "Which stains confirm a neuroendocrine tumour and its grade?",
    "ihc_site_of_origin": "Which IHC markers suggest the primary site?",
    "molecular_classifier": "Can a molecular test find the primary site?",
    "endoscopy": "Which endoscopy helps find the primary?",
    "surgery_exploration": "Does surgical exploration find the primary?",
    "surgery_debulking": "Does debulking (cytoreduction) help?",
    "treatment_well_differentiated": "Which treatments exist for well-differentiated NETs?",
    "treatment_net_g3": "How is NET G3 treated?",
    "treatment_nec": "How is neuroendocrine carcinoma (NEC) treated?",
    "prognosis": "What is the outlook for a NET of unknown primary?",
    "germline": "Who should have germline (inherited) testing?",
    "follow_up": "How are NETs followed up?",
    "editorial": "How is this content written and reviewed?",
}

# Titles above worded for a NET of unknown primary: the title when the primary site is known.
QUESTION_OF_TOPIC_KNOWN_PRIMARY: Dict[str, str] = {
    "prognosis": "What is the outlook for this NET?",
    "sstr_pet": "What does SSTR PET add?",
}

# Short labels for "what I can answer" lists.
TOPIC_LABELS: Dict[str, str] = {
    "grade": "grading a tumour from Ki-67 and mitoses",
    "stage": "AJCC 8 staging",
    "workup": "the workup to find the primary",
    "net_cup": "what NET of unknown primary is",
    "definitions": "NET vs NEC vs MiNEN",
    "grading_gep": "WHO 2019 grading rules",
    "grading_lung": "lung carcinoid criteria",
    "staging": "AJCC 8 NET chapters",
    "staging_unknown_primary": "staging without a known primary",
    "imaging_cross_sectional": "CT and MRI",
    "sstr_pet": "SSTR PET",
    "fdg_pet": "FDG PET",
    "srs_octreoscan": "OctreoScan",
    "labs_cga": "chromogranin A",
    "labs_5hiaa": "urinary 5-HIAA",
    "labs_hormones": "hormone tests",
    "ihc_differentiation": "NE differentiation stains",
    "ihc_site_of_origin": "site-of-origin IHC",
    "molecular_classifier": "molecular classifiers",
    "endoscopy": "endoscopy",
    "surgery_exploration": "surgical exploration",
    "surgery_debulking": "cytoreduction",
    "treatment_well_differentiated": "treatment of well-differentiated NETs",
    "treatment_net_g3": "NET G3 treatment",
    "treatment_nec": "NEC treatment",
    "prognosis": "prognosis",
    "germline": "germline testing",
    "follow_up": "follow-up",
    "editorial": "how content is reviewed",
}

# Follow-up questions the assistant can answer, by the topic they lead to. The wording is chosen
# so that the NLU maps each back to that topic (see bot/topics.py keyword tables).
FOLLOW_UP_QUESTION: Dict[str, str] = {
    "stage": "How is a NET of unknown primary staged?",
    "workup": "What is the workup for a NET of unknown primary?",
    "grading_gep": "How is a NET graded from Ki-67 and mitoses?",
    "grading_lung": "How are lung carcinoids classified?",
    "definitions": "What is the difference between NET G3 and NEC?",
    "sstr_pet": "How often does SSTR PET find the primary?",
    "fdg_pet": "When is FDG PET useful?",
    "srs_octreoscan": "Is OctreoScan still used?",
    "labs_cga": "Which drugs interfere with chromogranin A?",
    "labs_5hiaa": "How do I prepare for a urine 5-HIAA test?",
    "labs_hormones": "Which hormone tests fit the syndrome?",
    "ihc_site_of_origin": "Which IHC markers suggest the primary site?",
    "molecular_classifier": "Can a molecular classifier find the primary?",
    "endoscopy": "Which endoscopy helps find the primary?",
    "surgery_exploration": "Does surgery help find the primary?",
    "surgery_debulking": "Does debulking improve survival?",
    "treatment_well_differentiated": "What treatments exist for well-differentiated NETs?",
    "treatment_net_g3": "How is NET G3 treated?",
    "treatment_nec": "What is the first-line treatment for NEC?",
    "prognosis": "What is the prognosis of a NET of unknown primary?",
    "germline": "Who should have germline testing?",
    "editorial": "How is this content reviewed?",
    "net_cup": "What is a NET of unknown primary?",
}

# Follow-up questions above worded for a NET of unknown primary, reworded for a known primary (each is a
# button text, trained in data/nlu/buttons.yml under the intent of its topic).
FOLLOW_UP_QUESTION_KNOWN_PRIMARY: Dict[str, str] = {
    "workup": "What are the next steps in the workup?",
}

# Follow-up questions worded for a NET of unknown primary: not offered when the primary is known
# (the workup one is reworded by FOLLOW_UP_QUESTION_KNOWN_PRIMARY).
UNKNOWN_PRIMARY_FOLLOW_UPS = frozenset({
    "stage", "sstr_pet", "ihc_site_of_origin", "molecular_classifier", "endoscopy",
    "surgery_exploration", "prognosis", "net_cup",
})

# Which follow-ups to offer, by topic or by "<computed topic>:<result kind>". The first entries
# that the knowledge base can answer (and that are not the current topic) are used, at most 3.
FOLLOW_UPS: Dict[str, Tuple[str, ...]] = {
    "grade:well": ("stage", "workup", "treatment_well_differentiated"),
    "grade:g3": ("definitions", "treatment_net_g3", "fdg_pet"),
    "grade:nec": ("treatment_nec", "fdg_pet", "prognosis"),
    "grade:lung": ("grading_lung", "workup", "stage"),
    "grade:none": ("grading_gep", "definitions", "workup"),
    "stage:cup": ("workup", "sstr_pet", "prognosis"),
    "stage:site": ("workup", "treatment_well_differentiated", "prognosis"),
    "stage:not_staged": ("definitions", "treatment_nec", "workup"),
    "workup:nec": ("treatment_nec", "fdg_pet", "prognosis"),
    "workup:g3": ("treatment_net_g3", "fdg_pet", "definitions"),
    "workup:well": ("sstr_pet", "ihc_site_of_origin", "surgery_exploration"),
    "net_cup": ("workup", "sstr_pet", "prognosis"),
    "definitions": ("grading_gep", "treatment_nec", "treatment_net_g3"),
    "grading_gep": ("definitions", "stage", "workup"),
    "grading_lung": ("grading_gep", "stage", "workup"),
    "staging": ("stage", "workup", "prognosis"),
    "staging_unknown_primary": ("workup", "sstr_pet", "prognosis"),
    "imaging_cross_sectional": ("sstr_pet", "fdg_pet", "endoscopy"),
    "sstr_pet": ("fdg_pet", "srs_octreoscan", "ihc_site_of_origin"),
    "fdg_pet": ("sstr_pet", "treatment_nec", "prognosis"),
    "srs_octreoscan": ("sstr_pet", "fdg_pet", "workup"),
    "labs_cga": ("labs_5hiaa", "labs_hormones", "workup"),
    "labs_5hiaa": ("labs_cga", "labs_hormones", "workup"),
    "labs_hormones": ("labs_cga", "germline", "workup"),
    "ihc_differentiation": ("ihc_site_of_origin", "grading_gep", "definitions"),
    "ihc_site_of_origin": ("molecular_classifier", "sstr_pet", "endoscopy"),
    "molecular_classifier": ("ihc_site_of_origin", "sstr_pet", "workup"),
    "endoscopy": ("surgery_exploration", "sstr_pet", "workup"),
    "surgery_exploration": ("surgery_debulking", "endoscopy", "prognosis"),
    "surgery_debulking": ("treatment_well_differentiated", "surgery_exploration", "prognosis"),
    "treatment_well_differentiated": ("sstr_pet", "surgery_debulking", "prognosis"),
    "treatment_net_g3": ("definitions", "treatment_nec", "fdg_pet"),
    "treatment_nec": ("fdg_pet", "prognosis", "definitions"),
    "prognosis": ("workup", "treatment_well_differentiated", "fdg_pet"),
    "germline": ("labs_hormones", "workup", "net_cup"),
    "follow_up": ("prognosis", "workup", "net_cup"),
    "editorial": ("net_cup", "workup", "grading_gep"),
}
MAX_FOLLOW_UPS = 3

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


# Which statement backs a computed rule: the topic to look in and words the statement must
# contain. Matched by rule-id prefix, longest prefix first. The topic None means "use the topic
# the computing module names" (grading.GRADING_RULES).
RuleLink = Tuple[Optional[str], Tuple[str, ...]]
RULE_LINKS: Dict[str, RuleLink] = {
    # grading (topics come from bot.grading.GRADING_RULES)
    "WHO2019-UNITS": (None, ("hpf",)),
    "WHO2019-GEP-SCOPE": (None, ("ki-67", "mito")),
    "WHO2019-GEP-KI67": (None, ("ki-67", "20")),
    "WHO2019-GEP-MITOSES": (None, ("mito", "2 mm")),
    "WHO2019-GEP-HIGHER-WINS": (None, ("higher",)),
    "WHO2019-GEP-NET": (None, ("ki-67", "mito")),
    "WHO2019-NOT-GRADABLE": (None, ("ki-67", "mito")),
    "WHO2019-G3-MORPHOLOGY": (None, ("net g3",)),
    "WHO2019-NEC-NOT-GRADED": (None, ("nec", "grade")),
    "WHO2021-LUNG-KI67-NOT-USED": (None, ("ki-67",)),
    "WHO2021-LUNG-TC": (None, ("typical",)),
    "WHO2021-LUNG-AC": (None, ("atypical",)),
    "WHO2021-LUNG-HIGH-GRADE": (None, ("10",)),
    "WHO2021-LUNG": (None, ("mito", "necrosis")),
    # staging
    "AJCC8-NEC-NOT-STAGED": ("staging", ("well-differentiated",)),
    "LUNG-TNM": ("staging", ("lung",)),
    "THYMUS-NOT-GEP": ("staging", ()),
    "AJCC8-SITE-NEEDED": ("staging", ()),
    "AJCC8-CUP-M0": ("staging_unknown_primary", ("m0",)),
    "AJCC8-CUP": ("staging_unknown_primary", ("tx",)),
    "AJCC8-M": ("staging", ("m1",)),
    "AJCC8": ("staging", ()),
}

# Flags: the topic and words of the statement that backs the caveat.
FLAG_LINKS: Dict[str, RuleLink] = {
    "discordant_indices": ("grading_gep", ("higher",)),
    "near_cutoff": ("grading_gep", ("review",)),
    "few_cells": ("grading_gep", ("500",)),
    "single_index": ("grading_gep", ("higher",)),
    "hpf_units": ("grading_gep", ("hpf",)),
    "lung_ki67_ignored": ("grading_lung", ("ki-67",)),
    "nec_discordant": ("definitions", ("ki-67",)),
    "lung_boundary_10": ("grading_lung", ("10",)),
    "site_unknown_m1": ("staging_unknown_primary", ("m1",)),
    "differentiation_not_given": ("staging", ("well-differentiated",)),
    "primary_known": ("workup", ()),
    "octreoscan_superseded": ("srs_octreoscan", ()),
    "sstr_negative_well_differentiated": ("sstr_pet", ()),
    "g3_morphology_needed": ("definitions", ("net g3",)),
    "nec_ihc_caveat": ("ihc_site_of_origin", ("pax8",)),
    "grade_provisional": ("grading_gep", ("higher",)),
    "ihc_mixed": ("ihc_site_of_origin", ()),
}
# Flags that only restate review status: shown through the banner, not as caveats.
REVIEW_FLAGS = frozenset({"under_review"})


def rule_link(rule_id: str) -> Optional[RuleLink]:
    for prefix in sorted(RULE_LINKS, key=len, reverse=True):
        if rule_id.startswith(prefix):
            return RULE_LINKS[prefix]
    return None


# Statements named explicitly for a rule id or flag code: every one that exists and fits the case
# is cited; when none does, the RULE_LINKS / FLAG_LINKS search above is used instead.
RULE_STATEMENTS: Dict[str, Tuple[str, ...]] = {
    "WHO2019-GEP-SCOPE": ("grading_gep.who2019_table",),
    "WHO2019-GEP-KI67": ("grading_gep.who2019_table",),
    "WHO2019-GEP-MITOSES": ("grading_gep.who2019_table",),
    "WHO2019-GEP-HIGHER-WINS": ("grading_gep.higher_grade_wins",),
    "WHO2019-GEP-NET": ("grading_gep.who2019_table",),
    "WHO2019-NOT-GRADABLE": ("grading_gep.who2019_table",),
    "WHO2019-UNITS-10HPF": ("grading_gep.mitoses_per_2mm2",),
    "WHO2019-UNITS-50HPF": ("grading_gep.mitoses_per_2mm2",),
    "WHO2019-G3-MORPHOLOGY": ("definitions.differentiation_decides_net_g3_vs_nec",),
    "WHO2019-NEC-NOT-GRADED": ("definitions.nec_not_graded",),
    "WHO2021-LUNG-SCOPE": ("grading_lung.who_criteria", "grading_lung.who2021_unchanged"),
    "WHO2021-LUNG-KI67-NOT-USED": ("grading_lung.ki67_not_used",),
    "WHO2021-LUNG-TC": ("grading_lung.who_criteria",),
    "WHO2021-LUNG-AC": ("grading_lung.who_criteria",),
    "WHO2021-LUNG-HIGH-GRADE": ("grading_lung.who_criteria",),
    "WHO2021-LUNG-NECROSIS-UNKNOWN": ("grading_lung.who_criteria",),
    "WHO2021-LUNG-NOT-GRADABLE": ("grading_lung.who_criteria",),
    "AJCC8-NEC-NOT-STAGED": ("staging.scope_well_differentiated_only",),
    "LUNG-TNM": ("staging.lung_uses_lung_tnm",),
    "AJCC8-CUP-TX": ("staging_unknown_primary.tx_t0",),
    "AJCC8-CUP-M0-NO-GROUP": ("staging_unknown_primary.m0_nodal_only_no_group",),
    "AJCC8-M0": ("staging.m_categories",),
    "AJCC8-M1A": ("staging.m_categories",),
    "AJCC8-M1B": ("staging.m_categories",),
    "AJCC8-M1C": ("staging.m_categories",),
    "AJCC8-M-UNKNOWN": ("staging.m_categories",),
    "AJCC8-M1-STAGE-IV": ("staging_unknown_primary.any_m1_is_stage_iv",),
    "AJCC8-SITE-NEEDED": ("staging.scope_well_differentiated_only",),
}
FLAG_STATEMENTS: Dict[str, Tuple[str, ...]] = {
    "discordant_indices": ("grading_gep.higher_grade_wins",),
    "single_index": ("grading_gep.higher_grade_wins",),
    "grade_provisional": ("grading_gep.higher_grade_wins",),
    "near_cutoff": ("grading_gep.ki67_500_cells_hotspot", "grading_gep.reproducibility_near_cutoffs"),
    "near_cutoff:mitoses": ("grading_gep.mitoses_per_2mm2", "grading_gep.reproducibility_near_cutoffs"),
    "few_cells": ("grading_gep.ki67_500_cells_hotspot",),
    "hpf_units": ("grading_gep.mitoses_per_2mm2", "grading_gep.hpf_size_varies"),
    "lung_ki67_ignored": ("grading_lung.ki67_not_used",),
    "nec_discordant": ("definitions.differentiation_decides_net_g3_vs_nec", "grading_gep.poorly_differentiated_low_ki67_rule"),
    "lung_boundary_10": ("grading_lung.boundary_at_10_mitoses",),
    "site_unknown_m1": ("staging_unknown_primary.any_m1_is_stage_iv",),
    "n1_assumes_no_mesenteric_mass": ("staging.jejunum_ileum",),
    "differentiation_not_given": ("staging.scope_well_differentiated_only",),
    "g3_morphology_needed": ("definitions.differentiation_decides_net_g3_vs_nec",),
}


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
    (r"\bprrt\b|lutetium|177.?lu|lu.?177|lutathera|radioligand|radionuclide therap|peptide receptor|netter",
     ("treatment_well_differentiated.netter1", "treatment_well_differentiated.prrt_rotterdam_cohort")),
    # a named drug or trial leads with its trial; a pancreatic chemotherapy question before everolimus
    (r"captem|capecitabine|temozolomide|\bcap.?tem\b|e2211", ("treatment_well_differentiated.e2211_captem",)),
    (r"everolimus|afinitor|\bmtor\b|radiant", ("treatment_well_differentiated.radiant4",)),
    (r"carcinoid syndrome|flushing|\bflush", ("treatment_well_differentiated.lanreotide_label",)),
    (r"clarinet|lanreotide|octreotide|\bssas?\b|somatostatin analog", (
        "treatment_well_differentiated.clarinet", "treatment_well_differentiated.ssa_pfs_by_ki67",
        "treatment_well_differentiated.lanreotide_label")),
    (r"\blung\b|bronch|pulmonary|thym", ("treatment_well_differentiated.radiant4",)),
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
    (r"(gastric|stomach)[^?]{0,120}(\btype\b|atroph|gastrin|\becl\b|polyp|zollinger|\bzes\b)|"
     r"\btype\s*(1|2|3|i{1,3})\b[^.?]{0,30}(gastric|stomach)",
     _TREATMENT_TOPICS + ("definitions", "net_cup", "grading_gep"),
     "gastric NET subtypes (type 1, 2 or 3) or their management", False),
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
