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

MARKER_LABEL = {
    IhcMarker.cdx2: "CDX2",
    IhcMarker.ttf1: "TTF-1",
    IhcMarker.isl1: "ISL1",
    IhcMarker.pax8: "PAX8",
    IhcMarker.pax6: "PAX6",
    IhcMarker.satb2: "SATB2",
    IhcMarker.nkx22: "NKX2.2",
    IhcMarker.pdx1: "PDX1",
    IhcMarker.chromogranin: "chromogranin",
    IhcMarker.synaptophysin: "synaptophysin",
    IhcMarker.insm1: "INSM1",
}

SITE_LABEL = {
    Site.jejunum_ileum: "small intestine (jejunum/ileum)",
    Site.pancreas: "pancreas",
    Site.lung: "lung",
    Site.appendix: "appendix",
    Site.rectum: "rectum",
}

# Functional syndromes that point to a pancreatic (gastrinoma: or duodenal) primary (F4.8).
PANCREATIC_SYNDROMES = frozenset(
    {Syndrome.insulinoma, Syndrome.gastrinoma, Syndrome.glucagonoma, Syndrome.vipoma,
     Syndrome.somatostatinoma}
)


@dataclass(frozen=True)
class IhcReading:
    """Site-of-origin IHC read into suspected primaries (F4.10)."""

    sites: FrozenSet[Site] = frozenset()
    notes: Tuple[str, ...] = ()
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
    category = g.category.upper()
    if category.startswith("NEC") or "HIGH-GRADE NEC" in category or "SCLC" in category:
        return "nec"
    if "CARCINOID" in category:
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

