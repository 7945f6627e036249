"""NET-CUP workup pathway and treatment direction (clinical_facts.md sections 4, 5, 8).

Most tables pass an explicit GradeResult so that they test the workup rules alone; the
tests at the end let plan_workup call the real grading engine.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.models import (
    Case,
    Differentiation,
    GradeResult,
    IhcMarker,
    IhcResult,
    ReviewStatus,
    Site,
    Syndrome,
    TestDone,
    TestKind,
    TestOutcome,
)
from bot.workup import (
    FLAG_TEMPLATES,
    PHRASE_FIELDS,
    PHRASE_TEMPLATES,
    REASON_TEMPLATES,
    REVIEW_FLAG,
    STEP_CATALOGUE,
    TITLE_TEMPLATES,
    TREATMENT_CATALOGUE,
    plan_workup,
)

R, C, D = "recommended", "consider", "done"

TOPICS = {
    "net_cup", "definitions", "grading_gep", "grading_lung", "staging", "staging_unknown_primary", "workup",
    "imaging_cross_sectional", "sstr_pet", "fdg_pet", "srs_octreoscan", "labs_cga", "labs_5hiaa",
    "labs_hormones", "ihc_differentiation", "ihc_site_of_origin", "molecular_classifier", "endoscopy",
    "surgery_exploration", "surgery_debulking", "treatment_well_differentiated", "treatment_net_g3",
    "treatment_nec", "prognosis", "germline", "follow_up", "editorial",
}


# -- builders -----------------------------------------------------------------


def grade(label: str) -> GradeResult:
    """A grading result as bot.grading would give it: 'G1', 'G2', 'G3', 'NEC', 'G3?' (morphology needed)."""
    category, g = {
        "G1": ("NET G1", "G1"),
        "G2": ("NET G2", "G2"),
        "G3": ("NET G3", "G3"),
        "NEC": ("NEC", None),
        "G3?": ("G3 NEN (morphology needed to separate NET G3 from NEC)", "G3"),
        "none": ("not gradable", None),
    }[label]
    return GradeResult(category=category, grade=g, system="WHO 2019 digestive", edition="5th")


def done(*specs: str) -> List[TestDone]:
    """'sstr_pet:negative' -> TestDone."""
    out = []
    for spec in specs:
        kind, _, outcome = spec.partition(":")
        out.append(TestDone(test=TestKind(kind), outcome=TestOutcome(outcome or "done")))
    return out


def ihc(*specs: str) -> List[IhcResult]:
    """'cdx2+' / 'ttf1-' -> IhcResult."""
    return [IhcResult(marker=IhcMarker(s[:-1]), positive=s.endswith("+")) for s in specs]


def cup(diff: Optional[str] = "well", ki67: Optional[float] = None, **kw) -> Case:
    """A NET of unknown primary with liver metastases."""
    return Case(site=Site.unknown, differentiation=diff, ki67_percent=ki67, metastatic_sites=["liver"], **kw)


def steps_of(result) -> List[Tuple[str, str]]:
    return [(s.id, s.status) for s in result.steps]


def tx_of(result) -> List[Tuple[str, str]]:
    return [(s.id, s.status) for s in result.treatment_direction]


def step(result, step_id: str):
    matches = [s for s in result.steps + result.treatment_direction if s.id == step_id]
    assert matches, f"{step_id} not in {[s.id for s in result.steps + result.treatment_direction]}"
    return matches[0]


# -- full pathways: case -> ordered steps --------------------------------------

PATHWAYS = [
    pytest.param(
        cup("well", 5), grade("G2"),
        [("cross_sectional_imaging", R), ("sstr_pet", R), ("site_ihc", R), ("chromogranin_a", R),
         ("urine_5hiaa", R), ("colonoscopy", R), ("upper_endoscopy", R), ("small_bowel_endoscopy", C),
         ("family_history", R)],
        [("tx_well_differentiated", R), ("tx_ssa", C), ("tx_prrt", C), ("tx_everolimus", C),
         ("tx_cytoreduction", C)],
        id="well-differentiated G2, nothing done",
    ),
    pytest.param(
        cup("poorly", 40), grade("NEC"),
        [("cross_sectional_imaging", R), ("sstr_pet", C), ("fdg_pet", R), ("site_ihc", R),
         ("chromogranin_a", C), ("colonoscopy", C), ("upper_endoscopy", C), ("family_history", R)],
        [("tx_nec_first_line", R), ("tx_nec_second_line", C)],
        id="NEC Ki-67 40: SSTR only considered (<55%), CgA not mandatory",
    ),
    pytest.param(
        cup("poorly", 80), grade("NEC"),
        [("cross_sectional_imaging", R), ("fdg_pet", R), ("site_ihc", R), ("chromogranin_a", C),
         ("colonoscopy", C), ("upper_endoscopy", C), ("family_history", R)],
        [("tx_nec_first_line", R), ("tx_nec_second_line", C)],
        id="NEC Ki-67 80: no SSTR PET",
    ),
    pytest.param(
        cup("well", 35), grade("G3"),
        [("cross_sectional_imaging", R), ("sstr_pet", R), ("fdg_pet", R), ("site_ihc", R),
         ("chromogranin_a", R), ("urine_5hiaa", R), ("colonoscopy", R), ("upper_endoscopy", R),
         ("small_bowel_endoscopy", C), ("family_history", R)],
        [("tx_net_g3", R)],
        id="NET G3: both tracers, not treated as NEC",
    ),
    pytest.param(
        cup(None, None), grade("none"),
        [("cross_sectional_imaging", R), ("pathology_review", R), ("sstr_pet", C), ("fdg_pet", C),
         ("site_ihc", R), ("chromogranin_a", R), ("urine_5hiaa", C), ("colonoscopy", R),
         ("upper_endoscopy", R), ("family_history", R)],
        [("tx_needs_differentiation", R)],
        id="nothing known: both PETs considered",
    ),
    pytest.param(
        cup(None, 30), grade("G3?"),
        [("cross_sectional_imaging", R), ("pathology_review", R), ("sstr_pet", C), ("fdg_pet", R),
         ("site_ihc", R), ("chromogranin_a", R), ("urine_5hiaa", C), ("colonoscopy", R),
         ("upper_endoscopy", R), ("family_history", R)],
        [("tx_needs_differentiation", R)],
        id="G3 with morphology unknown",
    ),
    pytest.param(
        cup("well", 12, tests_done=done("ct:positive", "sstr_pet:negative")), grade("G2"),
        [("cross_sectional_imaging", D), ("sstr_pet", D), ("fdg_pet", C), ("site_ihc", R),
         ("chromogranin_a", R), ("urine_5hiaa", R), ("colonoscopy", R), ("upper_endoscopy", R),
         ("small_bowel_endoscopy", C), ("family_history", R), ("surgical_exploration", C)],
        [("tx_well_differentiated", R), ("tx_ssa", C), ("tx_everolimus", C), ("tx_cytoreduction", C)],
        id="SSTR negative, Ki-67 12: FDG and exploration considered, no PRRT",
    ),
    pytest.param(
        cup("well", 2, tests_done=done("octreoscan:negative")), grade("G1"),
        [("cross_sectional_imaging", R), ("sstr_pet", R), ("octreoscan", D), ("site_ihc", R),
         ("chromogranin_a", R), ("urine_5hiaa", R), ("colonoscopy", R), ("upper_endoscopy", R),
         ("small_bowel_endoscopy", C), ("family_history", R)],
        [("tx_well_differentiated", R), ("tx_ssa", C), ("tx_prrt", C), ("tx_everolimus", C),
         ("tx_cytoreduction", C)],
        id="OctreoScan only: SSTR PET still recommended",
    ),
    pytest.param(
        Case(site=Site.pancreas, differentiation="well", ki67_percent=4), grade("G2"),
        [("cross_sectional_imaging", R), ("sstr_pet", R), ("chromogranin_a", R), ("urine_5hiaa", R),
         ("family_history", R), ("genetic_risk_assessment", R)],
        [("tx_well_differentiated", R), ("tx_ssa", C), ("tx_prrt", C), ("tx_everolimus", C),
         ("tx_captem", C), ("tx_cytoreduction", C)],
        id="known pancreatic primary: no search for the primary",
    ),
]


@pytest.mark.parametrize("case, grade_result, expected_steps, expected_tx", PATHWAYS)
def test_pathway_steps_in_order(case, grade_result, expected_steps, expected_tx):
    result = plan_workup(case, grade_result)
    assert steps_of(result) == expected_steps
    assert tx_of(result) == expected_tx


# -- single rules: case -> (step, status, rule id, reason templates in order, field values it fills) --
# Compared as values: the words are templates in knowledge/computed/workup.yml (tests/core/test_workup_wording.py).

RULES = [
    # imaging
    (cup("well", 5), "G2", "cross_sectional_imaging", R, "workup.imaging.cross_sectional",
     ["workup.imaging.cross_sectional"], {}),
    (cup("well", 5), "G2", "sstr_pet", R, "workup.sstr_pet.well_differentiated",
     ["workup.sstr_pet.well_differentiated.unknown_primary"], {"tumour": "tumour.net_low_grade"}),
    (cup("poorly", 40), "NEC", "sstr_pet", C, "workup.sstr_pet.nec_ki67_below_55",
     ["workup.sstr_pet.nec_ki67_below_55"], {"ki67": 40.0}),
    (cup("poorly", 40), "NEC", "fdg_pet", R, "workup.fdg_pet.nec",
     ["workup.fdg_pet.nec"], {}),
    (cup("well", 15), "G2", "fdg_pet", C, "workup.fdg_pet.ki67_10_or_more",
     ["workup.fdg_pet.ki67_10_or_more"], {"ki67": 15.0}),
    (cup("well", 12, tests_done=done("sstr_pet:negative")), "G2", "fdg_pet", C,
     "workup.fdg_pet.sstr_negative",
     ["workup.fdg_pet.sstr_negative"], {"ki67": 12.0}),
    (cup("well", 2, tests_done=done("octreoscan:positive")), "G1", "sstr_pet", R,
     "workup.sstr_pet.well_differentiated",
     ["workup.sstr_pet.well_differentiated.unknown_primary", "note.octreoscan_done_use_sstr_pet"], {"tumour": "tumour.net_low_grade"}),
    (cup(None), "none", "sstr_pet", C, "workup.sstr_pet.differentiation_unknown",
     ["workup.sstr_pet.differentiation_unknown"], {}),
    (Case(site=Site.pancreas, differentiation="well", ki67_percent=4), "G2", "sstr_pet", R,
     "workup.sstr_pet.well_differentiated",
     ["workup.sstr_pet.well_differentiated.known_primary"], {"tumour": "tumour.net_low_grade"}),
    (cup(None), "none", "fdg_pet", C, "workup.fdg_pet.differentiation_unknown",
     ["workup.fdg_pet.differentiation_unknown"], {}),
    # labs
    (cup("well", 5), "G2", "chromogranin_a", R, "workup.labs.cga",
     ["workup.labs.cga", "note.cga_ppi_and_other_causes"], {}),
    (cup("poorly", 40), "NEC", "chromogranin_a", C, "workup.labs.cga_nec",
     ["workup.labs.cga_nec", "note.cga_ppi_and_other_causes"], {}),
    (cup("well", 5), "G2", "urine_5hiaa", R, "workup.labs.5hiaa",
     ["workup.labs.5hiaa"], {"grounds": ["ground.well_differentiated"]}),
    (cup("poorly", 40, functional_syndrome="carcinoid"), "NEC", "urine_5hiaa", R, "workup.labs.5hiaa",
     ["workup.labs.5hiaa"], {"grounds": ["ground.carcinoid_syndrome"]}),
    (cup("well", 5, functional_syndrome="insulinoma"), "G2", "hormones", R, "workup.labs.hormones_by_syndrome",
     ["workup.labs.hormones_by_syndrome", "workup.labs.hormone_tests.insulinoma", "note.assay_specific_ranges"], {"syndrome": "insulinoma"}),
    (cup("well", 5, functional_syndrome="gastrinoma"), "G2", "hormones", R, "workup.labs.hormones_by_syndrome",
     ["workup.labs.hormones_by_syndrome", "workup.labs.hormone_tests.gastrinoma", "note.assay_specific_ranges"], {"syndrome": "gastrinoma"}),
    (cup("well", 5, functional_syndrome="vipoma"), "G2", "hormones", R, "workup.labs.hormones_by_syndrome",
     ["workup.labs.hormones_by_syndrome", "workup.labs.hormone_tests.vipoma", "note.assay_specific_ranges"], {"syndrome": "vipoma"}),
    (cup("well", 5, functional_syndrome="acth"), "G2", "hormones", R, "workup.labs.hormones_acth",
     ["workup.labs.hormones_by_syndrome", "workup.labs.hormone_tests.acth", "note.assay_specific_ranges", "workup.labs.hormones_acth"], {"syndrome": "acth"}),
    # pathology
    (cup(None, 5), "G2", "pathology_review", R, "workup.pathology.differentiation_unknown",
     ["workup.pathology.differentiation_unknown"], {}),
    (cup("well"), "none", "pathology_review", R, "workup.pathology.no_proliferation_index",
     ["workup.pathology.no_proliferation_index"], {}),
    # IHC
    (cup("well", 5), "G2", "site_ihc", R, "workup.site_ihc.primary_unknown",
     ["workup.site_ihc.primary_unknown"], {}),
    (cup("well", 5, ihc=ihc("cdx2+", "ttf1-", "isl1-")), "G2", "site_ihc", D, "workup.site_ihc.results_given",
     ["workup.site_ihc.results_given", "workup.site_ihc.not_reported"], {"ihc_results": ["cdx2+", "ttf1-", "isl1-"], "markers_not_reported": ["satb2", "pax8_pax6"]}),
    (cup("well", 5, tests_done=done("site_ihc:done")), "G2", "site_ihc", D, "workup.site_ihc.primary_unknown",
     ["workup.site_ihc.primary_unknown"], {}),
    # endoscopy
    (cup("well", 5), "G2", "colonoscopy", R, "workup.endoscopy.colonoscopy",
     ["workup.endoscopy.upper_and_lower"], {}),
    (cup("well", 5), "G2", "small_bowel_endoscopy", C, "workup.endoscopy.small_bowel",
     ["workup.endoscopy.small_bowel"], {"grounds": ["ground.cup_primaries_mostly_small_bowel"]}),
    (cup("well", 5, ihc=ihc("isl1+")), "G2", "eus", C, "workup.endoscopy.eus_pancreas_suspected",
     ["workup.endoscopy.eus_pancreas_suspected"], {"grounds": ["ground.ihc_points_to_pancreas"]}),
    (cup("well", 5, functional_syndrome="insulinoma"), "G2", "eus", C, "workup.endoscopy.eus_pancreas_suspected",
     ["workup.endoscopy.eus_pancreas_suspected"], {"grounds": ["ground.pancreatic_syndrome"], "syndrome": "insulinoma"}),
    # germline
    (cup("poorly", 40), "NEC", "family_history", R, "workup.germline.family_history",
     ["workup.germline.family_history"], {}),
    (cup("well", 5, ihc=ihc("pax6+")), "G2", "genetic_risk_assessment", R, "workup.germline.risk_assessment",
     ["workup.germline.risk_assessment"], {"grounds": ["ground.pancreatic_origin_suspected"]}),
    (cup("well", 5, functional_syndrome="gastrinoma"), "G2", "genetic_risk_assessment", R,
     "workup.germline.risk_assessment",
     ["workup.germline.risk_assessment"], {"grounds": ["ground.pancreatic_origin_suspected", "ground.gastrinoma_men1_suspicion"]}),
    # molecular and surgery
    (cup("well", 5, ihc=ihc("cdx2-", "ttf1-", "isl1-", "satb2-")), "G2", "molecular_classifier", C,
     "workup.molecular.ihc_inconclusive",
     ["workup.molecular.ihc_inconclusive"], {"grounds": ["ground.site_ihc_inconclusive"]}),
    (cup("well", 5, tests_done=done("site_ihc:negative")), "G2", "molecular_classifier", C,
     "workup.molecular.ihc_inconclusive",
     ["workup.molecular.ihc_inconclusive"], {"grounds": ["ground.site_ihc_negative"]}),
    (cup("well", 5, tests_done=done("sstr_pet:negative")), "G2", "surgical_exploration", C,
     "workup.surgery.exploration",
     ["workup.surgery.exploration.sstr_negative"], {}),
    (cup("well", 5, tests_done=done("sstr_pet:positive")), "G2", "surgical_exploration", C,
     "workup.surgery.exploration",
     ["workup.surgery.exploration.primary_not_localised"], {}),
    # treatment direction
    (cup("well", 5), "G2", "tx_ssa", C, "treatment.well_differentiated.ssa",
     ["treatment.well_differentiated.ssa", "note.ki67_within_clarinet"], {"ki67": 5.0}),
    (cup("well", 15), "G2", "tx_ssa", C, "treatment.well_differentiated.ssa",
     ["treatment.well_differentiated.ssa", "note.ki67_above_clarinet"], {"ki67": 15.0}),
    (cup("well", 5, functional_syndrome="carcinoid"), "G2", "tx_ssa", C, "treatment.well_differentiated.ssa",
     ["treatment.well_differentiated.ssa", "note.ki67_within_clarinet", "note.clarinet_non_functioning_only", "note.lanreotide_carcinoid_syndrome_label"], {"ki67": 5.0}),
    (cup("well", 5, tests_done=done("sstr_pet:positive")), "G2", "tx_prrt", C,
     "treatment.well_differentiated.prrt",
     ["note.sstr_pet_positive", "treatment.well_differentiated.prrt"], {}),
    (cup("well", 5), "G2", "tx_everolimus", C, "treatment.well_differentiated.everolimus",
     ["treatment.well_differentiated.everolimus"], {}),
    (cup("well", 5, functional_syndrome="carcinoid"), "G2", "tx_everolimus", C,
     "treatment.well_differentiated.everolimus",
     ["treatment.well_differentiated.everolimus", "note.radiant4_non_functional_only"], {}),
    (cup("well", 5, ihc=ihc("isl1+")), "G2", "tx_captem", C, "treatment.well_differentiated.captem_pancreas",
     ["treatment.well_differentiated.captem_pancreas"], {"grounds": ["ground.pancreatic_origin_suspected"]}),
    (cup("well", 35), "G3", "tx_net_g3", R, "treatment.net_g3.principle",
     ["treatment.net_g3.principle"], {}),
    (cup("poorly", 40), "NEC", "tx_nec_first_line", R, "treatment.nec.first_line",
     ["treatment.nec.first_line"], {}),
    (cup("poorly", 40), "NEC", "tx_nec_second_line", C, "treatment.nec.second_line",
     ["treatment.nec.second_line"], {}),
    (cup("well", 5), "G2", "tx_cytoreduction", C, "treatment.cytoreduction",
     ["treatment.cytoreduction"], {}),
]


@pytest.mark.parametrize("case, grade_label, step_id, status, rule_id, reasons, values", RULES,
                         ids=[f"{r[2]}:{r[4]}:{i}" for i, r in enumerate(RULES)])
def test_rule_chooses_step(case, grade_label, step_id, status, rule_id, reasons, values):
    result = plan_workup(case, grade(grade_label))
    s = step(result, step_id)
    assert (s.status, s.rule_id) == (status, rule_id)
    assert s.reason_templates == reasons
    assert {k: v for k, v in s.values.items() if v is not None} == values
    assert rule_id in result.rule_ids


# -- steps that must NOT appear ---------------------------------------------------

ABSENT = [
    (cup("poorly", 80), "NEC", "sstr_pet", "NEC with Ki-67 >= 55%"),
    (cup("poorly", None), "NEC", "sstr_pet", "NEC with Ki-67 not given"),
    (cup("poorly", 40), "NEC", "urine_5hiaa", "NEC without carcinoid syndrome"),
    (cup("poorly", 40), "NEC", "surgical_exploration", "exploration is for well-differentiated disease"),
    (cup("poorly", 40), "NEC", "tx_ssa", "SSA is not NEC treatment"),
    (cup("well", 35), "G3", "tx_nec_first_line", "NET G3 is not treated as NEC"),
    (cup("well", 35), "G3", "tx_ssa", "no approved drug for NET G3"),
    (cup("well", 2), "G1", "fdg_pet", "low Ki-67 well-differentiated"),
    (cup("well", 2, tests_done=done("sstr_pet:negative")), "G1", "fdg_pet", "SSTR negative but Ki-67 < 10"),
    (cup("well", 5), "G2", "molecular_classifier", "only after IHC is inconclusive"),
    (cup("well", 5, ihc=ihc("cdx2+", "ttf1-", "isl1-")), "G2", "molecular_classifier", "IHC gave a site"),
    (cup("well", 5, ihc=ihc("cdx2-")), "G2", "molecular_classifier", "panel incomplete: complete it first"),
    (cup("well", 5), "G2", "surgical_exploration", "imaging not done yet"),
    (cup("well", 5), "G2", "hormones", "no functional syndrome"),
    (cup("well", 5, functional_syndrome="carcinoid"), "G2", "hormones", "carcinoid syndrome -> 5-HIAA"),
    (cup("well", 5), "G2", "eus", "pancreas not suspected"),
    (cup("well", 5), "G2", "genetic_risk_assessment", "no germline trigger"),
    (cup("well", 5), "G2", "tx_captem", "pancreatic origin not suspected"),
    (cup("well", 5, tests_done=done("sstr_pet:negative")), "G2", "tx_prrt", "PRRT needs SSTR-positive disease"),
    (cup("well", 5, ihc=ihc("isl1+", "satb2+")), "G2", "eus", "ISL1+ SATB2+ favours rectum"),
    (cup("poorly", 40, ihc=ihc("pax8+")), "NEC", "eus", "PAX8 not pancreas-specific in NEC"),
    (Case(site=Site.jejunum_ileum, differentiation="well", ki67_percent=5), "G2", "site_ihc", "primary known"),
    (Case(site=Site.jejunum_ileum, differentiation="well", ki67_percent=5), "G2", "colonoscopy", "primary known"),
    (Case(site=Site.jejunum_ileum, differentiation="well", ki67_percent=5, ihc=ihc("isl1+")), "G2",
     "tx_captem", "known small-bowel primary: IHC does not re-site it"),
]


@pytest.mark.parametrize("case, grade_label, step_id, why", ABSENT, ids=[a[3] for a in ABSENT])
def test_step_left_out(case, grade_label, step_id, why):
    result = plan_workup(case, grade(grade_label))
    assert step_id not in [s.id for s in result.steps + result.treatment_direction]


# -- IHC read into a suspected primary (F4.10, S54, S57, S96) -----------------------

SITE_FOUND, MIXED, NO_SITE = "ihc_suspected_primary", "ihc_suspected_primary.mixed", "ihc_suspected_primary.no_site"
IHC_READINGS = [
    (("cdx2+", "ttf1-", "isl1-"), "well", R, SITE_FOUND, ["jejunum_ileum"]),
    (("isl1+", "cdx2-", "ttf1-"), "well", R, SITE_FOUND, ["pancreas"]),
    (("pax8+",), "well", R, SITE_FOUND, ["pancreas"]),
    (("pax6+",), "well", R, SITE_FOUND, ["pancreas"]),
    (("ttf1+", "cdx2-", "isl1-"), "well", R, SITE_FOUND, ["lung"]),
    (("satb2+",), "well", R, SITE_FOUND, ["appendix", "rectum"]),
    (("isl1+", "satb2+"), "well", R, SITE_FOUND, ["rectum"]),
    (("cdx2+", "ttf1+"), "well", C, MIXED, ["jejunum_ileum", "lung"]),
    (("cdx2-", "ttf1-", "isl1-"), "well", C, NO_SITE, []),
    (("ttf1+", "cdx2-", "isl1-"), "poorly", C, NO_SITE, []),
    (("pax8+", "cdx2-", "ttf1-", "isl1-"), "poorly", C, NO_SITE, []),
]


@pytest.mark.parametrize("markers, diff, status, title, sites", IHC_READINGS)
def test_ihc_suspected_primary(markers, diff, status, title, sites):
    result = plan_workup(cup(diff, 40 if diff == "poorly" else 5, ihc=ihc(*markers)),
                         grade("NEC" if diff == "poorly" else "G2"))
    s = step(result, "ihc_suspected_primary")
    assert (s.status, s.title_template, s.values["sites"]) == (status, title, sites)
    assert step(result, "site_ihc").status == D


def test_ihc_isl1_satb2_is_rectal_not_pancreatic():
    s = step(plan_workup(cup("well", 5, ihc=ihc("isl1+", "satb2+")), grade("G2")), "ihc_suspected_primary")
    assert (s.title_template, s.values["sites"]) == (SITE_FOUND, ["rectum"])
    assert s.values["ihc_notes"] == ["ihc.isl1_pancreas", "ihc.satb2_appendix_rectum", "ihc.isl1_satb2_rectal"]


def test_ttf1_in_nec_does_not_suggest_lung():
    result = plan_workup(cup("poorly", 60, ihc=ihc("ttf1+", "cdx2-", "isl1-")), grade("NEC"))
    s = step(result, "ihc_suspected_primary")
    assert (s.title_template, s.values["sites"]) == (NO_SITE, [])
    assert s.values["ihc_notes"] == ["ihc.ttf1_not_lung_in_nec"]
    assert step(result, "molecular_classifier").status == C


def test_mixed_ihc_flags_and_suggests_classifier():
    result = plan_workup(cup("well", 5, ihc=ihc("cdx2+", "ttf1+", "isl1-")), grade("G2"))
    assert "ihc_mixed" in [f.code for f in result.flags]
    assert step(result, "molecular_classifier").status == C


def test_chromogranin_only_is_not_a_site_panel():
    result = plan_workup(cup("well", 5, ihc=ihc("chromogranin+", "synaptophysin+")), grade("G2"))
    assert step(result, "site_ihc").status == R
    assert "ihc_suspected_primary" not in [s.id for s in result.steps]


# -- tests already done ---------------------------------------------------------------

DONE_TESTS = [
    ("ct:positive", "cross_sectional_imaging"),
    ("mri:negative", "cross_sectional_imaging"),
    ("sstr_pet:positive", "sstr_pet"),
    ("fdg_pet:negative", "fdg_pet"),
    ("chromogranin_a:positive", "chromogranin_a"),
    ("5hiaa:negative", "urine_5hiaa"),
    ("colonoscopy:negative", "colonoscopy"),
    ("upper_endoscopy:done", "upper_endoscopy"),
    ("capsule_endoscopy:negative", "small_bowel_endoscopy"),
    ("bronchoscopy:negative", "bronchoscopy"),
    ("hormones:positive", "hormones"),
    ("germline:negative", "genetic_risk_assessment"),
    ("molecular_classifier:done", "molecular_classifier"),
    ("surgical_exploration:negative", "surgical_exploration"),
    ("eus:negative", "eus"),
]


@pytest.mark.parametrize("spec, step_id", DONE_TESTS)
def test_done_test_is_reported_done_not_recommended(spec, step_id):
    result = plan_workup(cup("well", 5, tests_done=done(spec)), grade("G2"))
    s = step(result, step_id)
    assert s.status == D
    assert s.tests_done == done(spec)
    assert [x.id for x in result.steps].count(step_id) == 1


def test_done_detail_is_kept_with_the_step():
    reported = TestDone(test=TestKind.ct, outcome=TestOutcome.positive, detail="three liver lesions")
    assert step(plan_workup(cup("well", 5, tests_done=[reported]), grade("G2")),
                "cross_sectional_imaging").tests_done == [reported]


def test_done_step_keeps_pathway_position():
    result = plan_workup(cup("well", 5, tests_done=done("colonoscopy:negative", "ct:positive")), grade("G2"))
    ids = [s.id for s in result.steps]
    assert ids[0] == "cross_sectional_imaging"
    assert ids.index("colonoscopy") < ids.index("upper_endoscopy")


# -- flags, missing, review status ----------------------------------------------------

FLAGS = [
    (cup("well", 2, tests_done=done("octreoscan:negative")), "G1", "octreoscan_superseded"),
    (cup("well", 5, tests_done=done("sstr_pet:negative")), "G2", "sstr_negative_well_differentiated"),
    (cup(None, 30), "G3?", "g3_morphology_needed"),
    (cup("poorly", 40), "NEC", "nec_ihc_caveat"),
    (Case(site=Site.pancreas, differentiation="well", ki67_percent=4), "G2", "primary_known"),
    (cup("well", 5, functional_syndrome="acth"), "G2", "under_review"),
]


@pytest.mark.parametrize("case, grade_label, code", FLAGS, ids=[f[2] for f in FLAGS])
def test_flags(case, grade_label, code):
    assert code in [f.code for f in plan_workup(case, grade(grade_label)).flags]


def test_octreoscan_flag_gone_once_sstr_pet_done():
    case = cup("well", 2, tests_done=done("octreoscan:negative", "sstr_pet:negative"))
    assert "octreoscan_superseded" not in [f.code for f in plan_workup(case, grade("G1")).flags]


MISSING = [
    (cup(None, None), "none", ["differentiation", "ki67_percent", "ihc"]),
    (cup("well", 5), "G2", ["ihc"]),
    (cup("well", 5, ihc=ihc("cdx2+")), "G2", []),
    (cup("well", None, tests_done=done("site_ihc:done")), "none", ["ki67_percent"]),
    (Case(site=Site.pancreas, differentiation="well", ki67_percent=4), "G2", []),
]


@pytest.mark.parametrize("case, grade_label, missing", MISSING)
def test_missing_inputs(case, grade_label, missing):
    assert plan_workup(case, grade(grade_label)).missing == missing


def test_review_status_under_review_only_for_unverified_facts():
    assert plan_workup(cup("well", 5, functional_syndrome="acth"), grade("G2")).review_status \
        == ReviewStatus.under_review
    assert plan_workup(cup("well", 5, functional_syndrome="insulinoma"), grade("G2")).review_status \
        == ReviewStatus.source_checked


def test_insulinoma_warns_sstr_imaging_less_useful():
    result = plan_workup(cup("well", 5, functional_syndrome="insulinoma"), grade("G2"))
    assert "note.insulinoma_few_receptors" in step(result, "sstr_pet").reason_templates


def test_unknown_primary_and_known_primary_get_their_own_sstr_reason():
    # Section 8 item 1: the NET-CUP reason gives the CUP detection range (its words: test_workup_wording.py)
    assert step(plan_workup(cup("well", 5), grade("G2")), "sstr_pet").reason_templates == [
        "workup.sstr_pet.well_differentiated.unknown_primary"]
    known = Case(site=Site.pancreas, differentiation="well", ki67_percent=4)
    assert step(plan_workup(known, grade("G2")), "sstr_pet").reason_templates == [
        "workup.sstr_pet.well_differentiated.known_primary"]


# -- integration with the real grading engine ------------------------------------------

GRADED = [
    (dict(differentiation="well", ki67_percent=25), "workup.class.net_g3", "tx_net_g3"),
    (dict(differentiation="well", ki67_percent=5), "workup.class.net_low_grade", "tx_well_differentiated"),
    (dict(differentiation="poorly", ki67_percent=60), "workup.class.nec", "tx_nec_first_line"),
    (dict(ki67_percent=30), "workup.class.g3_morphology_unknown", "tx_needs_differentiation"),
    (dict(ki67_percent=5), "workup.class.low_grade_morphology_unknown", "tx_well_differentiated"),
    (dict(), "workup.class.unknown", "tx_needs_differentiation"),
]


@pytest.mark.parametrize("fields, class_rule, first_tx", GRADED)
def test_plan_workup_grades_the_case_itself(fields, class_rule, first_tx):
    result = plan_workup(Case(site=Site.unknown, **fields))
    assert result.rule_ids[0] == class_rule
    assert result.treatment_direction[0].id == first_tx


# -- invariants over random cases ------------------------------------------------------

case_strategy = st.builds(
    Case,
    site=st.sampled_from([None] + list(Site)),
    differentiation=st.sampled_from([None] + list(Differentiation)),
    ki67_percent=st.one_of(st.none(), st.floats(0, 100)),
    functional_syndrome=st.sampled_from([None] + list(Syndrome)),
    tests_done=st.lists(st.builds(TestDone, test=st.sampled_from(list(TestKind)),
                                  outcome=st.sampled_from(list(TestOutcome))), max_size=5),
    ihc=st.lists(st.builds(IhcResult, marker=st.sampled_from(list(IhcMarker)), positive=st.booleans()),
                 max_size=5),
)
grade_strategy = st.sampled_from(["G1", "G2", "G3", "NEC", "G3?", "none"]).map(grade)


@settings(max_examples=300, deadline=None)
@given(case_strategy, grade_strategy)
def test_invariants(case, grade_result):
    result = plan_workup(case, grade_result)
    all_steps = result.steps + result.treatment_direction
    assert result.steps[0].id == "cross_sectional_imaging"  # F4.2: always first
    assert len({s.id for s in result.steps}) == len(result.steps)
    assert all(s.status in (R, C, D) for s in all_steps)
    assert all(s.topics and set(s.topics) <= TOPICS for s in all_steps)
    assert all(s.rule_id and (s.reason_templates or s.tests_done) for s in all_steps)
    # Every template named and every field filled is one the engine declares (kb check holds the file to these).
    for s in all_steps:
        assert s.title_template in TITLE_TEMPLATES
        declared = TITLE_TEMPLATES[s.title_template] | frozenset().union(
            *(REASON_TEMPLATES[t] for t in s.reason_templates))
        assert set(s.values) <= declared
        assert TITLE_TEMPLATES[s.title_template] <= set(s.values)
        for template in s.reason_templates:
            assert REASON_TEMPLATES[template] <= set(s.values), (template, s.values)
        for name in PHRASE_FIELDS & set(s.values):
            value = s.values[name]
            assert all(p in PHRASE_TEMPLATES for p in (value if isinstance(value, list) else [value]))
    assert all(f.code == REVIEW_FLAG or FLAG_TEMPLATES[f.code] <= set(f.values) for f in result.flags)
    assert all(s.id in STEP_CATALOGUE for s in result.steps)
    assert all(s.id in TREATMENT_CATALOGUE for s in result.treatment_direction)
    # Every test reported as done appears once, as done.
    for t in case.tests_done:
        owners = [s for s in result.steps if t.test in STEP_CATALOGUE[s.id].tests]
        assert len(owners) == 1 and owners[0].status == D
    # The rule ids name every rule that chose a step (reported-done steps have no rule).
    chosen = [s.rule_id for s in all_steps if s.rule_id != "workup.done.reported"]
    assert result.rule_ids[1:] == chosen
    # Never both NEC and well-differentiated treatment.
    tx = {s.id for s in result.treatment_direction}
    assert not (tx & {"tx_nec_first_line"} and tx & {"tx_ssa", "tx_net_g3"})
