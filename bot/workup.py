"""NET-CUP workup pathway and treatment direction.

Follows clinical_facts.md section 4 (F4.2-F4.15), section 5 (treatment direction by
differentiation) and the corrections of section 8. The pathway is table-driven:

1. the case (plus its grade) is reduced to a `Profile` (tumour class, suspected sites,
   tests done);
2. STEP_RULES / TREATMENT_RULES are read top to bottom; for each step id the first rule
   whose predicate holds decides that step (its status and reason);
3. tests already done turn their step into status "done" with the result in the reason.

Nothing here gives doses: patient-specific treatment is out of scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Callable, Dict, FrozenSet, List, Mapping, Optional, Tuple, Union

from bot.models import (
    Case,
    Differentiation,
    FieldValue,
    Flag,
    GradeResult,
    IhcMarker,
    ReviewStatus,
    Site,
    Syndrome,
    TestDone,
    TestKind,
    TestOutcome,
    WorkupResult,
    WorkupStep,
)

RECOMMENDED = "recommended"
CONSIDER = "consider"
DONE = "done"


# ---------------------------------------------------------------------------
# Profile: what the rules look at
# ---------------------------------------------------------------------------


class TumourClass(str, Enum):
    """What the treatment and imaging choice hinges on (F1.6, F5.1)."""

    net_low_grade = "net_low_grade"  # well-differentiated G1/G2 (or a lung carcinoid)
    net_g3 = "net_g3"  # well-differentiated G3: not NEC (F5.7)
    net_grade_unknown = "net_grade_unknown"  # well-differentiated, no grade yet
    low_grade_unconfirmed = "low_grade_unconfirmed"  # G1/G2 by numbers, morphology not stated
    g3_unconfirmed = "g3_unconfirmed"  # G3 by numbers, morphology needed (NET G3 vs NEC)
    nec = "nec"  # poorly differentiated neuroendocrine carcinoma
    unknown = "unknown"  # neither differentiation nor grade known


WELL_DIFFERENTIATED = frozenset(
    {TumourClass.net_low_grade, TumourClass.net_g3, TumourClass.net_grade_unknown}
)
# Tumours treated and imaged as NETs: well-differentiated, or G1/G2 by the numbers.
NET_LIKE = WELL_DIFFERENTIATED | {TumourClass.low_grade_unconfirmed}
LOW_GRADE_NET_LIKE = frozenset(
    {TumourClass.net_low_grade, TumourClass.net_grade_unknown, TumourClass.low_grade_unconfirmed}
)

# Site-of-origin markers (F4.10). Chromogranin, synaptophysin and INSM1 only confirm NE
# differentiation (section 8 item 11), so they never count as a site panel.
SITE_PANEL = (
    IhcMarker.cdx2,
    IhcMarker.ttf1,
    IhcMarker.isl1,
    IhcMarker.pax8,
    IhcMarker.pax6,
    IhcMarker.satb2,
    IhcMarker.nkx22,
    IhcMarker.pdx1,
)
CORE_PANEL = (IhcMarker.cdx2, IhcMarker.ttf1, IhcMarker.isl1)  # the 3-marker panel of S52

# The order suspected sites are listed in.
SITE_ORDER = (Site.jejunum_ileum, Site.pancreas, Site.lung, Site.appendix, Site.rectum)

# Functional syndromes that point to a pancreatic (gastrinoma: or duodenal) primary (F4.8).
PANCREATIC_SYNDROMES = frozenset(
    {Syndrome.insulinoma, Syndrome.gastrinoma, Syndrome.glucagonoma, Syndrome.vipoma,
     Syndrome.somatostatinoma}
)


@dataclass(frozen=True)
class IhcReading:
    """Site-of-origin IHC read into suspected primaries (F4.10)."""

    sites: FrozenSet[Site] = frozenset()
    notes: Tuple[str, ...] = ()  # phrase ids, in the order the markers were read
    site_markers_given: bool = False
    core_complete: bool = False
    mixed: bool = False  # points to more than one site group

    @property
    def inconclusive(self) -> bool:
        """No site, or more than one: the case for a molecular classifier (section 8 item 10)."""
        return self.site_markers_given and (not self.sites or self.mixed)


@dataclass(frozen=True)
class Profile:
    case: Case
    tumour: TumourClass
    class_rule: str
    grade: Optional[GradeResult]
    ihc: IhcReading
    done: Mapping[TestKind, TestDone] = field(default_factory=dict)

    # -- small readable predicates used by the rule tables --
    @property
    def ki67(self) -> Optional[float]:
        return self.case.ki67_percent

    @property
    def primary_unknown(self) -> bool:
        return self.case.site in (None, Site.unknown)

    @property
    def differentiation_unknown(self) -> bool:
        return self.case.differentiation in (None, Differentiation.unknown)

    @property
    def syndrome(self) -> Optional[Syndrome]:
        s = self.case.functional_syndrome
        return None if s in (None, Syndrome.none) else s

    def outcome(self, test: TestKind) -> Optional[TestOutcome]:
        t = self.done.get(test)
        return t.outcome if t else None

    def is_done(self, test: TestKind) -> bool:
        return test in self.done

    @property
    def pancreas_suspected(self) -> bool:
        """Known pancreatic primary, or (primary unknown) IHC or a pancreatic syndrome points there."""
        if not self.primary_unknown:
            return self.case.site == Site.pancreas
        return Site.pancreas in self.ihc.sites or self.syndrome in PANCREATIC_SYNDROMES

    @property
    def small_bowel_suspected(self) -> bool:
        if not self.primary_unknown:
            return self.case.site == Site.jejunum_ileum
        return Site.jejunum_ileum in self.ihc.sites


# ---------------------------------------------------------------------------
# Tumour class from differentiation and grade
# ---------------------------------------------------------------------------


def _grade_label(g: Optional[GradeResult]) -> str:
    """'G1', 'G2', 'G3', 'low' (lung carcinoid), 'nec' or '' from a grading result.

    The grade field comes first: "G3 NEN (morphology needed to separate NET G3 from NEC)"
    names NEC in its text but is a G3 of unknown differentiation.
    """
    if g is None:
        return ""
    if g.grade in ("G1", "G2", "G3"):
        return g.grade
    if g.kind == "nec":
        return "nec"
    if g.kind == "carcinoid":
        return "low"
    return ""


def _classify(case: Case, g: Optional[GradeResult]) -> Tuple[TumourClass, str]:
    """First matching row wins. Morphology outranks Ki-67 (F1.6)."""
    d = case.differentiation
    label = _grade_label(g)
    low = label in ("G1", "G2", "low")
    table: List[Tuple[bool, TumourClass, str]] = [
        (d == Differentiation.poorly or label == "nec", TumourClass.nec, "workup.class.nec"),
        (d == Differentiation.well and label == "G3", TumourClass.net_g3, "workup.class.net_g3"),
        (d == Differentiation.well and low, TumourClass.net_low_grade, "workup.class.net_low_grade"),
        (d == Differentiation.well, TumourClass.net_grade_unknown, "workup.class.net_grade_unknown"),
        (label == "G3", TumourClass.g3_unconfirmed, "workup.class.g3_morphology_unknown"),
        (low, TumourClass.low_grade_unconfirmed, "workup.class.low_grade_morphology_unknown"),
        (True, TumourClass.unknown, "workup.class.unknown"),
    ]
    return next((cls, rule) for hit, cls, rule in table if hit)


# ---------------------------------------------------------------------------
# IHC reading (F4.10; PAX8 and TTF-1 caveats in NEC: S57, S96)
# ---------------------------------------------------------------------------

# marker -> (sites it points to, the phrase that says why: knowledge/computed/workup.yml `phrases:`)
IHC_SITE_TABLE: Dict[IhcMarker, Tuple[Tuple[Site, ...], str]] = {
    IhcMarker.cdx2: ((Site.jejunum_ileum,), "ihc.cdx2_small_intestine"),
    IhcMarker.isl1: ((Site.pancreas,), "ihc.isl1_pancreas"),
    IhcMarker.pax8: ((Site.pancreas,), "ihc.pax8_pancreas"),
    IhcMarker.pax6: ((Site.pancreas,), "ihc.pax6_pancreas"),
    IhcMarker.ttf1: ((Site.lung,), "ihc.ttf1_lung"),
    IhcMarker.satb2: ((Site.appendix, Site.rectum), "ihc.satb2_appendix_rectum"),
}
SITE_GROUPS: Tuple[FrozenSet[Site], ...] = (
    frozenset({Site.jejunum_ileum}),
    frozenset({Site.pancreas}),
    frozenset({Site.lung}),
    frozenset({Site.appendix, Site.rectum}),
)


def read_ihc(case: Case, tumour: TumourClass) -> IhcReading:
    results = {r.marker: r.positive for r in case.ihc}
    given = [m for m in SITE_PANEL if m in results]
    if not given:
        return IhcReading()
    positive = {m for m in given if results[m]}
    sites: set = set()
    notes: List[str] = []
    for marker, (marker_sites, why) in IHC_SITE_TABLE.items():
        if marker not in positive:
            continue
        if tumour == TumourClass.nec and marker == IhcMarker.ttf1:
            notes.append("ihc.ttf1_not_lung_in_nec")
            continue
        if tumour == TumourClass.nec and marker == IhcMarker.pax8:
            notes.append("ihc.pax8_not_pancreas_in_nec")
            continue
        sites.update(marker_sites)
        notes.append(why)
    # S54: SATB2 separates ISL1-positive rectal NETs from pancreaticoduodenal ones.
    if {IhcMarker.isl1, IhcMarker.satb2} <= positive and not positive & {IhcMarker.pax8, IhcMarker.pax6}:
        sites.discard(Site.pancreas)
        sites.discard(Site.appendix)
        notes.append("ihc.isl1_satb2_rectal")
    if IhcMarker.nkx22 in positive:
        notes.append("ihc.nkx22_digestive")
    if IhcMarker.pdx1 in positive:
        notes.append("ihc.pdx1_not_specific")
    groups = [g for g in SITE_GROUPS if g & sites]
    return IhcReading(
        sites=frozenset(sites),
        notes=tuple(notes),
        site_markers_given=True,
        core_complete=all(m in results for m in CORE_PANEL),
        mixed=len(groups) > 1,
    )


def _ihc_results(case: Case) -> List[str]:
    """The reported stains as codes, 'cdx2+' / 'ttf1-'."""
    return [f"{r.marker.value}{'+' if r.positive else '-'}" for r in case.ihc]


def _sites_in_order(sites: FrozenSet[Site]) -> List[str]:
    return [s.value for s in SITE_ORDER if s in sites]


# ---------------------------------------------------------------------------
# Step catalogue: id -> topics, tests that complete it (order = pathway order).
# Each step's title is the template `titles: <step id>` in knowledge/computed/workup.yml.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StepInfo:
    topics: Tuple[str, ...]
    tests: Tuple[TestKind, ...] = ()


STEP_CATALOGUE: Dict[str, StepInfo] = {
    "cross_sectional_imaging": StepInfo(("imaging_cross_sectional", "workup"), (TestKind.ct, TestKind.mri)),
    "pathology_review": StepInfo(("ihc_differentiation", "grading_gep", "definitions")),
    "sstr_pet": StepInfo(("sstr_pet",), (TestKind.sstr_pet,)),
    "octreoscan": StepInfo(("srs_octreoscan",), (TestKind.octreoscan,)),
    "fdg_pet": StepInfo(("fdg_pet",), (TestKind.fdg_pet,)),
    "site_ihc": StepInfo(("ihc_site_of_origin",), (TestKind.site_ihc,)),
    "ihc_suspected_primary": StepInfo(("ihc_site_of_origin", "net_cup")),
    "chromogranin_a": StepInfo(("labs_cga",), (TestKind.chromogranin_a,)),
    "urine_5hiaa": StepInfo(("labs_5hiaa",), (TestKind.hiaa_5,)),
    "hormones": StepInfo(("labs_hormones",), (TestKind.hormones,)),
    "colonoscopy": StepInfo(("endoscopy",), (TestKind.colonoscopy,)),
    "upper_endoscopy": StepInfo(("endoscopy",), (TestKind.upper_endoscopy,)),
    "small_bowel_endoscopy": StepInfo(("endoscopy",), (TestKind.capsule_endoscopy,)),
    "eus": StepInfo(("endoscopy",), (TestKind.eus,)),
    "bronchoscopy": StepInfo(("endoscopy",), (TestKind.bronchoscopy,)),
    "family_history": StepInfo(("germline",)),
    "genetic_risk_assessment": StepInfo(("germline",), (TestKind.germline,)),
    "molecular_classifier": StepInfo(("molecular_classifier",), (TestKind.molecular_classifier,)),
    "surgical_exploration": StepInfo(("surgery_exploration",), (TestKind.surgical_exploration,)),
}

TREATMENT_CATALOGUE: Dict[str, StepInfo] = {
    "tx_needs_differentiation": StepInfo(("definitions", "net_cup")),
    "tx_well_differentiated": StepInfo(("treatment_well_differentiated", "net_cup")),
    "tx_ssa": StepInfo(("treatment_well_differentiated",)),
    "tx_prrt": StepInfo(("treatment_well_differentiated", "sstr_pet")),
    "tx_everolimus": StepInfo(("treatment_well_differentiated",)),
    "tx_captem": StepInfo(("treatment_well_differentiated",)),
    "tx_net_g3": StepInfo(("treatment_net_g3",)),
    "tx_nec_first_line": StepInfo(("treatment_nec",)),
    "tx_nec_second_line": StepInfo(("treatment_nec",)),
    "tx_cytoreduction": StepInfo(("surgery_debulking",)),
}


# ---------------------------------------------------------------------------
# Wording: what each rule says, as template ids and field values
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Wording:
    """The words of a step: its title template, its reason templates (one sentence each) and the field values."""

    reasons: Tuple[str, ...]
    values: Mapping[str, FieldValue] = field(default_factory=dict)
    title: Optional[str] = None  # None: the step id's own title


Say = Union[str, Callable[["Profile"], Wording]]  # a fixed reason template id, or a function of the case


@dataclass(frozen=True)
class Rule:
    rule_id: str
    step_id: str
    when: Callable[[Profile], bool]
    status: str
    says: Say
    verified: bool = True  # False: rests on a FROM MEMORY fact -> result under_review


def _wording(says: Say, p: Profile) -> Wording:
    return says(p) if callable(says) else Wording((says,))


# -- notes added to a reason (phrases in knowledge/computed/workup.yml) --

def _octreoscan_note(p: Profile) -> Tuple[str, ...]:
    if p.is_done(TestKind.octreoscan) and not p.is_done(TestKind.sstr_pet):
        return ("note.octreoscan_done_use_sstr_pet",)
    return ()


def _insulinoma_note(p: Profile) -> Tuple[str, ...]:
    return ("note.insulinoma_few_receptors",) if p.syndrome == Syndrome.insulinoma else ()


def _nec_endoscopy_note(p: Profile) -> Tuple[str, ...]:
    return ("note.endoscopy_evidence_from_net_series",) if p.tumour == TumourClass.nec else ()


# -- reason builders: which templates, with which values --

def _sstr_wd(p: Profile) -> Wording:
    where = "unknown_primary" if p.primary_unknown else "known_primary"
    return Wording((f"workup.sstr_pet.well_differentiated.{where}",) + _insulinoma_note(p) + _octreoscan_note(p),
                   {"tumour": f"tumour.{p.tumour.value}"})


def _sstr_nec(p: Profile) -> Wording:
    return Wording(("workup.sstr_pet.nec_ki67_below_55",) + _octreoscan_note(p), {"ki67": p.ki67})


def _sstr_g3_unconfirmed(p: Profile) -> Wording:
    return Wording(("workup.sstr_pet.g3_morphology_unknown",) + _octreoscan_note(p))


def _sstr_unknown(p: Profile) -> Wording:
    return Wording(("workup.sstr_pet.differentiation_unknown",) + _octreoscan_note(p))


def _with_ki67(template: str) -> Callable[[Profile], Wording]:
    return lambda p: Wording((template,), {"ki67": p.ki67})


def _cga(p: Profile) -> Wording:
    lead = "workup.labs.cga_nec" if p.tumour == TumourClass.nec else "workup.labs.cga"
    return Wording((lead, "note.cga_ppi_and_other_causes"))


def _5hiaa(p: Profile) -> Wording:
    grounds = []
    if p.syndrome == Syndrome.carcinoid:
        grounds.append("ground.carcinoid_syndrome")
    if p.small_bowel_suspected:
        grounds.append("ground.small_bowel_suspected")
    if p.tumour in NET_LIKE:
        grounds.append("ground.well_differentiated")
    if not grounds:
        grounds.append("ground.differentiation_unknown_baseline_marker")
    return Wording(("workup.labs.5hiaa",), {"grounds": grounds})


def _hormones(p: Profile) -> Wording:
    assert p.syndrome is not None
    tests = f"workup.labs.hormone_tests.{p.syndrome.value}"
    return Wording(("workup.labs.hormones_by_syndrome", tests, "note.assay_specific_ranges"),
                   {"syndrome": p.syndrome.value})


def _hormones_acth(p: Profile) -> Wording:
    wording = _hormones(p)
    return Wording(wording.reasons + ("workup.labs.hormones_acth",), wording.values)


def _site_ihc(p: Profile) -> Wording:
    note = ("note.nec_ihc_caveat",) if p.tumour == TumourClass.nec else ()
    return Wording(("workup.site_ihc.primary_unknown",) + note)


def _site_ihc_given(p: Profile) -> Wording:
    reported = {r.marker for r in p.case.ihc}
    missing = [m.value for m in (IhcMarker.cdx2, IhcMarker.ttf1, IhcMarker.isl1, IhcMarker.satb2)
               if m not in reported]
    if not reported & {IhcMarker.pax8, IhcMarker.pax6}:
        missing.append("pax8_pax6")
    reasons = ("workup.site_ihc.results_given",) + (("workup.site_ihc.not_reported",) if missing else ())
    return Wording(reasons, {"ihc_results": _ihc_results(p.case), "markers_not_reported": missing})


def _ihc_reading(p: Profile) -> Wording:
    r = p.ihc
    values: Dict[str, FieldValue] = {
        "sites": _sites_in_order(r.sites),
        "ihc_notes": list(r.notes) or ["ihc.no_site_marker_positive"],
    }
    if r.sites and not r.mixed:
        return Wording(("workup.ihc.suspected_primary",), values, title="ihc_suspected_primary")
    if r.mixed:
        return Wording(("workup.ihc.inconclusive.mixed",), values, title="ihc_suspected_primary.mixed")
    reason = "workup.ihc.inconclusive" if r.core_complete else "workup.ihc.inconclusive.core_panel_incomplete"
    return Wording((reason,), values, title="ihc_suspected_primary.no_site")


def _colonoscopy(p: Profile) -> Wording:
    return Wording(("workup.endoscopy.upper_and_lower",) + _nec_endoscopy_note(p))


def _upper_endoscopy(p: Profile) -> Wording:
    return Wording(("workup.endoscopy.upper_and_lower",) + _nec_endoscopy_note(p) + ("note.egd_found_no_primary",))


def _capsule(p: Profile) -> Wording:
    ground = "ground.small_bowel_suspected" if p.small_bowel_suspected else "ground.cup_primaries_mostly_small_bowel"
    return Wording(("workup.endoscopy.small_bowel",), {"grounds": [ground]})


def _eus(p: Profile) -> Wording:
    grounds = []
    if Site.pancreas in p.ihc.sites:
        grounds.append("ground.ihc_points_to_pancreas")
    if p.syndrome in PANCREATIC_SYNDROMES:
        grounds.append("ground.pancreatic_syndrome")
    return Wording(("workup.endoscopy.eus_pancreas_suspected",),
                   {"grounds": grounds, "syndrome": p.syndrome.value if p.syndrome else None})


def _genetic(p: Profile) -> Wording:
    grounds = []
    if p.pancreas_suspected:
        grounds.append("ground.pancreatic_origin_suspected")
    if p.syndrome == Syndrome.gastrinoma:
        grounds.append("ground.gastrinoma_men1_suspicion")
    if p.case.site == Site.duodenum:
        grounds.append("ground.duodenal_net")
    return Wording(("workup.germline.risk_assessment",), {"grounds": grounds})


def _molecular(p: Profile) -> Wording:
    ground = "ground.site_ihc_inconclusive" if p.ihc.site_markers_given else "ground.site_ihc_negative"
    return Wording(("workup.molecular.ihc_inconclusive",), {"grounds": [ground]})


def _exploration(p: Profile) -> Wording:
    shown = "sstr_negative" if p.outcome(TestKind.sstr_pet) == TestOutcome.negative else "primary_not_localised"
    return Wording((f"workup.surgery.exploration.{shown}",))


def _pathology(p: Profile) -> Wording:
    if p.differentiation_unknown:
        return Wording(("workup.pathology.differentiation_unknown",))
    return Wording(("workup.pathology.no_proliferation_index",))


# -- predicates (named so the tables read like the guideline) --

def _nec_ki67_below_55(p: Profile) -> bool:
    return p.tumour == TumourClass.nec and p.ki67 is not None and p.ki67 < 55


def _sstr_negative_wd(p: Profile) -> bool:
    return (p.tumour in NET_LIKE and p.outcome(TestKind.sstr_pet) == TestOutcome.negative
            and (p.ki67 is None or p.ki67 >= 10))


def _net_like_ki67_10(p: Profile) -> bool:
    return p.tumour in NET_LIKE and p.ki67 is not None and p.ki67 >= 10


def _ihc_given(p: Profile) -> bool:
    return p.primary_unknown and p.ihc.site_markers_given


def _ihc_clear(p: Profile) -> bool:
    return _ihc_given(p) and bool(p.ihc.sites) and not p.ihc.mixed


def _ihc_inconclusive(p: Profile) -> bool:
    site_ihc_negative = (not p.ihc.site_markers_given
                         and p.outcome(TestKind.site_ihc) == TestOutcome.negative)
    mixed_or_complete_negative = p.ihc.mixed or (p.ihc.inconclusive and p.ihc.core_complete)
    return p.primary_unknown and (site_ihc_negative or mixed_or_complete_negative)


def _five_hiaa_indicated(p: Profile) -> bool:
    return p.syndrome == Syndrome.carcinoid or p.small_bowel_suspected or p.tumour in NET_LIKE


def _hormone_syndrome(p: Profile) -> bool:
    return p.syndrome is not None and p.syndrome != Syndrome.carcinoid


def _genetic_indicated(p: Profile) -> bool:
    return p.pancreas_suspected or p.syndrome == Syndrome.gastrinoma or p.case.site == Site.duodenum


def _imaging_did_not_find_primary(p: Profile) -> bool:
    return (p.primary_unknown and p.tumour in NET_LIKE
            and p.is_done(TestKind.sstr_pet))


def _always(p: Profile) -> bool:
    return True


# For each step the first matching rule decides; steps with no matching rule are left out.
STEP_RULES: Tuple[Rule, ...] = (
    Rule("workup.imaging.cross_sectional", "cross_sectional_imaging", _always, RECOMMENDED,
         "workup.imaging.cross_sectional"),
    Rule("workup.pathology.differentiation_unknown", "pathology_review",
         lambda p: p.differentiation_unknown, RECOMMENDED, _pathology),
    Rule("workup.pathology.no_proliferation_index", "pathology_review",
         lambda p: p.ki67 is None and p.case.mitoses is None and p.tumour != TumourClass.nec,
         RECOMMENDED, _pathology),

    Rule("workup.sstr_pet.well_differentiated", "sstr_pet", lambda p: p.tumour in NET_LIKE, RECOMMENDED, _sstr_wd),
    Rule("workup.sstr_pet.nec_ki67_below_55", "sstr_pet", _nec_ki67_below_55, CONSIDER, _sstr_nec),
    Rule("workup.sstr_pet.g3_morphology_unknown", "sstr_pet", lambda p: p.tumour == TumourClass.g3_unconfirmed,
         CONSIDER, _sstr_g3_unconfirmed),
    Rule("workup.sstr_pet.differentiation_unknown", "sstr_pet", lambda p: p.tumour == TumourClass.unknown,
         CONSIDER, _sstr_unknown),

    Rule("workup.fdg_pet.nec", "fdg_pet", lambda p: p.tumour == TumourClass.nec, RECOMMENDED, "workup.fdg_pet.nec"),
    Rule("workup.fdg_pet.g3", "fdg_pet",
         lambda p: p.tumour in (TumourClass.net_g3, TumourClass.g3_unconfirmed), RECOMMENDED,
         _with_ki67("workup.fdg_pet.g3")),
    Rule("workup.fdg_pet.sstr_negative", "fdg_pet", _sstr_negative_wd, CONSIDER,
         _with_ki67("workup.fdg_pet.sstr_negative")),
    Rule("workup.fdg_pet.ki67_10_or_more", "fdg_pet", _net_like_ki67_10, CONSIDER,
         _with_ki67("workup.fdg_pet.ki67_10_or_more")),
    Rule("workup.fdg_pet.differentiation_unknown", "fdg_pet", lambda p: p.tumour == TumourClass.unknown,
         CONSIDER, "workup.fdg_pet.differentiation_unknown"),

    Rule("workup.site_ihc.results_given", "site_ihc", _ihc_given, DONE, _site_ihc_given),
    Rule("workup.site_ihc.primary_unknown", "site_ihc", lambda p: p.primary_unknown, RECOMMENDED, _site_ihc),
    Rule("workup.ihc.suspected_primary", "ihc_suspected_primary", _ihc_clear, RECOMMENDED, _ihc_reading),
    Rule("workup.ihc.inconclusive", "ihc_suspected_primary", _ihc_given, CONSIDER, _ihc_reading),

    Rule("workup.labs.cga_nec", "chromogranin_a", lambda p: p.tumour == TumourClass.nec, CONSIDER, _cga),
    Rule("workup.labs.cga", "chromogranin_a", _always, RECOMMENDED, _cga),
    Rule("workup.labs.5hiaa", "urine_5hiaa", _five_hiaa_indicated, RECOMMENDED, _5hiaa),
    Rule("workup.labs.5hiaa_differentiation_unknown", "urine_5hiaa",
         lambda p: p.tumour in (TumourClass.unknown, TumourClass.g3_unconfirmed), CONSIDER, _5hiaa),
    Rule("workup.labs.hormones_acth", "hormones", lambda p: p.syndrome == Syndrome.acth, RECOMMENDED,
         _hormones_acth, verified=False),
    Rule("workup.labs.hormones_by_syndrome", "hormones", _hormone_syndrome, RECOMMENDED, _hormones),

    Rule("workup.endoscopy.colonoscopy_nec", "colonoscopy",
         lambda p: p.primary_unknown and p.tumour == TumourClass.nec, CONSIDER, _colonoscopy),
    Rule("workup.endoscopy.colonoscopy", "colonoscopy", lambda p: p.primary_unknown, RECOMMENDED, _colonoscopy),
    Rule("workup.endoscopy.upper_nec", "upper_endoscopy",
         lambda p: p.primary_unknown and p.tumour == TumourClass.nec, CONSIDER, _upper_endoscopy),
    Rule("workup.endoscopy.upper", "upper_endoscopy", lambda p: p.primary_unknown, RECOMMENDED, _upper_endoscopy),
    Rule("workup.endoscopy.small_bowel", "small_bowel_endoscopy",
         lambda p: p.primary_unknown and (p.tumour in NET_LIKE or p.small_bowel_suspected),
         CONSIDER, _capsule),
    Rule("workup.endoscopy.eus_pancreas_suspected", "eus",
         lambda p: p.primary_unknown and (Site.pancreas in p.ihc.sites or p.syndrome in PANCREATIC_SYNDROMES),
         CONSIDER, _eus),

    Rule("workup.germline.family_history", "family_history", _always, RECOMMENDED, "workup.germline.family_history"),
    Rule("workup.germline.risk_assessment", "genetic_risk_assessment", _genetic_indicated, RECOMMENDED, _genetic),

    Rule("workup.molecular.ihc_inconclusive", "molecular_classifier", _ihc_inconclusive, CONSIDER, _molecular),
    Rule("workup.surgery.exploration", "surgical_exploration", _imaging_did_not_find_primary, CONSIDER,
         _exploration),
)


# -- treatment direction (section 5) --

def _tx_well(p: Profile) -> Wording:
    if p.primary_unknown:
        reasons: Tuple[str, ...] = ("treatment.well_differentiated.principle.unknown_primary",)
        title = "tx_well_differentiated"
    else:
        reasons, title = ("treatment.well_differentiated.principle.known_primary",), "tx_well_differentiated.known_primary"
    if p.tumour == TumourClass.low_grade_unconfirmed:
        reasons += ("note.provisional_differentiation_not_stated",)
    return Wording(reasons, title=title)


def _tx_ssa(p: Profile) -> Wording:
    reasons: Tuple[str, ...] = ("treatment.well_differentiated.ssa",)
    if p.ki67 is None:
        reasons += ("note.ki67_not_given",)
    elif p.ki67 < 10:
        reasons += ("note.ki67_within_clarinet",)
    else:
        reasons += ("note.ki67_above_clarinet",)
    if p.syndrome is not None:
        reasons += ("note.clarinet_non_functioning_only",)
    if p.syndrome == Syndrome.carcinoid:
        reasons += ("note.lanreotide_carcinoid_syndrome_label",)
    return Wording(reasons, {"ki67": p.ki67})


def _tx_prrt(p: Profile) -> Wording:
    state = ("note.sstr_pet_positive" if p.outcome(TestKind.sstr_pet) == TestOutcome.positive
             else "note.prrt_needs_sstr_positive_disease")
    return Wording((state, "treatment.well_differentiated.prrt"))


def _tx_everolimus(p: Profile) -> Wording:
    note = ("note.radiant4_non_functional_only",) if p.syndrome is not None else ()
    return Wording(("treatment.well_differentiated.everolimus",) + note)


def _tx_captem(p: Profile) -> Wording:
    ground = "ground.pancreatic_primary" if p.case.site == Site.pancreas else "ground.pancreatic_origin_suspected"
    return Wording(("treatment.well_differentiated.captem_pancreas",), {"grounds": [ground]})


def _sstr_not_negative(p: Profile) -> bool:
    return p.outcome(TestKind.sstr_pet) != TestOutcome.negative


TREATMENT_RULES: Tuple[Rule, ...] = (
    Rule("treatment.differentiation_needed", "tx_needs_differentiation",
         lambda p: p.tumour in (TumourClass.unknown, TumourClass.g3_unconfirmed), RECOMMENDED,
         "treatment.differentiation_needed"),
    Rule("treatment.well_differentiated.principle", "tx_well_differentiated",
         lambda p: p.tumour in LOW_GRADE_NET_LIKE, RECOMMENDED, _tx_well),
    Rule("treatment.well_differentiated.ssa", "tx_ssa", lambda p: p.tumour in LOW_GRADE_NET_LIKE, CONSIDER, _tx_ssa),
    Rule("treatment.well_differentiated.prrt", "tx_prrt",
         lambda p: p.tumour in LOW_GRADE_NET_LIKE and _sstr_not_negative(p), CONSIDER, _tx_prrt),
    Rule("treatment.well_differentiated.everolimus", "tx_everolimus",
         lambda p: p.tumour in LOW_GRADE_NET_LIKE, CONSIDER, _tx_everolimus),
    Rule("treatment.well_differentiated.captem_pancreas", "tx_captem",
         lambda p: p.tumour in LOW_GRADE_NET_LIKE and p.pancreas_suspected, CONSIDER, _tx_captem),
    Rule("treatment.net_g3.principle", "tx_net_g3", lambda p: p.tumour == TumourClass.net_g3, RECOMMENDED,
         "treatment.net_g3.principle"),
    Rule("treatment.nec.first_line", "tx_nec_first_line", lambda p: p.tumour == TumourClass.nec, RECOMMENDED,
         "treatment.nec.first_line"),
    Rule("treatment.nec.second_line", "tx_nec_second_line", lambda p: p.tumour == TumourClass.nec, CONSIDER,
         "treatment.nec.second_line"),
    Rule("treatment.cytoreduction", "tx_cytoreduction", lambda p: p.tumour in LOW_GRADE_NET_LIKE, CONSIDER,
         "treatment.cytoreduction"),
)


# ---------------------------------------------------------------------------
# Every template the engine can name, with the fields it fills for it. `kb check` holds
# knowledge/computed/workup.yml against this: a template for each, no field the engine does not fill.
# ---------------------------------------------------------------------------

_KI67 = frozenset({"ki67"})
_GROUNDS = frozenset({"grounds"})
_NONE: FrozenSet[str] = frozenset()
_IHC_READING = frozenset({"sites", "ihc_notes"})

TITLE_TEMPLATES: Dict[str, FrozenSet[str]] = {
    **{step_id: _NONE for step_id in list(STEP_CATALOGUE) + list(TREATMENT_CATALOGUE)},
    "ihc_suspected_primary": _IHC_READING,
    "ihc_suspected_primary.mixed": _IHC_READING,
    "ihc_suspected_primary.no_site": _IHC_READING,
    "tx_well_differentiated.known_primary": _NONE,
}
REASON_TEMPLATES: Dict[str, FrozenSet[str]] = {
    "workup.imaging.cross_sectional": _NONE,
    "workup.pathology.differentiation_unknown": _NONE,
    "workup.pathology.no_proliferation_index": _NONE,
    "workup.sstr_pet.well_differentiated.unknown_primary": frozenset({"tumour"}),
    "workup.sstr_pet.well_differentiated.known_primary": frozenset({"tumour"}),
    "workup.sstr_pet.nec_ki67_below_55": _KI67,
    "workup.sstr_pet.g3_morphology_unknown": _NONE,
    "workup.sstr_pet.differentiation_unknown": _NONE,
    "workup.fdg_pet.nec": _NONE,
    "workup.fdg_pet.g3": _KI67,
    "workup.fdg_pet.sstr_negative": _KI67,
    "workup.fdg_pet.ki67_10_or_more": _KI67,
    "workup.fdg_pet.differentiation_unknown": _NONE,
    "workup.site_ihc.results_given": frozenset({"ihc_results", "markers_not_reported"}),
    "workup.site_ihc.not_reported": frozenset({"ihc_results", "markers_not_reported"}),
    "workup.site_ihc.primary_unknown": _NONE,
    "workup.ihc.suspected_primary": _IHC_READING,
    "workup.ihc.inconclusive.mixed": _IHC_READING,
    "workup.ihc.inconclusive.core_panel_incomplete": _IHC_READING,
    "workup.ihc.inconclusive": _IHC_READING,
    "workup.labs.cga": _NONE,
    "workup.labs.cga_nec": _NONE,
    "workup.labs.5hiaa": _GROUNDS,
    "workup.labs.hormones_by_syndrome": frozenset({"syndrome"}),
    **{f"workup.labs.hormone_tests.{s.value}": frozenset({"syndrome"})
       for s in Syndrome if s not in (Syndrome.none, Syndrome.carcinoid)},
    "workup.labs.hormones_acth": frozenset({"syndrome"}),
    "workup.endoscopy.upper_and_lower": _NONE,
    "workup.endoscopy.small_bowel": _GROUNDS,
    "workup.endoscopy.eus_pancreas_suspected": frozenset({"grounds", "syndrome"}),
    "workup.germline.family_history": _NONE,
    "workup.germline.risk_assessment": _GROUNDS,
    "workup.molecular.ihc_inconclusive": _GROUNDS,
    "workup.surgery.exploration.sstr_negative": _NONE,
    "workup.surgery.exploration.primary_not_localised": _NONE,
    "treatment.differentiation_needed": _NONE,
    "treatment.well_differentiated.principle.unknown_primary": _NONE,
    "treatment.well_differentiated.principle.known_primary": _NONE,
    "treatment.well_differentiated.ssa": _KI67,
    "treatment.well_differentiated.prrt": _NONE,
    "treatment.well_differentiated.everolimus": _NONE,
    "treatment.well_differentiated.captem_pancreas": _GROUNDS,
    "treatment.net_g3.principle": _NONE,
    "treatment.nec.first_line": _NONE,
    "treatment.nec.second_line": _NONE,
    "treatment.cytoreduction": _NONE,
    # notes: sentences added to a reason
    "note.octreoscan_done_use_sstr_pet": _NONE,
    "note.insulinoma_few_receptors": _NONE,
    "note.endoscopy_evidence_from_net_series": _NONE,
    "note.egd_found_no_primary": _NONE,
    "note.cga_ppi_and_other_causes": _NONE,
    "note.assay_specific_ranges": frozenset({"syndrome"}),
    "note.nec_ihc_caveat": _NONE,
    "note.provisional_differentiation_not_stated": _NONE,
    "note.ki67_not_given": _KI67,
    "note.ki67_within_clarinet": _KI67,
    "note.ki67_above_clarinet": _KI67,
    "note.clarinet_non_functioning_only": _KI67,
    "note.lanreotide_carcinoid_syndrome_label": _KI67,
    "note.sstr_pet_positive": _NONE,
    "note.prrt_needs_sstr_positive_disease": _NONE,
    "note.radiant4_non_functional_only": _NONE,
}
# Phrases: the words of a code that fills a field (`tumour`, `grounds`, `ihc_notes`); they may use the step's fields.
PHRASE_TEMPLATES: Dict[str, FrozenSet[str]] = {
    **{f"tumour.{t.value}": _NONE for t in NET_LIKE},
    **{note: _NONE for _, note in IHC_SITE_TABLE.values()},
    "ihc.ttf1_not_lung_in_nec": _NONE,
    "ihc.pax8_not_pancreas_in_nec": _NONE,
    "ihc.isl1_satb2_rectal": _NONE,
    "ihc.nkx22_digestive": _NONE,
    "ihc.pdx1_not_specific": _NONE,
    "ihc.no_site_marker_positive": _NONE,
    "ground.carcinoid_syndrome": _NONE,
    "ground.small_bowel_suspected": _NONE,
    "ground.well_differentiated": _NONE,
    "ground.differentiation_unknown_baseline_marker": _NONE,
    "ground.cup_primaries_mostly_small_bowel": _NONE,
    "ground.ihc_points_to_pancreas": _NONE,
    "ground.pancreatic_syndrome": frozenset({"syndrome"}),
    "ground.pancreatic_origin_suspected": _NONE,
    "ground.gastrinoma_men1_suspicion": _NONE,
    "ground.duodenal_net": _NONE,
    "ground.site_ihc_inconclusive": _NONE,
    "ground.site_ihc_negative": _NONE,
    "ground.pancreatic_primary": _NONE,
}
# Fields whose value is a phrase id or a list of them.
PHRASE_FIELDS = frozenset({"tumour", "grounds", "ihc_notes"})
FLAG_TEMPLATES: Dict[str, FrozenSet[str]] = {
    "primary_known": frozenset({"site"}),
    "octreoscan_superseded": _NONE,
    "sstr_negative_well_differentiated": _NONE,
    "g3_morphology_needed": _NONE,
    "nec_ihc_caveat": _NONE,
    "grade_provisional": _NONE,
    "ihc_mixed": _NONE,
}
# Flags that only report review status (the steps named in `steps`): shown through the banner, no template.
REVIEW_FLAG = "under_review"


# ---------------------------------------------------------------------------
# Engine
# ---------------------------------------------------------------------------


def _run_rules(rules: Tuple[Rule, ...], catalogue: Dict[str, StepInfo], p: Profile,
               fired: List[Rule]) -> List[WorkupStep]:
    decided: Dict[str, WorkupStep] = {}
    for rule in rules:
        if rule.step_id in decided or not rule.when(p):
            continue
        info = catalogue[rule.step_id]
        done = [p.done[k] for k in info.tests if k in p.done]
        wording = _wording(rule.says, p)
        decided[rule.step_id] = WorkupStep(
            id=rule.step_id,
            rule_id=rule.rule_id,
            status=DONE if done else rule.status,
            title_template=wording.title or rule.step_id,
            reason_templates=list(wording.reasons),
            values=dict(wording.values),
            tests_done=done,
            topics=list(info.topics),
        )
        fired.append(rule)
    # Tests reported as done that no rule asked for still show, as done.
    for step_id, info in catalogue.items():
        done = [p.done[k] for k in info.tests if k in p.done]
        if step_id not in decided and done:
            decided[step_id] = WorkupStep(
                id=step_id, rule_id="workup.done.reported", status=DONE, title_template=step_id,
                tests_done=done, topics=list(info.topics))
    return [decided[s] for s in catalogue if s in decided]


def _flags(p: Profile) -> List[Flag]:
    flags: List[Flag] = []
    if not p.primary_unknown:
        flags.append(Flag(code="primary_known", values={"site": p.case.site.value}))  # type: ignore[union-attr]
    if p.is_done(TestKind.octreoscan) and not p.is_done(TestKind.sstr_pet):
        flags.append(Flag(code="octreoscan_superseded"))
    if p.tumour in NET_LIKE and p.outcome(TestKind.sstr_pet) == TestOutcome.negative:
        flags.append(Flag(code="sstr_negative_well_differentiated"))
    if p.tumour == TumourClass.g3_unconfirmed:
        flags.append(Flag(code="g3_morphology_needed"))
    if p.tumour == TumourClass.nec:
        flags.append(Flag(code="nec_ihc_caveat"))
    if p.grade is not None and p.grade.provisional:
        flags.append(Flag(code="grade_provisional"))
    if p.ihc.mixed:
        flags.append(Flag(code="ihc_mixed"))
    return flags


def _missing(p: Profile) -> List[str]:
    missing: List[str] = []
    if p.differentiation_unknown:
        missing.append("differentiation")
    if p.ki67 is None and p.case.site not in (Site.lung, Site.thymus):  # Ki-67 does not grade the lung
        missing.append("ki67_percent")
    if p.primary_unknown and not p.ihc.site_markers_given and not p.is_done(TestKind.site_ihc):
        missing.append("ihc")
    return missing


def build_profile(case: Case, grade_result: Optional[GradeResult]) -> Profile:
    tumour, class_rule = _classify(case, grade_result)
    done: Dict[TestKind, TestDone] = {}
    for t in case.tests_done:  # a later report of the same test wins
        done[t.test] = t
    return Profile(case=case, tumour=tumour, class_rule=class_rule, grade=grade_result,
                   ihc=read_ihc(case, tumour), done=done)


def plan_workup(case: Case, grade_result: Optional[GradeResult] = None) -> WorkupResult:
    """Next workup steps and treatment direction for a NET (of unknown primary), as codes.

    Without `grade_result` the case is graded with bot.grading.grade, so the grading
    rules stay in one place. The words are templates in knowledge/computed/workup.yml.
    """
    if grade_result is None:
        from bot.grading import grade  # local import: grading is optional for callers that hold a result

        grade_result = grade(case)
    p = build_profile(case, grade_result)
    fired: List[Rule] = []
    steps = _run_rules(STEP_RULES, STEP_CATALOGUE, p, fired)
    treatment = _run_rules(TREATMENT_RULES, TREATMENT_CATALOGUE, p, fired)
    flags = _flags(p)
    unverified = [r for r in fired if not r.verified]
    if unverified:
        flags.append(Flag(code=REVIEW_FLAG, values={"steps": [r.step_id for r in unverified]}))
    return WorkupResult(
        steps=steps,
        treatment_direction=treatment,
        rule_ids=[p.class_rule] + [r.rule_id for r in fired],
        flags=flags,
        missing=_missing(p),
        review_status=ReviewStatus.under_review if unverified else ReviewStatus.source_checked,
    )