# marker -> (sites it points to, why)
IHC_SITE_TABLE: Dict[IhcMarker, Tuple[Tuple[Site, ...], str]] = {
    IhcMarker.cdx2: ((Site.jejunum_ileum,), "CDX2+ points to the small intestine (89% of small-intestinal NET liver metastases)"),
    IhcMarker.isl1: ((Site.pancreas,), "ISL1+ points to the pancreas (77% of pancreatic NETs)"),
    IhcMarker.pax8: ((Site.pancreas,), "PAX8+ (polyclonal) points to the pancreas (also duodenal and some rectal NETs)"),
    IhcMarker.pax6: ((Site.pancreas,), "PAX6+ points to the pancreas (sensitivity 68.7%, specificity 91.1%)"),
    IhcMarker.ttf1: ((Site.lung,), "TTF-1+ points to the lung (63% of lung carcinoids)"),
    IhcMarker.satb2: ((Site.appendix, Site.rectum), "SATB2+ points to the appendix or rectum/rectosigmoid"),
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
            notes.append("TTF-1+ does not confirm a lung origin in small cell carcinoma")
            continue
        if tumour == TumourClass.nec and marker == IhcMarker.pax8:
            notes.append("PAX8+ is not specific for the pancreas in poorly differentiated NEC")
            continue
        sites.update(marker_sites)
        notes.append(why)
    # S54: SATB2 separates ISL1-positive rectal NETs from pancreaticoduodenal ones.
    if {IhcMarker.isl1, IhcMarker.satb2} <= positive and not positive & {IhcMarker.pax8, IhcMarker.pax6}:
        sites.discard(Site.pancreas)
        sites.discard(Site.appendix)
        notes.append("ISL1+ with SATB2+ favours a rectal over a pancreaticoduodenal origin (Mohanty 2021)")
    if IhcMarker.nkx22 in positive:
        notes.append("NKX2.2+ suggests a digestive origin, without a specific organ")
    if IhcMarker.pdx1 in positive:
        notes.append("PDX1+ is not specific for one site")
    groups = [g for g in SITE_GROUPS if g & sites]
    return IhcReading(
        sites=frozenset(sites),
        notes=tuple(notes),
        site_markers_given=True,
        core_complete=all(m in results for m in CORE_PANEL),
        mixed=len(groups) > 1,
    )


def _ihc_summary(case: Case) -> str:
    return ", ".join(
        f"{MARKER_LABEL[r.marker]}{'+' if r.positive else '-'}" for r in case.ihc
    )


def _sites_text(sites: FrozenSet[Site]) -> str:
    ordered = [s for s in SITE_LABEL if s in sites]
    return " / ".join(SITE_LABEL[s] for s in ordered)


# ---------------------------------------------------------------------------
# Step catalogue: id -> title, topics, tests that complete it (order = pathway order)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StepInfo:
    title: str
    topics: Tuple[str, ...]
    tests: Tuple[TestKind, ...] = ()


STEP_CATALOGUE: Dict[str, StepInfo] = {
    "cross_sectional_imaging": StepInfo(
        "Multiphase contrast CT of chest, abdomen and pelvis, or MRI (liver, with DWI)",
        ("imaging_cross_sectional", "workup"), (TestKind.ct, TestKind.mri)),
    "pathology_review": StepInfo(
        "Histology: confirm NE differentiation (chromogranin, synaptophysin) and grade (Ki-67, mitoses)",
        ("ihc_differentiation", "grading_gep", "definitions")),
    "sstr_pet": StepInfo(
        "SSTR PET/CT (68Ga-DOTATATE/DOTATOC/DOTANOC or 64Cu-DOTATATE)",
        ("sstr_pet",), (TestKind.sstr_pet,)),
    "octreoscan": StepInfo("OctreoScan (SSTR scintigraphy)", ("srs_octreoscan",), (TestKind.octreoscan,)),
    "fdg_pet": StepInfo("FDG PET/CT", ("fdg_pet",), (TestKind.fdg_pet,)),
    "site_ihc": StepInfo(
        "Site-of-origin IHC panel: CDX2, TTF-1, ISL1, PAX8/PAX6, SATB2",
        ("ihc_site_of_origin",), (TestKind.site_ihc,)),
    "ihc_suspected_primary": StepInfo("Suspected primary from IHC", ("ihc_site_of_origin", "net_cup")),
    "chromogranin_a": StepInfo("Plasma chromogranin A", ("labs_cga",), (TestKind.chromogranin_a,)),
    "urine_5hiaa": StepInfo("24-hour urinary 5-HIAA", ("labs_5hiaa",), (TestKind.hiaa_5,)),
    "hormones": StepInfo("Hormone tests for the functional syndrome", ("labs_hormones",), (TestKind.hormones,)),
    "colonoscopy": StepInfo("Colonoscopy", ("endoscopy",), (TestKind.colonoscopy,)),
    "upper_endoscopy": StepInfo("Upper endoscopy (EGD)", ("endoscopy",), (TestKind.upper_endoscopy,)),
    "small_bowel_endoscopy": StepInfo(
        "Capsule endoscopy or double-balloon enteroscopy", ("endoscopy",), (TestKind.capsule_endoscopy,)),
    "eus": StepInfo("Endoscopic ultrasound (EUS) of the pancreas", ("endoscopy",), (TestKind.eus,)),
    "bronchoscopy": StepInfo("Bronchoscopy", ("endoscopy",), (TestKind.bronchoscopy,)),
    "family_history": StepInfo("Thorough family history", ("germline",)),
    "genetic_risk_assessment": StepInfo(
        "Genetic risk assessment (inherited syndromes: MEN1, MEN4, VHL, NF1, TSC)",
        ("germline",), (TestKind.germline,)),
    "molecular_classifier": StepInfo(
        "Molecular site-of-origin classifier (92-gene RT-PCR or DNA methylation)",
        ("molecular_classifier",), (TestKind.molecular_classifier,)),
    "surgical_exploration": StepInfo(
        "Surgical exploration to find the primary (with careful palpation of the small bowel)",
        ("surgery_exploration",), (TestKind.surgical_exploration,)),
}

TREATMENT_CATALOGUE: Dict[str, StepInfo] = {
    "tx_needs_differentiation": StepInfo(
        "Treatment direction needs the differentiation (NET vs NEC)", ("definitions", "net_cup")),
    "tx_well_differentiated": StepInfo(
        "Treat like a well-differentiated NET of known midgut/pancreatic origin",
        ("treatment_well_differentiated", "net_cup")),
    "tx_ssa": StepInfo("Somatostatin analogue (e.g. lanreotide)", ("treatment_well_differentiated",)),
    "tx_prrt": StepInfo("PRRT with 177Lu-DOTATATE", ("treatment_well_differentiated", "sstr_pet")),
    "tx_everolimus": StepInfo("Everolimus", ("treatment_well_differentiated",)),
    "tx_captem": StepInfo("Capecitabine plus temozolomide (CAPTEM)", ("treatment_well_differentiated",)),
    "tx_net_g3": StepInfo("NET G3: do not treat as NEC by default", ("treatment_net_g3",)),
    "tx_nec_first_line": StepInfo("Platinum plus etoposide, first line", ("treatment_nec",)),
    "tx_nec_second_line": StepInfo("Irinotecan plus a fluoropyrimidine, second line", ("treatment_nec",)),
    "tx_cytoreduction": StepInfo("Cytoreduction (debulking) of liver metastases", ("surgery_debulking",)),
}


# ---------------------------------------------------------------------------
# Rule tables
# ---------------------------------------------------------------------------

Text = Union[str, Callable[[Profile], str]]


@dataclass(frozen=True)
class Rule:
    rule_id: str
    step_id: str
    when: Callable[[Profile], bool]
    status: str
    reason: Text
    title: Optional[Callable[[Profile], str]] = None
    verified: bool = True  # False: rests on a FROM MEMORY fact -> result under_review


def _text(t: Text, p: Profile) -> str:
    return t(p) if callable(t) else t


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _ki67_text(p: Profile) -> str:
    return "Ki-67 not given" if p.ki67 is None else f"Ki-67 {p.ki67:g}%"


# -- reason builders (short, factual; numbers from clinical_facts.md) --

def _octreoscan_note(p: Profile) -> str:
    if p.is_done(TestKind.octreoscan) and not p.is_done(TestKind.sstr_pet):
        return (" OctreoScan was done, but SSTR PET should replace it in all indications"
                " (2018 appropriate use criteria); in Prasad 2010 it found 59% of unknown primaries, against a literature"
                " rate of 39% for OctreoScan.")
    return ""


def _insulinoma_note(p: Profile) -> str:
    if p.syndrome == Syndrome.insulinoma:
        return " Insulinomas often have few somatostatin receptors, so SSTR imaging is less useful for them."
    return ""


def _sstr_wd(p: Profile) -> str:
    what = {
        TumourClass.net_g3: "Well-differentiated NET G3",
        TumourClass.low_grade_unconfirmed: "Grade G1/G2 (differentiation not stated)",
    }.get(p.tumour, "Well-differentiated NET")
    if not p.primary_unknown:
        return (f"{what}: SSTR PET shows somatostatin receptor expression, which PRRT requires (NETTER-1),"
                " and should replace OctreoScan in all indications (SNMMI appropriate use criteria)."
                + _insulinoma_note(p) + _octreoscan_note(p))
    return (f"{what}: SSTR PET is appropriate for an unknown primary (SNMMI appropriate use criteria);"
            " it finds the primary in about 38-61% of NET-CUP, far below the sensitivities reported for known"
            " pancreatic NETs (pooled 79.6%; 87-96% for 68Ga-DOTATOC)."
            + _insulinoma_note(p) + _octreoscan_note(p))


def _sstr_nec(p: Profile) -> str:
    return (f"NEC with {_ki67_text(p)} (<55%): SSTR imaging is not routine in NEC but may be considered"
            " (ENETS 2016 high-grade guidance); high-grade NEC is often SSTR-negative." + _octreoscan_note(p))


def _fdg_sstr_negative(p: Profile) -> str:
    return (f"SSTR PET negative in a well-differentiated tumour with {_ki67_text(p)}: FDG PET is probably"
            " useful when Ki-67 is 10% or more (Zhang 2018: FDG sensitivity 72% vs 52% below 10%).")


def _cga(p: Profile) -> str:
    lead = ("NEC: CgA (and NSE) are not mandatory but may help if raised at diagnosis (ENETS 2016)."
            if p.tumour == TumourClass.nec else "Baseline marker (UKI NETS 2012).")
    return (lead + " PPIs raise CgA: stop them about 2 weeks before if safe; sources disagree on switching"
            " to an H2 blocker (used as substitute by Korse 2011, listed as a cause of false elevation elsewhere)."
            " Renal or heart failure, atrophic gastritis and other conditions also raise CgA.")


def _5hiaa(p: Profile) -> str:
    why = []
    if p.syndrome == Syndrome.carcinoid:
        why.append("carcinoid syndrome")
    if p.small_bowel_suspected:
        why.append("small-intestinal primary suspected")
    if p.tumour in NET_LIKE:
        why.append("well-differentiated NET")
    if not why:
        why.append("differentiation not known; baseline marker in UKI NETS 2012")
    return (_first_upper("; ".join(why)) + ". 24-hour urine collection; avoid serotonin-rich foods (e.g. banana,"
            " pineapple, kiwi, walnuts, tomato, avocado) and interfering drugs beforehand. Sources disagree on the"
            " washout (12 h, 24 h, 48 h or 3 days; drugs 72 h): follow the local laboratory; do not stop a"
            " medicine without the prescriber.")


HORMONE_TESTS: Dict[Syndrome, str] = {
    Syndrome.insulinoma: "glucose with insulin during hypoglycaemia; proinsulin",
    Syndrome.gastrinoma: "fasting serum gastrin with gastric acid output (secretin and calcium tests overlap and help little)",
    Syndrome.glucagonoma: "serum glucagon",
    Syndrome.vipoma: "serum VIP",
    Syndrome.somatostatinoma: "fasting serum somatostatin",
    Syndrome.acth: "ACTH and cortisol",
    Syndrome.other: "the hormone that fits the clinical syndrome (ENETS 2023 functioning-syndrome guidance)",
}


def _hormones(p: Profile) -> str:
    assert p.syndrome is not None
    return (f"Functional syndrome '{p.syndrome.value}': a syndrome needs biochemical proof of inappropriate"
            f" hormone levels (ENETS 2023). Test: {HORMONE_TESTS[p.syndrome]}. Assay-specific reference ranges apply.")


def _hormones_acth(p: Profile) -> str:
    return _hormones(p) + " The ACTH/cortisol work-up is not yet checked against a source (under review)."


def _site_ihc(p: Profile) -> str:
    note = ""
    if p.tumour == TumourClass.nec:
        note = " In NEC, PAX8 is not pancreas-specific and TTF-1 does not prove a lung origin."
    return ("Chromogranin, synaptophysin and Ki-67 confirm NE differentiation and grade but do not point to a site;"
            " the site-of-origin panel does (3-marker panel in NET liver metastases, sensitivity/specificity: TTF-1 81%/100%,"
            " CDX2 89%/94%, ISL1 63%/100%)." + note)


def _site_ihc_given(p: Profile) -> str:
    reported = {r.marker for r in p.case.ihc}
    missing = [MARKER_LABEL[m] for m in (IhcMarker.cdx2, IhcMarker.ttf1, IhcMarker.isl1, IhcMarker.satb2)
               if m not in reported]
    if not reported & {IhcMarker.pax8, IhcMarker.pax6}:
        missing.append("PAX8/PAX6")
    tail = f" Not reported: {', '.join(missing)}." if missing else ""
    return f"IHC results given: {_ihc_summary(p.case)}.{tail}"


def _ihc_title(p: Profile) -> str:
    r = p.ihc
    if r.sites and not r.mixed:
        return f"Suspected primary from IHC: {_sites_text(r.sites)}"
    if r.mixed:
        return f"IHC points to more than one site: {_sites_text(r.sites)}"
    return "IHC does not point to a site"


def _ihc_reason(p: Profile) -> str:
    r = p.ihc
    notes = "; ".join(r.notes) if r.notes else "no site marker positive"
    if r.sites and not r.mixed:
        return f"{notes}. Direct the next tests to this site; IHC suggests, it does not prove, the primary."
    if r.mixed:
        return f"{notes}. Markers overlap between sites: the pattern is inconclusive."
    if not r.core_complete:
        return f"{notes}. The core panel (CDX2, TTF-1, ISL1) is incomplete: complete it before calling IHC inconclusive."
    return f"{notes}. IHC is inconclusive for the site of origin."


def _endoscopy(p: Profile) -> str:
    base = ("Upper and lower endoscopy belong to the workup before surgery (Wang 2010: colonoscopy 86.7% sensitive"
            " for colonic NETs; Massimino 2012: colonoscopy 23%).")
    if p.tumour == TumourClass.nec:
        base += " Evidence comes from well-differentiated NET series."
    return base


def _upper_endoscopy(p: Profile) -> str:
    return _endoscopy(p) + " EGD found no primary in 24 patients in Massimino 2012."


def _capsule(p: Profile) -> str:
    why = "small-intestinal primary suspected" if p.small_bowel_suspected else "most NET-CUP primaries are small-bowel"
    return (f"{_first_upper(why)}: consider when a preoperative diagnosis is needed for surgical referral (NANETS 2017);"
            " capsule endoscopy found no primary in Massimino 2012 (n = 2).")


def _eus(p: Profile) -> str:
    why = []
    if Site.pancreas in p.ihc.sites:
        why.append("IHC points to the pancreas")
    if p.syndrome in PANCREATIC_SYNDROMES:
        why.append(f"{p.syndrome.value} syndrome")  # type: ignore[union-attr]
    return (_first_upper("; ".join(why)) + ": EUS is a localisation study for pancreatic NETs (NCI PDQ; with"
            " thin-section CT it localised all 32 insulinomas in one series). Its role in NET-CUP is not stated"
            " in the sources.")


def _genetic(p: Profile) -> str:
    why = []
    if p.pancreas_suspected:
        why.append("pancreatic origin suspected")
    if p.syndrome == Syndrome.gastrinoma:
        why.append("gastrinoma (MEN1 suspicion)")
    if p.case.site == Site.duodenum:
        why.append("duodenal NET")
    return (_first_upper("; ".join(why)) + ": about 10% of pancreatic NETs are inherited (MEN1, MEN4, VHL, NF1, TSC);"
            " NCCN advises genetic risk assessment for gastrinoma, multifocal pNET or MEN1 suspicion and"
            " consideration for duodenal NET or pNET. No source gives a NET-CUP-specific germline rule.")


def _molecular(p: Profile) -> str:
    lead = ("Site IHC inconclusive" if p.ihc.site_markers_given
            else "Site IHC recorded as negative")
    return (f"{lead}: a classifier may suggest a site. Its accuracy (95% with the 92-gene assay, >95% with"
            " methylation) comes from tumours of known primary; it has not been shown to change outcomes and is"
            " not a guideline standard of care.")


def _exploration(p: Profile) -> str:
    sstr = p.outcome(TestKind.sstr_pet)
    shown = "negative" if sstr == TestOutcome.negative else "did not localise the primary"
    return (f"Well-differentiated disease and SSTR PET {shown}: exploration found the primary in 79-87% of"
            " explored patients (Wang 2010, Massimino 2012), mostly small-bowel; NANETS 2017 supports exploration."
            " Occult primaries are small and often multifocal.")


def _family_history(p: Profile) -> str:
    return ("A thorough family history is part of the NET-CUP workup (JNCCN 2011). Red flags for an inherited"
            " syndrome: multiple primaries, rare tumours, age under 40, a family pattern.")


def _pathology(p: Profile) -> str:
    if p.differentiation_unknown:
        return ("Differentiation not stated: morphology separates well-differentiated NET (including G3) from NEC;"
                " Ki-67 alone cannot, and imaging and treatment differ.")
    return "No Ki-67 or mitotic count given: the grade steers imaging and treatment."


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
         "First step in every case: multiphase contrast CT of chest, abdomen and pelvis with arterial and"
         " portal venous phases, or MRI with diffusion-weighted imaging, preferred for the liver (ENETS, NCCN,"
         " NANETS)."),
    Rule("workup.pathology.differentiation_unknown", "pathology_review",
         lambda p: p.differentiation_unknown, RECOMMENDED, _pathology),
    Rule("workup.pathology.no_proliferation_index", "pathology_review",
         lambda p: p.ki67 is None and p.case.mitoses is None and p.tumour != TumourClass.nec,
         RECOMMENDED, _pathology),

    Rule("workup.sstr_pet.well_differentiated", "sstr_pet", lambda p: p.tumour in NET_LIKE, RECOMMENDED, _sstr_wd),
    Rule("workup.sstr_pet.nec_ki67_below_55", "sstr_pet", _nec_ki67_below_55, CONSIDER, _sstr_nec),
    Rule("workup.sstr_pet.g3_morphology_unknown", "sstr_pet", lambda p: p.tumour == TumourClass.g3_unconfirmed,
         CONSIDER, lambda p: "G3 with differentiation not stated: a NET G3 may be SSTR-positive; an NEC often is"
         " not." + _octreoscan_note(p)),
    Rule("workup.sstr_pet.differentiation_unknown", "sstr_pet", lambda p: p.tumour == TumourClass.unknown,
         CONSIDER, lambda p: "Differentiation and grade unknown: SSTR PET suits well-differentiated NETs."
         + _octreoscan_note(p)),

    Rule("workup.fdg_pet.nec", "fdg_pet", lambda p: p.tumour == TumourClass.nec, RECOMMENDED,
         "NEC: SSTR imaging is usually negative and FDG PET shows disease spread best (Koumarianou 2013;"
         " NCI PDQ; Zhang 2018 FDG sensitivity 100% in NEC). ENETS 2016 words it more narrowly: FDG may be"
         " considered when radical surgery is planned or findings are equivocal."),
    Rule("workup.fdg_pet.g3", "fdg_pet",
         lambda p: p.tumour in (TumourClass.net_g3, TumourClass.g3_unconfirmed), RECOMMENDED,
         lambda p: f"Grade G3 ({_ki67_text(p)}): FDG PET is probably useful when Ki-67 is 10% or more (Zhang 2018),"
         " and dual SSTR/FDG imaging carries prognosis (NETPET)."),
    Rule("workup.fdg_pet.sstr_negative", "fdg_pet", _sstr_negative_wd, CONSIDER, _fdg_sstr_negative),
    Rule("workup.fdg_pet.ki67_10_or_more", "fdg_pet", _net_like_ki67_10, CONSIDER,
         lambda p: f"Well-differentiated tumour with {_ki67_text(p)}: FDG PET probably useful when Ki-67 is 10% or"
         " more (Zhang 2018); SSTR+/FDG+ disease has a worse prognosis than SSTR+/FDG- (NETPET)."),
    Rule("workup.fdg_pet.differentiation_unknown", "fdg_pet", lambda p: p.tumour == TumourClass.unknown,
         CONSIDER, "Differentiation and grade unknown: FDG PET suits NEC and high-grade tumours."),

    Rule("workup.site_ihc.results_given", "site_ihc", _ihc_given, DONE, _site_ihc_given),
    Rule("workup.site_ihc.primary_unknown", "site_ihc", lambda p: p.primary_unknown, RECOMMENDED, _site_ihc),
    Rule("workup.ihc.suspected_primary", "ihc_suspected_primary", _ihc_clear, RECOMMENDED, _ihc_reason,
         title=_ihc_title),
    Rule("workup.ihc.inconclusive", "ihc_suspected_primary", _ihc_given, CONSIDER, _ihc_reason, title=_ihc_title),

    Rule("workup.labs.cga_nec", "chromogranin_a", lambda p: p.tumour == TumourClass.nec, CONSIDER, _cga),
    Rule("workup.labs.cga", "chromogranin_a", _always, RECOMMENDED, _cga),
    Rule("workup.labs.5hiaa", "urine_5hiaa", _five_hiaa_indicated, RECOMMENDED, _5hiaa),
    Rule("workup.labs.5hiaa_differentiation_unknown", "urine_5hiaa",
         lambda p: p.tumour in (TumourClass.unknown, TumourClass.g3_unconfirmed), CONSIDER, _5hiaa),
    Rule("workup.labs.hormones_acth", "hormones", lambda p: p.syndrome == Syndrome.acth, RECOMMENDED,
         _hormones_acth, verified=False),
    Rule("workup.labs.hormones_by_syndrome", "hormones", _hormone_syndrome, RECOMMENDED, _hormones),

    Rule("workup.endoscopy.colonoscopy_nec", "colonoscopy",
         lambda p: p.primary_unknown and p.tumour == TumourClass.nec, CONSIDER, _endoscopy),
    Rule("workup.endoscopy.colonoscopy", "colonoscopy", lambda p: p.primary_unknown, RECOMMENDED, _endoscopy),
    Rule("workup.endoscopy.upper_nec", "upper_endoscopy",
         lambda p: p.primary_unknown and p.tumour == TumourClass.nec, CONSIDER, _upper_endoscopy),
    Rule("workup.endoscopy.upper", "upper_endoscopy", lambda p: p.primary_unknown, RECOMMENDED, _upper_endoscopy),
    Rule("workup.endoscopy.small_bowel", "small_bowel_endoscopy",
         lambda p: p.primary_unknown and (p.tumour in NET_LIKE or p.small_bowel_suspected),
         CONSIDER, _capsule),
    Rule("workup.endoscopy.eus_pancreas_suspected", "eus",
         lambda p: p.primary_unknown and (Site.pancreas in p.ihc.sites or p.syndrome in PANCREATIC_SYNDROMES),
         CONSIDER, _eus),

    Rule("workup.germline.family_history", "family_history", _always, RECOMMENDED, _family_history),
    Rule("workup.germline.risk_assessment", "genetic_risk_assessment", _genetic_indicated, RECOMMENDED, _genetic),

    Rule("workup.molecular.ihc_inconclusive", "molecular_classifier", _ihc_inconclusive, CONSIDER, _molecular),
    Rule("workup.surgery.exploration", "surgical_exploration", _imaging_did_not_find_primary, CONSIDER,
         _exploration),
)


