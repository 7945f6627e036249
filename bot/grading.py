"""WHO grading of neuroendocrine neoplasms (clinical_facts.md sections 1, 2 and 9).

Three paths, chosen in this order:
  1. lung or thymus  -> WHO thoracic criteria: mitoses per 2 mm² + necrosis; Ki-67 not used (F2.1-F2.3)
  2. poorly differentiated -> NEC, not graded (F1.1, F1.6)
  3. everything else (GEP site, unknown primary, site not given) -> WHO 2019 digestive G1-G3,
     each index graded separately and the higher grade wins (F1.1, F1.4, F1.5)

All cut-offs, margins and unit conversions live in the tables below and nowhere else.
Every step that fires records a stable rule id and a plain-English trace line with the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from bot.models import (
    Case,
    Differentiation,
    FieldValue,
    Flag,
    GradeResult,
    MitoticUnit,
    ReviewStatus,
    Site,
    WhatIf,
)

# --------------------------------------------------------------------------------------------
# Tables (the only place where numbers live)
# --------------------------------------------------------------------------------------------

SYSTEM_GEP = "WHO 2019 digestive"
EDITION_GEP = "WHO 2019 (5th ed.) digestive system"
SYSTEM_THORACIC = "WHO 2021 thoracic"
EDITION_THORACIC = "WHO 2021 (5th ed.) thoracic"

THORACIC_SITES = frozenset({Site.lung, Site.thymus})

GRADES = ("G1", "G2", "G3")  # ordered, lowest first

TYPICAL_CARCINOID = "typical carcinoid"
ATYPICAL_CARCINOID = "atypical carcinoid"
HIGH_GRADE_THORACIC = "high-grade NEC (LCNEC or SCLC; separated by cytology)"
NEC = "NEC"
G3_NEN_UNKNOWN_DIFFERENTIATION = "G3 NEN (morphology needed to separate NET G3 from NEC)"
NOT_GRADABLE = "not gradable"

# Secondary tables map the thoracic categories to grade words (F2.4, VERIFIED). The
# "NET grade 1/2" synonyms are FROM MEMORY and deliberately not used.
THORACIC_GRADE_WORDS = {
    TYPICAL_CARCINOID: "low grade",
    ATYPICAL_CARCINOID: "intermediate grade",
    HIGH_GRADE_THORACIC: "high grade",
}

MIN_KI67_CELLS = 500  # F1.3: count at least 500 cells in hot spots


@dataclass(frozen=True)
class ThreeBandScale:
    """A WHO index scale of the shape '< low | low-high (both inclusive) | > high'.

    `near_margin` is how close to a cut-off a value must be to get the near_cutoff flag.
    """

    index: str  # "Ki-67" or "Mitoses"
    unit: str  # appended to numbers: "%" or " per 2 mm²"
    low: float
    high: float
    labels: Tuple[str, str, str]
    near_margin: float
    recount_advice: str

    def band(self, value: float) -> int:
        if value < self.low:
            return 0
        if value <= self.high:
            return 1
        return 2

    def classify(self, value: float) -> str:
        return self.labels[self.band(value)]

    def band_text(self, band: int) -> str:
        if band == 0:
            return f"below {_fmt(self.low)}{self.unit}"
        if band == 1:
            return f"{_fmt(self.low)}-{_fmt(self.high)}{self.unit}"
        return f"above {_fmt(self.high)}{self.unit}"

    def example(self, band: int) -> float:
        """A value inside a band, used to compute what-ifs."""
        return (self.low / 2, (self.low + self.high) / 2, self.high + (self.high - self.low) / 2)[band]

    def where(self, value: float) -> str:
        """'Ki-67 12% is within 3-20%'."""
        band = self.band(value)
        word = "is within" if band == 1 else "is"
        return f"{self.index} {_fmt(value)}{self.unit} {word} {self.band_text(band)}"

    def near_cutoffs(self, value: float) -> List[float]:
        return [c for c in (self.low, self.high) if abs(value - c) <= self.near_margin]


_KI67_ADVICE = (
    "count at least 500 cells in the hot spots (manually on a captured image near a cut-off) "
    "and consider expert pathology review"
)
_MITOSES_ADVICE = (
    "recount over at least 10 mm² in the most mitotically active area "
    "and consider expert pathology review"
)

# WHO 2019 digestive (F1.1, F1.5): 3 and 20 both fall in G2; mitoses 2 and 20 both in G2.
KI67_SCALE = ThreeBandScale("Ki-67", "%", 3, 20, GRADES, 1.0, _KI67_ADVICE)
GEP_MITOSES_SCALE = ThreeBandScale("Mitoses", " per 2 mm²", 2, 20, GRADES, 1.0, _MITOSES_ADVICE)
# WHO thoracic (F2.1, F2.3): < 2 typical (if no necrosis), 2-10 atypical, > 10 high grade.
THORACIC_MITOSES_SCALE = ThreeBandScale(
    "Mitoses",
    " per 2 mm²",
    2,
    10,
    (TYPICAL_CARCINOID, ATYPICAL_CARCINOID, HIGH_GRADE_THORACIC),
    1.0,
    _MITOSES_ADVICE,
)

@dataclass(frozen=True)
class UnitRule:
    divisor: float  # count / divisor = mitoses per 2 mm²
    caveat: Optional[str]  # None: no flag


# F1.2: 50 fields of 0.2 mm² = 10 mm², so a 50 HPF count / 5 is per 2 mm²; 10 HPF is only
# approximately 2 mm² because HPF areas differ between microscopes.
MITOTIC_UNITS: Dict[MitoticUnit, UnitRule] = {
    MitoticUnit.per_2mm2: UnitRule(1, None),
    MitoticUnit.per_10hpf: UnitRule(
        1,
        "Mitoses were given per 10 HPF and graded on that number. WHO counts per 2 mm²; 10 HPF "
        "equal 2 mm² only with a field diameter of about 0.5 mm, and HPF areas differ between "
        "microscopes, so the grade is approximate. A count per mm² or per 2 mm² is preferred.",
    ),
    MitoticUnit.per_50hpf: UnitRule(
        5,
        "Mitoses were given per 50 HPF. 50 HPF are about 10 mm², so the count was divided by 5 to "
        "give mitoses per 2 mm². HPF areas differ between microscopes, so this is approximate.",
    ),
}


@dataclass(frozen=True)
class RuleInfo:
    summary: str
    facts: Tuple[str, ...]  # ids in clinical_facts.md
    topic: str  # knowledge topic that backs the rule
    review_status: ReviewStatus = ReviewStatus.source_checked


# Every rule id that grade() can emit, so the answer layer can describe and cite them.
GRADING_RULES: Dict[str, RuleInfo] = {
    "WHO2019-UNITS-10HPF": RuleInfo("A count per 10 HPF is graded as given, with a caveat.", ("F1.2",), "grading_gep"),
    "WHO2019-UNITS-50HPF": RuleInfo("A count per 50 HPF (about 10 mm²) is divided by 5.", ("F1.2",), "grading_gep"),
    "WHO2019-GEP-SCOPE": RuleInfo(
        "Non-thoracic or unknown primary sites are graded with the WHO 2019 digestive criteria.",
        ("F1.1",),
        "grading_gep",
    ),
    "WHO2019-GEP-KI67": RuleInfo("Ki-67: < 3% G1, 3-20% G2, > 20% G3.", ("F1.1", "F1.5"), "grading_gep"),
    "WHO2019-GEP-MITOSES": RuleInfo(
        "Mitoses per 2 mm²: < 2 G1, 2-20 G2, > 20 G3.", ("F1.1", "F1.5"), "grading_gep"
    ),
    "WHO2019-GEP-HIGHER-WINS": RuleInfo(
        "The final grade is the higher of the Ki-67 and mitotic grades.", ("F1.4",), "grading_gep"
    ),
    "WHO2019-GEP-NET": RuleInfo(
        "A well-differentiated tumour is reported as NET G1, G2 or G3.", ("F1.1", "F1.6"), "grading_gep"
    ),
    "WHO2019-G3-MORPHOLOGY": RuleInfo(
        "G3 with differentiation not stated: morphology must separate NET G3 from NEC.", ("F1.6",), "definitions"
    ),
    "WHO2019-NEC-NOT-GRADED": RuleInfo(
        "Poorly differentiated tumours are NEC, high grade by definition, not graded G1-G3.",
        ("F1.1", "F1.6"),
        "definitions",
    ),
    "WHO2019-NOT-GRADABLE": RuleInfo("No Ki-67 and no mitotic count: no grade.", ("F1.1",), "grading_gep"),
    "WHO2021-LUNG-SCOPE": RuleInfo(
        "Lung and thymus NENs are classified by mitoses per 2 mm² and necrosis; the WHO 2021 "
        "criteria being unchanged is not yet confirmed.",
        ("F2.1", "F2.2"),
        "grading_lung",
        ReviewStatus.under_review,
    ),
    "WHO2021-LUNG-KI67-NOT-USED": RuleInfo(
        "Ki-67 plays no role in lung/thymus classification.", ("F2.2",), "grading_lung", ReviewStatus.under_review
    ),
    "WHO2021-LUNG-TC": RuleInfo(
        "< 2 mitoses per 2 mm² and no necrosis: typical carcinoid.", ("F2.1",), "grading_lung", ReviewStatus.under_review
    ),
    "WHO2021-LUNG-AC": RuleInfo(
        "2-10 mitoses per 2 mm² and/or necrosis: atypical carcinoid.",
        ("F2.1", "F2.3"),
        "grading_lung",
        ReviewStatus.under_review,
    ),
    "WHO2021-LUNG-HIGH-GRADE": RuleInfo(
        "> 10 mitoses per 2 mm²: LCNEC or SCLC, separated by cytology.",
        ("F2.1", "F2.3"),
        "grading_lung",
        ReviewStatus.under_review,
    ),
    "WHO2021-LUNG-NECROSIS-UNKNOWN": RuleInfo(
        "< 2 mitoses per 2 mm² with necrosis not stated: typical or atypical depends on necrosis.",
        ("F2.1",),
        "grading_lung",
        ReviewStatus.under_review,
    ),
    "WHO2021-LUNG-NOT-GRADABLE": RuleInfo(
        "No mitotic count: a lung/thymus NEN cannot be classified.",
        ("F2.1", "F2.2"),
        "grading_lung",
        ReviewStatus.under_review,
    ),
}

THORACIC_CATEGORY_RULES = {
    TYPICAL_CARCINOID: "WHO2021-LUNG-TC",
    ATYPICAL_CARCINOID: "WHO2021-LUNG-AC",
    HIGH_GRADE_THORACIC: "WHO2021-LUNG-HIGH-GRADE",
}

# Flag codes are stable: the answer layer maps them to knowledge statements.
FLAG_SOURCES: Dict[str, Tuple[Tuple[str, ...], str]] = {
    "discordant_indices": (("F1.4",), "grading_gep"),
    "near_cutoff": (("F1.3", "F1.9"), "grading_gep"),
    "few_cells": (("F1.3",), "grading_gep"),
    "single_index": (("F1.4",), "grading_gep"),
    "hpf_units": (("F1.2",), "grading_gep"),
    "lung_ki67_ignored": (("F2.2",), "grading_lung"),
    "nec_discordant": (("F1.6",), "definitions"),
    "lung_boundary_10": (("F2.3",), "grading_lung"),
}

# Order in which missing inputs are listed.
MISSING_ORDER = ("site", "differentiation", "ki67_percent", "mitoses", "necrosis")


# --------------------------------------------------------------------------------------------
# Small public helpers
# --------------------------------------------------------------------------------------------


def grade_from_ki67(ki67: float) -> str:
    """WHO 2019 digestive grade from the Ki-67 index alone ('G1' | 'G2' | 'G3')."""
    return KI67_SCALE.classify(ki67)


def grade_from_mitoses(per_2mm2: float) -> str:
    """WHO 2019 digestive grade from mitoses per 2 mm² alone."""
    return GEP_MITOSES_SCALE.classify(per_2mm2)


def higher_grade(*grades: Optional[str]) -> Optional[str]:
    given = [g for g in grades if g is not None]
    return max(given, key=GRADES.index) if given else None


def lung_category(mitoses_per_2mm2: float, necrosis: bool) -> str:
    """WHO thoracic category (lung or thymus) from mitoses per 2 mm² and necrosis."""
    category = THORACIC_MITOSES_SCALE.classify(mitoses_per_2mm2)
    if category == TYPICAL_CARCINOID and necrosis:
        return ATYPICAL_CARCINOID
    return category


def mitoses_per_2mm2(count: float, unit: MitoticUnit) -> float:
    return count / MITOTIC_UNITS[unit].divisor


def describe_cutoffs() -> List[str]:
    """One line per scale, built from the tables above."""
    lines = []
    for title, scale in (
        ("Ki-67 (WHO 2019 digestive)", KI67_SCALE),
        ("Mitoses per 2 mm² (WHO 2019 digestive)", GEP_MITOSES_SCALE),
        ("Mitoses per 2 mm² (WHO thoracic)", THORACIC_MITOSES_SCALE),
    ):
        bands = "; ".join(f"{scale.band_text(b)} -> {scale.labels[b]}" for b in range(3))
        lines.append(f"{title}: {bands}")
    return lines


# --------------------------------------------------------------------------------------------
# Grading
# --------------------------------------------------------------------------------------------


def grade(case: Case) -> GradeResult:
    """Grade or classify a NEN from a Case, with rule trace, flags, missing inputs and what-ifs."""
    result = _grade(case)
    if case.nec_subtype is not None and result.category in (NEC, HIGH_GRADE_THORACIC):
        result.nec_subtype = case.nec_subtype.value  # the carcinoma's cell type, kept as given
    result.what_ifs = _what_ifs(case, result)
    return result


@dataclass
class _Work:
    """Collects what the rules fire while one case is graded."""

    rule_ids: List[str] = field(default_factory=list)
    trace: List[str] = field(default_factory=list)
    flags: List[Flag] = field(default_factory=list)
    missing: set = field(default_factory=set)
    provisional: bool = False

    def fire(self, rule_id: str, line: str) -> None:
        assert rule_id in GRADING_RULES, rule_id
        self.rule_ids.append(rule_id)
        self.trace.append(line)

    def flag(self, code: str, message: str, values: Optional[Dict[str, FieldValue]] = None) -> None:
        assert code in FLAG_SOURCES, code
        self.flags.append(Flag(code=code, message=message, values=values or {}))

    def result(self, category: str, grade: Optional[str], thoracic: bool) -> GradeResult:
        return GradeResult(
            category=category,
            grade=grade,
            system=SYSTEM_THORACIC if thoracic else SYSTEM_GEP,
            edition=EDITION_THORACIC if thoracic else EDITION_GEP,
            thoracic=thoracic,
            kind=_kind_of_category(category, thoracic),
            rule_ids=self.rule_ids,
            trace=self.trace,
            flags=self.flags,
            missing=[m for m in MISSING_ORDER if m in self.missing],
            provisional=self.provisional,
            # The WHO 2021 thoracic criteria being unchanged is FROM MEMORY (F2.1, S14).
            review_status=ReviewStatus.under_review if thoracic else ReviewStatus.source_checked,
        )


def _kind_of_category(category: str, thoracic: bool) -> str:
    """The kind of a category this module named (its own constants, never a user's words)."""
    if category == NOT_GRADABLE:
        return "not_gradable"
    if category == G3_NEN_UNKNOWN_DIFFERENTIATION:
        return "g3_nen"
    if category in (NEC, HIGH_GRADE_THORACIC):
        return "nec"
    return "carcinoid" if thoracic else "net"


def _grade(case: Case) -> GradeResult:
    if case.site in THORACIC_SITES:
        return _grade_thoracic(case)
    if case.differentiation == Differentiation.poorly:
        return _grade_nec(case)
    return _grade_gep(case)


def _mitoses(case: Case, work: _Work) -> Optional[float]:
    """Mitoses per 2 mm², converting HPF units and flagging the approximation."""
    if case.mitoses is None:
        return None
    unit = MITOTIC_UNITS[case.mitoses_unit]
    value = mitoses_per_2mm2(case.mitoses, case.mitoses_unit)
    if case.mitoses_unit == MitoticUnit.per_10hpf:
        work.fire("WHO2019-UNITS-10HPF", f"Mitoses {_fmt(case.mitoses)} per 10 HPF used as about {_fmt(value)} per 2 mm²")
    elif case.mitoses_unit == MitoticUnit.per_50hpf:
        work.fire(
            "WHO2019-UNITS-50HPF",
            f"Mitoses {_fmt(case.mitoses)} per 50 HPF (about 10 mm²) / 5 = about {_fmt(value)} per 2 mm²",
        )
    if unit.caveat:
        work.flag("hpf_units", unit.caveat)
    return value


def _check_near(scale: ThreeBandScale, value: float, work: _Work) -> None:
    for cutoff in scale.near_cutoffs(value):
        work.flag(
            "near_cutoff",
            f"{scale.index} {_fmt(value)}{scale.unit} is within {_fmt(scale.near_margin)} of the cut-off "
            f"{_fmt(cutoff)}{scale.unit}; small counting differences change the result here: "
            f"{scale.recount_advice}.",
            # which index is near its cut-off, as a code: the answer cites the counting statement for mitoses
            values={"index": "ki67" if scale is KI67_SCALE else "mitoses"},
        )


def _grade_gep(case: Case) -> GradeResult:
    work = _Work()
    if case.site is None:
        work.missing.add("site")
        scope = "Site not given: graded with the WHO 2019 digestive criteria (lung or thymus would use different criteria)"
    elif case.site == Site.unknown:
        scope = "Primary site unknown: graded with the WHO 2019 digestive criteria (a lung or thymus primary would use different criteria)"
    else:
        scope = f"Site {case.site.value}: graded with the WHO 2019 digestive criteria"
    work.fire("WHO2019-GEP-SCOPE", scope)

    ki67 = case.ki67_percent
    mitoses = _mitoses(case, work)
    ki67_grade = mitotic_grade = None

    if ki67 is not None:
        ki67_grade = grade_from_ki67(ki67)
        work.fire("WHO2019-GEP-KI67", f"{KI67_SCALE.where(ki67)} -> {ki67_grade}")
        _check_near(KI67_SCALE, ki67, work)
        if case.cells_counted is not None and case.cells_counted < MIN_KI67_CELLS:
            work.provisional = True
            work.flag(
                "few_cells",
                f"Ki-67 was counted on {case.cells_counted} cells, fewer than the {MIN_KI67_CELLS} "
                "recommended in the hot spots; the Ki-67 grade is provisional.",
            )
    if mitoses is not None:
        mitotic_grade = grade_from_mitoses(mitoses)
        work.fire("WHO2019-GEP-MITOSES", f"{GEP_MITOSES_SCALE.where(mitoses)} -> {mitotic_grade}")
        _check_near(GEP_MITOSES_SCALE, mitoses, work)

    final = higher_grade(ki67_grade, mitotic_grade)
    if final is None:
        work.missing.update({"ki67_percent", "mitoses"})
        work.fire("WHO2019-NOT-GRADABLE", "Neither Ki-67 nor a mitotic count was given, so no grade can be assigned")
        return work.result(NOT_GRADABLE, None, thoracic=False)

    if ki67_grade and mitotic_grade:
        if ki67_grade == mitotic_grade:
            work.fire("WHO2019-GEP-HIGHER-WINS", f"Ki-67 and mitoses both give {final} -> {final}")
        else:
            work.fire(
                "WHO2019-GEP-HIGHER-WINS",
                f"Higher of {ki67_grade} (Ki-67) and {mitotic_grade} (mitoses) -> {final}",
            )
            work.flag(
                "discordant_indices",
                f"Ki-67 gives {ki67_grade} but mitoses give {mitotic_grade}; WHO uses the higher grade ({final}).",
            )
    elif final != GRADES[-1]:
        # The missing index can only raise the grade, never lower it (F1.4).
        absent, absent_name = ("mitoses", "mitotic count") if ki67_grade else ("ki67_percent", "Ki-67 index")
        work.missing.add(absent)
        work.provisional = True
        work.fire(
            "WHO2019-GEP-HIGHER-WINS",
            f"Only one index given -> {final} for now; the {absent_name} could only raise it",
        )
        work.flag(
            "single_index",
            f"Only one proliferation index was given; the {absent_name} could raise the grade above "
            f"{final}, so {final} is provisional.",
        )

    well = case.differentiation == Differentiation.well
    if final == "G3" and not well:
        work.missing.add("differentiation")
        work.fire(
            "WHO2019-G3-MORPHOLOGY",
            "G3 with differentiation not stated -> G3 NEN; morphology is needed to separate "
            "well-differentiated NET G3 from poorly differentiated NEC (Ki-67 alone cannot)",
        )
        return work.result(G3_NEN_UNKNOWN_DIFFERENTIATION, final, thoracic=False)

    if well:
        work.fire("WHO2019-GEP-NET", f"Well differentiated with grade {final} -> NET {final}")
    else:
        work.missing.add("differentiation")
        work.fire(
            "WHO2019-GEP-NET",
            f"Differentiation not stated; grade {final} fits a well-differentiated NET -> NET {final} "
            "(a poorly differentiated tumour would be NEC whatever its index)",
        )
    return work.result(f"NET {final}", final, thoracic=False)


def _grade_nec(case: Case) -> GradeResult:
    work = _Work()
    work.fire(
        "WHO2019-NEC-NOT-GRADED",
        "Poorly differentiated -> NEC (small or large cell type); NECs are high grade by definition "
        "and are not given G1-G3",
    )
    mitoses = _mitoses(case, work)
    # F1.6: a NEC is expected above 20 on both indices; a lower value is discordant.
    low_values = []
    if case.ki67_percent is not None and grade_from_ki67(case.ki67_percent) != "G3":
        low_values.append(f"Ki-67 {_fmt(case.ki67_percent)}%")
    if mitoses is not None and grade_from_mitoses(mitoses) != "G3":
        low_values.append(f"mitoses {_fmt(mitoses)} per 2 mm²")
    if low_values:
        work.flag(
            "nec_discordant",
            f"Poorly differentiated morphology but {' and '.join(low_values)} (20 or less): this is "
            "discordant. It does not turn the tumour into a NET; check sampling and hot-spot selection "
            "and consider expert pathology review.",
        )
    return work.result(NEC, None, thoracic=False)


def _grade_thoracic(case: Case) -> GradeResult:
    work = _Work()
    work.fire(
        "WHO2021-LUNG-SCOPE",
        f"Site {case.site.value}: classified by mitoses per 2 mm² and necrosis (WHO thoracic criteria). That "
        "WHO 2021 left these criteria unchanged is not yet confirmed, so this result is under review",
    )
    if case.ki67_percent is not None:
        work.fire(
            "WHO2021-LUNG-KI67-NOT-USED",
            f"Ki-67 {_fmt(case.ki67_percent)}% noted but not used for the category",
        )
        work.flag(
            "lung_ki67_ignored",
            f"Ki-67 ({_fmt(case.ki67_percent)}%) is not used to classify lung or thymus NENs; WHO uses "
            "mitoses and necrosis. Ki-67 helps in crushed biopsies to avoid calling a carcinoid small "
            "cell carcinoma.",
        )

    mitoses = _mitoses(case, work)
    if mitoses is None and case.differentiation == Differentiation.poorly:
        # a carcinoma named on morphology (LCNEC, small cell): high grade by definition, count or not
        work.fire(THORACIC_CATEGORY_RULES[HIGH_GRADE_THORACIC],
                  f"Poorly differentiated on morphology -> {HIGH_GRADE_THORACIC} (no mitotic count needed)")
        return work.result(HIGH_GRADE_THORACIC, None, thoracic=True)
    if mitoses is None:
        work.missing.add("mitoses")
        if case.necrosis is None:
            work.missing.add("necrosis")
        line = "No mitotic count per 2 mm², so the tumour cannot be classified"
        if case.necrosis:
            line += " (necrosis present already rules out typical carcinoid)"
        work.fire("WHO2021-LUNG-NOT-GRADABLE", line)
        return work.result(NOT_GRADABLE, None, thoracic=True)

    scale = THORACIC_MITOSES_SCALE
    if case.necrosis is None and scale.band(mitoses) == 0:
        work.missing.add("necrosis")
        work.provisional = True
        category = f"{TYPICAL_CARCINOID} if no necrosis; {ATYPICAL_CARCINOID} if necrosis present"
        work.fire(
            "WHO2021-LUNG-NECROSIS-UNKNOWN",
            f"{scale.where(mitoses)} and necrosis not stated -> {category}",
        )
    else:
        category = lung_category(mitoses, bool(case.necrosis))
        necrosis_text = {True: "necrosis present", False: "no necrosis", None: "necrosis not stated"}[case.necrosis]
        work.fire(
            THORACIC_CATEGORY_RULES[category],
            f"{scale.where(mitoses)}, {necrosis_text} -> {category} ({THORACIC_GRADE_WORDS[category]})",
        )

    _check_near(scale, mitoses, work)
    if mitoses == scale.high:
        work.flag(
            "lung_boundary_10",
            f"Exactly {_fmt(scale.high)} mitoses per 2 mm² is atypical carcinoid under the current "
            f"wording (2-{_fmt(scale.high)}; high grade above {_fmt(scale.high)}), but the 1999 WHO "
            f"table put large cell NEC at {_fmt(scale.high)} or more.",
        )
    if case.differentiation == Differentiation.poorly and category != HIGH_GRADE_THORACIC:
        work.provisional = True
        work.flag(
            "nec_discordant",
            f"Poorly differentiated morphology but only {_fmt(mitoses)} mitoses per 2 mm² (high-grade "
            f"lung NEC needs more than {_fmt(scale.high)}): discordant; consider expert pathology review.",
        )
    return work.result(category, None, thoracic=True)


# --------------------------------------------------------------------------------------------
# What-ifs: one-step counterfactuals, computed by grading a changed case
# --------------------------------------------------------------------------------------------


def _what_ifs(case: Case, base: GradeResult) -> List[WhatIf]:
    changes: List[Tuple[str, dict]] = []
    per_2mm2 = MitoticUnit.per_2mm2
    if case.site in THORACIC_SITES:
        if case.mitoses is None:
            return []  # no category guess from Ki-67 alone
        scale = THORACIC_MITOSES_SCALE
        for band in range(3):
            changes.append(
                (f"if mitoses were {scale.band_text(band)}", {"mitoses": scale.example(band), "mitoses_unit": per_2mm2})
            )
        if case.necrosis is not True:
            changes.append(("if necrosis were present", {"necrosis": True}))
        if case.necrosis is not False:
            changes.append(("if necrosis were absent", {"necrosis": False}))
    else:
        for band in range(3):
            changes.append((f"if Ki-67 were {KI67_SCALE.band_text(band)}", {"ki67_percent": KI67_SCALE.example(band)}))
        for band in range(3):
            changes.append(
                (
                    f"if mitoses were {GEP_MITOSES_SCALE.band_text(band)}",
                    {"mitoses": GEP_MITOSES_SCALE.example(band), "mitoses_unit": per_2mm2},
                )
            )
        if case.differentiation != Differentiation.well:
            changes.append(("if the tumour were well differentiated", {"differentiation": Differentiation.well}))
        if case.differentiation != Differentiation.poorly:
            changes.append(("if the tumour were poorly differentiated", {"differentiation": Differentiation.poorly}))

    what_ifs = []
    for change, update in changes:
        # A what-if about an index only makes sense once the tumour is gradable at all.
        if base.category == NOT_GRADABLE:
            break
        other = _grade(Case.model_validate({**case.model_dump(), **update}))
        if other.category not in (base.category, NOT_GRADABLE):
            what_ifs.append(WhatIf(change=change, result=other.category))
    return what_ifs


def _fmt(value: float) -> str:
    """12.0 -> '12', 2.9 -> '2.9', 20.05 -> '20.05' (never rounds a value onto a cut-off)."""
    return f"{value:g}"