# -- treatment direction (section 5) --

def _tx_well(p: Profile) -> str:
    lead = ("Primary unknown: well- and moderately differentiated tumours are treated like carcinoids, i.e. NETs of"
            " known midgut/pancreatic origin (JNCCN 2011); well-differentiated NET-CUP runs an indolent course"
            " (Stoyianni 2011).") if p.primary_unknown else (
            "Well-differentiated NET: the trials below were run in known-primary NETs.")
    if p.tumour == TumourClass.low_grade_unconfirmed:
        lead += " Provisional: differentiation is not stated."
    return lead


def _tx_well_title(p: Profile) -> str:
    if p.primary_unknown:
        return TREATMENT_CATALOGUE["tx_well_differentiated"].title
    return "Treat as a well-differentiated NET of the known primary site"


def _tx_ssa(p: Profile) -> str:
    text = ("CLARINET (lanreotide) included non-functioning G1/G2 enteropancreatic NETs with Ki-67 <10%, unknown"
            " primaries included; median PFS 38.5 months in the open-label extension.")
    if p.ki67 is None:
        text += " Ki-67 not given."
    elif p.ki67 < 10:
        text += f" Ki-67 {p.ki67:g}% is within that range."
    else:
        text += f" Ki-67 {p.ki67:g}% is above the CLARINET range: less evidence."
    if p.syndrome is not None:
        text += " CLARINET enrolled non-functioning tumours only."
    if p.syndrome == Syndrome.carcinoid:
        text += " Lanreotide is also labelled for carcinoid syndrome."
    return text


def _tx_prrt(p: Profile) -> str:
    sstr = p.outcome(TestKind.sstr_pet)
    state = ("SSTR PET positive." if sstr == TestOutcome.positive
             else "Needs SSTR-positive disease on imaging.")
    return (f"{state} NETTER-1: SSTR-positive midgut NETs progressing on SSA (PFS at 20 months 65.2% vs 10.8%);"
            " use in NET-CUP is an extrapolation.")


def _tx_everolimus(p: Profile) -> str:
    text = ("RADIANT-4: advanced progressive non-functional lung or GI NETs, with a 'GI or unknown' subgroup"
            " (median PFS 11.0 vs 3.9 months).")
    if p.syndrome is not None:
        text += (" The trial enrolled non-functional tumours (patients with carcinoid syndrome were excluded), so"
                 " a functional tumour falls outside it.")
    return text


def _tx_captem(p: Profile) -> str:
    where = "pancreatic primary" if p.case.site == Site.pancreas else "pancreatic origin suspected"
    return (f"{_first_upper(where)}: E2211 (pancreatic G1/G2 NET) median PFS 22.7 vs 14.4 months with"
            " temozolomide alone; in NET-CUP an extrapolation, most plausible with pancreatic origin.")


def _sstr_not_negative(p: Profile) -> bool:
    return p.outcome(TestKind.sstr_pet) != TestOutcome.negative


TREATMENT_RULES: Tuple[Rule, ...] = (
    Rule("treatment.differentiation_needed", "tx_needs_differentiation",
         lambda p: p.tumour in (TumourClass.unknown, TumourClass.g3_unconfirmed), RECOMMENDED,
         "Without a known primary, treatment follows grade and differentiation (JNCCN 2011): NET (including NET G3)"
         " and NEC are treated differently, so morphology must be settled first."),
    Rule("treatment.well_differentiated.principle", "tx_well_differentiated",
         lambda p: p.tumour in LOW_GRADE_NET_LIKE, RECOMMENDED, _tx_well, title=_tx_well_title),
    Rule("treatment.well_differentiated.ssa", "tx_ssa", lambda p: p.tumour in LOW_GRADE_NET_LIKE, CONSIDER, _tx_ssa),
    Rule("treatment.well_differentiated.prrt", "tx_prrt",
         lambda p: p.tumour in LOW_GRADE_NET_LIKE and _sstr_not_negative(p), CONSIDER, _tx_prrt),
    Rule("treatment.well_differentiated.everolimus", "tx_everolimus",
         lambda p: p.tumour in LOW_GRADE_NET_LIKE, CONSIDER, _tx_everolimus),
    Rule("treatment.well_differentiated.captem_pancreas", "tx_captem",
         lambda p: p.tumour in LOW_GRADE_NET_LIKE and p.pancreas_suspected, CONSIDER, _tx_captem),
    Rule("treatment.net_g3.principle", "tx_net_g3", lambda p: p.tumour == TumourClass.net_g3, RECOMMENDED,
         "NET G3 differs from NEC in molecular make-up, imaging and prognosis; data on its management are scarce"
         " and no drug is approved for NET G3 (2022 review)."),
    Rule("treatment.nec.first_line", "tx_nec_first_line", lambda p: p.tumour == TumourClass.nec, RECOMMENDED,
         "Poorly differentiated tumours are treated like small cell carcinoma (JNCCN 2011); ENETS 2023 recommends"
         " carboplatin with etoposide first line for metastatic digestive NEC; NEC-CUP series were treated mostly"
         " with platinum regimens (Stoyianni 2011)."),
    Rule("treatment.nec.second_line", "tx_nec_second_line", lambda p: p.tumour == TumourClass.nec, CONSIDER,
         "ENETS 2023: irinotecan with a fluoropyrimidine has the best second-line evidence; there is no standard"
         " second line (SENECA protocol)."),
    Rule("treatment.cytoreduction", "tx_cytoreduction", lambda p: p.tumour in LOW_GRADE_NET_LIKE, CONSIDER,
         "Resection of NET liver metastases is supported only by retrospective series (5-year OS 46-86%); there is"
         " no level 1 evidence, so 'debulking improves survival' is not proven. NCCN now calls it cytoreduction."),
)


# ---------------------------------------------------------------------------
# Engine
# ---------------------------------------------------------------------------

OUTCOME_TEXT = {TestOutcome.positive: "positive", TestOutcome.negative: "negative", TestOutcome.done: "result not stated"}
TEST_LABEL = {
    TestKind.ct: "CT", TestKind.mri: "MRI", TestKind.sstr_pet: "SSTR PET", TestKind.fdg_pet: "FDG PET",
    TestKind.octreoscan: "OctreoScan", TestKind.chromogranin_a: "chromogranin A", TestKind.hiaa_5: "5-HIAA",
    TestKind.hormones: "hormones", TestKind.site_ihc: "site IHC", TestKind.colonoscopy: "colonoscopy",
    TestKind.upper_endoscopy: "upper endoscopy", TestKind.capsule_endoscopy: "capsule endoscopy",
    TestKind.eus: "EUS", TestKind.bronchoscopy: "bronchoscopy", TestKind.molecular_classifier: "molecular classifier",
    TestKind.germline: "germline testing", TestKind.surgical_exploration: "surgical exploration",
}


def _done_text(tests: List[TestDone]) -> str:
    parts = []
    for t in tests:
        detail = f" ({t.detail})" if t.detail else ""
        parts.append(f"{TEST_LABEL[t.test]} {OUTCOME_TEXT[t.outcome]}{detail}")
    return "Already done: " + "; ".join(parts) + "."


def _run_rules(rules: Tuple[Rule, ...], catalogue: Dict[str, StepInfo], p: Profile,
               fired: List[Rule]) -> List[WorkupStep]:
    decided: Dict[str, WorkupStep] = {}
    for rule in rules:
        if rule.step_id in decided or not rule.when(p):
            continue
        info = catalogue[rule.step_id]
        done = [p.done[k] for k in info.tests if k in p.done]
        reason = _text(rule.reason, p)
        status = rule.status
        if done:
            status, reason = DONE, f"{_done_text(done)} {reason}"
        decided[rule.step_id] = WorkupStep(
            id=rule.step_id,
            title=rule.title(p) if rule.title else info.title,
            reason=reason,
            rule_id=rule.rule_id,
            topics=list(info.topics),
            status=status,
        )
        fired.append(rule)
    # Tests reported as done that no rule asked for still show, as done.
    for step_id, info in catalogue.items():
        done = [p.done[k] for k in info.tests if k in p.done]
        if step_id not in decided and done:
            decided[step_id] = WorkupStep(
                id=step_id, title=info.title, reason=_done_text(done),
                rule_id="workup.done.reported", topics=list(info.topics), status=DONE)
    return [decided[s] for s in catalogue if s in decided]


def _flags(p: Profile) -> List[Flag]:
    flags: List[Flag] = []
    if not p.primary_unknown:
        flags.append(Flag(code="primary_known", message=(
            f"Primary site given ({p.case.site.value}): steps that search for an unknown primary are left out,"
            " and the treatment direction here is written for NET-CUP: site-specific guidance applies.")))  # type: ignore[union-attr]
    if p.is_done(TestKind.octreoscan) and not p.is_done(TestKind.sstr_pet):
        flags.append(Flag(code="octreoscan_superseded", message=(
            "OctreoScan is superseded: SSTR PET should replace it in all indications (2018 appropriate use criteria).")))
    if p.tumour in NET_LIKE and p.outcome(TestKind.sstr_pet) == TestOutcome.negative:
        flags.append(Flag(code="sstr_negative_well_differentiated", message=(
            "A negative SSTR PET does not end the search in a well-differentiated tumour: site IHC, endoscopy and"
            " surgical exploration remain; FDG PET if Ki-67 is 10% or more. PRRT needs SSTR-positive disease.")))
    if p.tumour == TumourClass.g3_unconfirmed:
        flags.append(Flag(code="g3_morphology_needed", message=(
            "G3 by proliferation with differentiation not stated: morphology separates NET G3 from NEC.")))
    if p.tumour == TumourClass.nec:
        flags.append(Flag(code="nec_ihc_caveat", message=(
            "In NEC, PAX8 is not pancreas-specific and TTF-1 positivity does not prove a lung origin.")))
    if p.grade is not None and p.grade.provisional:
        flags.append(Flag(code="grade_provisional", message=(
            "The grade is provisional; steps chosen by grade may change when it is confirmed.")))
    if p.ihc.mixed:
        flags.append(Flag(code="ihc_mixed", message="Site-of-origin IHC points to more than one site."))
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
    """Next workup steps and treatment direction for a NET (of unknown primary).

    Without `grade_result` the case is graded with bot.grading.grade, so the grading
    rules stay in one place.
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
        flags.append(Flag(code="under_review", message=(
            "Part of this workup rests on facts not yet checked against a source: "
            + ", ".join(r.step_id for r in unverified) + ".")))
    return WorkupResult(
        steps=steps,
        treatment_direction=treatment,
        rule_ids=[p.class_rule] + [r.rule_id for r in fired],
        flags=flags,
        missing=_missing(p),
        review_status=ReviewStatus.under_review if unverified else ReviewStatus.source_checked,
    )
