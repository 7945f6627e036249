"""WHO grading of neuroendocrine neoplasms (clinical_facts.md sections 1, 2 and 9).

Three paths, chosen in this order:
  1. lung or thymus  -> WHO thoracic criteria: mitoses per 2 mm² + necrosis; Ki-67 not used (F2.1-F2.3)
  2. poorly differentiated -> NEC, not graded (F1.1, F1.6)
  3. everything else (GEP site, unknown primary, site not given) -> WHO 2019 digestive G1-G3,
     each index graded separately and the higher grade wins (F1.1, F1.4, F1.5)

All cut-offs, margins and unit conversions live in the tables below and nowhere else.
Every step that fires records a stable rule id and a trace line as codes (a template id and its values); the
words are templates in knowledge/computed/grading.yml (bot/result_wording.py). No sentence is written here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Tuple

from bot.models import (
    Case,
    Differentiation,
    FieldValue,
    Flag,
    GradeResult,
    MitoticUnit,
    NecSubtype,
    ReviewStatus,
    Site,
    TraceLine,
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

# Category codes (GradeResult.category). Their names ("NET G2", "typical carcinoid", ...) are templates under
# `categories` in knowledge/computed/grading.yml (bot/result_wording.py category_name).
TYPICAL_CARCINOID = "typical_carcinoid"
ATYPICAL_CARCINOID = "atypical_carcinoid"
HIGH_GRADE_THORACIC = "thoracic_high_grade"
CARCINOID_NECROSIS_NOT_STATED = "carcinoid_necrosis_not_stated"  # typical or atypical: necrosis decides
NEC = "nec"
G3_NEN_UNKNOWN_DIFFERENTIATION = "g3_nen"
NOT_GRADABLE = "not_gradable"


def net_category(grade: str) -> str:
    """The category code of a well-differentiated (or presumed) NET of a grade: 'net.G2'."""
    return f"net.{grade}"

MIN_KI67_CELLS = 500  # F1.3: count at least 500 cells in hot spots


@dataclass(frozen=True)
class ThreeBandScale:
    """A WHO index scale of the shape '< low | low-high (both inclusive) | > high'.

    `near_margin` is how close to a cut-off a value must be to get the near_cutoff flag.
    """

    index: str  # "Ki-67" or "Mitoses": what-if labels
    unit: str  # appended to numbers in what-if labels: "%" or " per 2 mm²"
    low: float
    high: float
    labels: Tuple[str, str, str]
    near_margin: float
    code: str  # "ki67" | "mitoses": the variant of the near_cutoff flag

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

    def near_cutoffs(self, value: float) -> List[float]:
        return [c for c in (self.low, self.high) if abs(value - c) <= self.near_margin]


# WHO 2019 digestive (F1.1, F1.5): 3 and 20 both fall in G2; mitoses 2 and 20 both in G2.
KI67_SCALE = ThreeBandScale("Ki-67", "%", 3, 20, GRADES, 1.0, "ki67")
GEP_MITOSES_SCALE = ThreeBandScale("Mitoses", " per 2 mm²", 2, 20, GRADES, 1.0, "mitoses")
# WHO thoracic (F2.1, F2.3): < 2 typical (if no necrosis), 2-10 atypical, > 10 high grade.
THORACIC_MITOSES_SCALE = ThreeBandScale(
    "Mitoses",
    " per 2 mm²",
    2,
    10,
    (TYPICAL_CARCINOID, ATYPICAL_CARCINOID, HIGH_GRADE_THORACIC),
    1.0,
    "mitoses",
)

@dataclass(frozen=True)
class UnitRule:
    divisor: float  # count / divisor = mitoses per 2 mm²
    approximate: bool  # an HPF count: the hpf_units flag (variant: the unit) says the grade is approximate


# F1.2: 50 fields of 0.2 mm² = 10 mm², so a 50 HPF count / 5 is per 2 mm²; 10 HPF is only
# approximately 2 mm² because HPF areas differ between microscopes.
MITOTIC_UNITS: Dict[MitoticUnit, UnitRule] = {
    MitoticUnit.per_2mm2: UnitRule(1, False),
    MitoticUnit.per_10hpf: UnitRule(1, True),
    MitoticUnit.per_50hpf: UnitRule(5, True),
}


@dataclass(frozen=True)
class RuleInfo:
    facts: Tuple[str, ...]  # ids in clinical_facts.md
    review_status: ReviewStatus = ReviewStatus.source_checked


# Every rule id that grade() can emit. Its summary and the statements that back it are under `rules` in
# knowledge/computed/grading.yml (`kb check` fails on a rule id without one).
_UNDER_REVIEW = ReviewStatus.under_review  # the WHO 2021 thoracic criteria being unchanged is FROM MEMORY (F2.1, S14)
GRADING_RULES: Dict[str, RuleInfo] = {
    "WHO2019-UNITS-10HPF": RuleInfo(("F1.2",)),
    "WHO2019-UNITS-50HPF": RuleInfo(("F1.2",)),
    "WHO2019-GEP-SCOPE": RuleInfo(("F1.1",)),
    "WHO2019-GEP-KI67": RuleInfo(("F1.1", "F1.5")),
    "WHO2019-GEP-MITOSES": RuleInfo(("F1.1", "F1.5")),
    "WHO2019-GEP-HIGHER-WINS": RuleInfo(("F1.4",)),
    "WHO2019-GEP-NET": RuleInfo(("F1.1", "F1.6")),
    "WHO2019-G3-MORPHOLOGY": RuleInfo(("F1.6",)),
    "WHO2019-NEC-NOT-GRADED": RuleInfo(("F1.1", "F1.6")),
    "WHO2019-NOT-GRADABLE": RuleInfo(("F1.1",)),
    "WHO2021-LUNG-SCOPE": RuleInfo(("F2.1", "F2.2"), _UNDER_REVIEW),
    "WHO2021-LUNG-KI67-NOT-USED": RuleInfo(("F2.2",), _UNDER_REVIEW),
    "WHO2021-LUNG-TC": RuleInfo(("F2.1",), _UNDER_REVIEW),
    "WHO2021-LUNG-AC": RuleInfo(("F2.1", "F2.3"), _UNDER_REVIEW),
    "WHO2021-LUNG-HIGH-GRADE": RuleInfo(("F2.1", "F2.3"), _UNDER_REVIEW),
    "WHO2021-LUNG-NECROSIS-UNKNOWN": RuleInfo(("F2.1",), _UNDER_REVIEW),
    "WHO2021-LUNG-NOT-GRADABLE": RuleInfo(("F2.1", "F2.2"), _UNDER_REVIEW),
}

THORACIC_CATEGORY_RULES = {
    TYPICAL_CARCINOID: "WHO2021-LUNG-TC",
    ATYPICAL_CARCINOID: "WHO2021-LUNG-AC",
    HIGH_GRADE_THORACIC: "WHO2021-LUNG-HIGH-GRADE",
}

# Flag codes are stable (clinical_facts.md ids beside them); their words are under `flags` in
# knowledge/computed/grading.yml, one template per code or code.variant (FLAG_TEMPLATES).
FLAG_SOURCES: Dict[str, Tuple[str, ...]] = {
    "discordant_indices": ("F1.4",),
    "near_cutoff": ("F1.3", "F1.9"),
    "few_cells": ("F1.3",),
    "single_index": ("F1.4",),
    "hpf_units": ("F1.2",),
    "lung_ki67_ignored": ("F2.2",),
    "nec_discordant": ("F1.6",),
    "lung_boundary_10": ("F2.3",),
}

# What grade() can emit, with the fields it fills: knowledge/computed/grading.yml has a template for each
# (`kb check` fails otherwise). Trace line ids (under `trace`) and flag template ids (under `flags`).
_NONE: FrozenSet[str] = frozenset()
TRACE_TEMPLATES: Dict[str, FrozenSet[str]] = {
    "units.per_10hpf": frozenset({"count", "per_2mm2"}),
    "units.per_50hpf": frozenset({"count", "per_2mm2"}),
    "gep.scope.site_not_given": _NONE,
    "gep.scope.unknown_primary": _NONE,
    "gep.scope.site": frozenset({"site"}),
    **{f"gep.ki67.{g}": frozenset({"ki67"}) for g in GRADES},
    **{f"gep.mitoses.{g}": frozenset({"mitoses"}) for g in GRADES},
    "gep.not_gradable": _NONE,
    "gep.both_indices_agree": frozenset({"grade"}),
    "gep.higher_of_two": frozenset({"ki67_grade", "mitotic_grade", "grade"}),
    "gep.only_ki67": frozenset({"grade"}),
    "gep.only_mitoses": frozenset({"grade"}),
    "gep.g3_morphology_needed": _NONE,
    "gep.net.well": frozenset({"grade"}),
    "gep.net.differentiation_not_stated": frozenset({"grade"}),
    "gep.net.g3_called_net": frozenset({"grade"}),
    "nec.not_graded": frozenset({"cell_type"}),
    "thoracic.scope": frozenset({"site"}),
    "thoracic.ki67_not_used": frozenset({"ki67"}),
    "thoracic.high_grade_on_morphology": _NONE,
    "thoracic.not_gradable": _NONE,
    "thoracic.not_gradable.necrosis_present": _NONE,
    "thoracic.necrosis_not_stated": frozenset({"mitoses"}),
    "thoracic.typical": frozenset({"mitoses", "necrosis"}),
    "thoracic.atypical.necrosis": frozenset({"mitoses", "necrosis"}),
    "thoracic.atypical": frozenset({"mitoses", "necrosis"}),
    "thoracic.high_grade": frozenset({"mitoses", "necrosis"}),
}
_NEAR = frozenset({"value", "cutoff", "margin"})
FLAG_TEMPLATES: Dict[str, FrozenSet[str]] = {
    "hpf_units.per_10hpf": _NONE,
    "hpf_units.per_50hpf": _NONE,
    "near_cutoff.ki67": _NEAR,
    "near_cutoff.mitoses": _NEAR,
    "few_cells": frozenset({"cells"}),
    "discordant_indices": frozenset({"ki67_grade", "mitotic_grade", "grade"}),
    "single_index.only_ki67": frozenset({"grade"}),
    "single_index.only_mitoses": frozenset({"grade"}),
    "nec_discordant.ki67": frozenset({"ki67"}),
    "nec_discordant.mitoses": frozenset({"mitoses"}),
    "nec_discordant.ki67_and_mitoses": frozenset({"ki67", "mitoses"}),
    "nec_discordant.thoracic": frozenset({"mitoses"}),
    "lung_ki67_ignored": frozenset({"ki67"}),
    "lung_boundary_10": _NONE,
}
# Under `what_ifs`: the change a what-if makes, with the cut-offs it names (from the scales above).
_LOW, _BOTH, _HIGH = frozenset({"low"}), frozenset({"low", "high"}), frozenset({"high"})
WHAT_IF_TEMPLATES: Dict[str, FrozenSet[str]] = {
    **{f"{index}.{band}": fields for index in ("ki67", "mitoses", "thoracic.mitoses")
       for band, fields in zip(("below", "within", "above"), (_LOW, _BOTH, _HIGH))},
    "necrosis.present": _NONE,
    "necrosis.absent": _NONE,
    "differentiation.well": _NONE,
    "differentiation.poorly": _NONE,
}
# Under `categories`: the name of each category code.
CATEGORY_TEMPLATES: Dict[str, FrozenSet[str]] = {
    **{net_category(g): _NONE for g in GRADES},
    **{code: _NONE for code in (G3_NEN_UNKNOWN_DIFFERENTIATION, NEC, TYPICAL_CARCINOID, ATYPICAL_CARCINOID,
                                HIGH_GRADE_THORACIC, CARCINOID_NECROSIS_NOT_STATED, NOT_GRADABLE)},
}
# Under `phrases`: words that fill a field in place. {cell_type}: the cell type of a NEC as given, or both types
# when it was not given (cell_type.<NecSubtype value> | cell_type.not_stated); a thoracic carcinoma's cell type as
# given (cell_type.thoracic.<NecSubtype value>), shown with the category.
PHRASE_TEMPLATES: Dict[str, FrozenSet[str]] = {
    "cell_type.small_cell": _NONE,
    "cell_type.large_cell": _NONE,
    "cell_type.not_stated": _NONE,
    "cell_type.thoracic.small_cell": _NONE,
    "cell_type.thoracic.large_cell": _NONE,
}
PHRASE_FIELDS = frozenset({"cell_type"})
# Under `rules`: each rule id's summary, and the statements that back the rule wherever the answer cites the
# rule itself (the direct answer, what-ifs, the grade line of the workup).
RULE_TEMPLATES: Dict[str, FrozenSet[str]] = {rule_id: _NONE for rule_id in GRADING_RULES}
THORACIC_LINE = {  # the trace line of a thoracic category
    TYPICAL_CARCINOID: "thoracic.typical",
    ATYPICAL_CARCINOID: "thoracic.atypical",
    HIGH_GRADE_THORACIC: "thoracic.high_grade",
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
    trace: List[TraceLine] = field(default_factory=list)
    flags: List[Flag] = field(default_factory=list)
    missing: set = field(default_factory=set)
    provisional: bool = False

    def fire(self, rule_id: str, line: str, **values: FieldValue) -> None:
        assert rule_id in GRADING_RULES, rule_id
        assert TRACE_TEMPLATES[line] == set(values), (line, values)
        self.rule_ids.append(rule_id)
        self.trace.append(TraceLine(rule_id=rule_id, line=line, values=values))

    def flag(self, code: str, variant: Optional[str] = None, **values: FieldValue) -> None:
        assert code in FLAG_SOURCES, code
        flag = Flag(code=code, variant=variant, values=values)
        assert FLAG_TEMPLATES[flag.template_id] == set(values), (flag.template_id, values)
        self.flags.append(flag)

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


_UNIT_RULES = {MitoticUnit.per_10hpf: "WHO2019-UNITS-10HPF", MitoticUnit.per_50hpf: "WHO2019-UNITS-50HPF"}


def _mitoses(case: Case, work: _Work) -> Optional[float]:
    """Mitoses per 2 mm², converting HPF units and flagging the approximation."""
    if case.mitoses is None:
        return None
    value = mitoses_per_2mm2(case.mitoses, case.mitoses_unit)
    if case.mitoses_unit in _UNIT_RULES:
        work.fire(_UNIT_RULES[case.mitoses_unit], f"units.{case.mitoses_unit.value}", count=case.mitoses,
                  per_2mm2=value)
    if MITOTIC_UNITS[case.mitoses_unit].approximate:
        work.flag("hpf_units", case.mitoses_unit.value)
    return value


def _check_near(scale: ThreeBandScale, value: float, work: _Work) -> None:
    for cutoff in scale.near_cutoffs(value):
        # the variant names the index: the answer cites the counting statement of that index
        work.flag("near_cutoff", scale.code, value=value, cutoff=cutoff, margin=scale.near_margin)


def _grade_gep(case: Case) -> GradeResult:
    work = _Work()
    if case.site is None:
        work.missing.add("site")
        work.fire("WHO2019-GEP-SCOPE", "gep.scope.site_not_given")
    elif case.site == Site.unknown:
        work.fire("WHO2019-GEP-SCOPE", "gep.scope.unknown_primary")
    else:
        work.fire("WHO2019-GEP-SCOPE", "gep.scope.site", site=case.site.value)

    ki67 = case.ki67_percent
    mitoses = _mitoses(case, work)
    ki67_grade = mitotic_grade = None

    if ki67 is not None:
        ki67_grade = grade_from_ki67(ki67)
        work.fire("WHO2019-GEP-KI67", f"gep.ki67.{ki67_grade}", ki67=ki67)
        _check_near(KI67_SCALE, ki67, work)
        if case.cells_counted is not None and case.cells_counted < MIN_KI67_CELLS:
            work.provisional = True
            work.flag("few_cells", cells=float(case.cells_counted))
    if mitoses is not None:
        mitotic_grade = grade_from_mitoses(mitoses)
        work.fire("WHO2019-GEP-MITOSES", f"gep.mitoses.{mitotic_grade}", mitoses=mitoses)
        _check_near(GEP_MITOSES_SCALE, mitoses, work)

    final = higher_grade(ki67_grade, mitotic_grade)
    if final is None:
        work.missing.update({"ki67_percent", "mitoses"})
        work.fire("WHO2019-NOT-GRADABLE", "gep.not_gradable")
        return work.result(NOT_GRADABLE, None, thoracic=False)

    if ki67_grade and mitotic_grade:
        if ki67_grade == mitotic_grade:
            work.fire("WHO2019-GEP-HIGHER-WINS", "gep.both_indices_agree", grade=final)
        else:
            work.fire("WHO2019-GEP-HIGHER-WINS", "gep.higher_of_two", ki67_grade=ki67_grade,
                      mitotic_grade=mitotic_grade, grade=final)
            work.flag("discordant_indices", ki67_grade=ki67_grade, mitotic_grade=mitotic_grade, grade=final)
    elif final != GRADES[-1]:
        # The missing index can only raise the grade, never lower it (F1.4).
        absent = "mitoses" if ki67_grade else "ki67_percent"
        given = "only_ki67" if ki67_grade else "only_mitoses"
        work.missing.add(absent)
        work.provisional = True
        work.fire("WHO2019-GEP-HIGHER-WINS", f"gep.{given}", grade=final)
        work.flag("single_index", given, grade=final)

    well = case.differentiation == Differentiation.well
    if final == "G3" and not well and case.called_net and case.differentiation != Differentiation.poorly:
        # "SI NET, Ki-67 35%": WHO names only well-differentiated tumours NET, so the name given is read as NET G3;
        # the morphology that would make it a NEC is still asked for
        work.missing.add("differentiation")
        work.fire("WHO2019-GEP-NET", "gep.net.g3_called_net", grade=final)
        return work.result(net_category(final), final, thoracic=False)
    if final == "G3" and not well:
        work.missing.add("differentiation")
        work.fire("WHO2019-G3-MORPHOLOGY", "gep.g3_morphology_needed")
        return work.result(G3_NEN_UNKNOWN_DIFFERENTIATION, final, thoracic=False)

    if well:
        work.fire("WHO2019-GEP-NET", "gep.net.well", grade=final)
    else:
        work.missing.add("differentiation")
        work.fire("WHO2019-GEP-NET", "gep.net.differentiation_not_stated", grade=final)
    return work.result(net_category(final), final, thoracic=False)


def _grade_nec(case: Case) -> GradeResult:
    work = _Work()
    work.fire("WHO2019-NEC-NOT-GRADED", "nec.not_graded", cell_type=cell_type_phrase(case.nec_subtype))
    mitoses = _mitoses(case, work)
    # F1.6: a NEC is expected above 20 on both indices; a lower value is discordant.
    low: Dict[str, FieldValue] = {}
    if case.ki67_percent is not None and grade_from_ki67(case.ki67_percent) != "G3":
        low["ki67"] = case.ki67_percent
    if mitoses is not None and grade_from_mitoses(mitoses) != "G3":
        low["mitoses"] = mitoses
    if low:
        work.flag("nec_discordant", "_and_".join(low), **low)
    return work.result(NEC, None, thoracic=False)


def _necrosis_code(necrosis: Optional[bool]) -> str:
    return {True: "present", False: "absent", None: "not_stated"}[necrosis]


def cell_type_phrase(subtype: Optional[NecSubtype]) -> str:
    """The phrase id of a NEC's cell type (grading.yml `phrases`): as given, or 'not stated'."""
    return f"cell_type.{subtype.value}" if subtype is not None else "cell_type.not_stated"


def _grade_thoracic(case: Case) -> GradeResult:
    work = _Work()
    work.fire("WHO2021-LUNG-SCOPE", "thoracic.scope", site=case.site.value)
    if case.ki67_percent is not None:
        work.fire("WHO2021-LUNG-KI67-NOT-USED", "thoracic.ki67_not_used", ki67=case.ki67_percent)
        work.flag("lung_ki67_ignored", ki67=case.ki67_percent)

    mitoses = _mitoses(case, work)
    if mitoses is None and case.differentiation == Differentiation.poorly:
        # a carcinoma named on morphology (LCNEC, small cell): high grade by definition, count or not
        work.fire(THORACIC_CATEGORY_RULES[HIGH_GRADE_THORACIC], "thoracic.high_grade_on_morphology")
        return work.result(HIGH_GRADE_THORACIC, None, thoracic=True)
    if mitoses is None:
        work.missing.add("mitoses")
        if case.necrosis is None:
            work.missing.add("necrosis")
        line = "thoracic.not_gradable.necrosis_present" if case.necrosis else "thoracic.not_gradable"
        work.fire("WHO2021-LUNG-NOT-GRADABLE", line)
        return work.result(NOT_GRADABLE, None, thoracic=True)

    scale = THORACIC_MITOSES_SCALE
    if case.necrosis is None and scale.band(mitoses) == 0:
        work.missing.add("necrosis")
        work.provisional = True
        category = CARCINOID_NECROSIS_NOT_STATED
        work.fire("WHO2021-LUNG-NECROSIS-UNKNOWN", "thoracic.necrosis_not_stated", mitoses=mitoses)
    else:
        category = lung_category(mitoses, bool(case.necrosis))
        # below 2 mitoses with necrosis: atypical by the necrosis, not by the count
        line = "thoracic.atypical.necrosis" if category == ATYPICAL_CARCINOID and scale.band(mitoses) == 0 \
            else THORACIC_LINE[category]
        work.fire(THORACIC_CATEGORY_RULES[category], line, mitoses=mitoses, necrosis=_necrosis_code(case.necrosis))

    _check_near(scale, mitoses, work)
    if mitoses == scale.high:
        work.flag("lung_boundary_10")
    if case.differentiation == Differentiation.poorly and category != HIGH_GRADE_THORACIC:
        work.provisional = True
        work.flag("nec_discordant", "thoracic", mitoses=mitoses)
    return work.result(category, None, thoracic=True)


# --------------------------------------------------------------------------------------------
# What-ifs: one-step counterfactuals, computed by grading a changed case
# --------------------------------------------------------------------------------------------


_WHAT_IF_ABOUT = {"ki67_percent": "ki67"}  # the Case field a what-if changes, as the code it is about
_BANDS = ("below", "within", "above")


def _band_values(scale: ThreeBandScale, band: int) -> Dict[str, FieldValue]:
    """The cut-offs a band's what-if names: below {low}, {low}-{high}, above {high}."""
    return ({"low": scale.low}, {"low": scale.low, "high": scale.high}, {"high": scale.high})[band]


def _what_ifs(case: Case, base: GradeResult) -> List[WhatIf]:
    # (template id under `what_ifs`, its values, the changed Case fields)
    changes: List[Tuple[str, Dict[str, FieldValue], dict]] = []
    per_2mm2 = MitoticUnit.per_2mm2
    if case.site in THORACIC_SITES:
        if case.mitoses is None:
            return []  # no category guess from Ki-67 alone
        scale = THORACIC_MITOSES_SCALE
        for band in range(3):
            changes.append((f"thoracic.mitoses.{_BANDS[band]}", _band_values(scale, band),
                            {"mitoses": scale.example(band), "mitoses_unit": per_2mm2}))
        if case.necrosis is not True:
            changes.append(("necrosis.present", {}, {"necrosis": True}))
        if case.necrosis is not False:
            changes.append(("necrosis.absent", {}, {"necrosis": False}))
    else:
        for band in range(3):
            changes.append((f"ki67.{_BANDS[band]}", _band_values(KI67_SCALE, band),
                            {"ki67_percent": KI67_SCALE.example(band)}))
        for band in range(3):
            changes.append((f"mitoses.{_BANDS[band]}", _band_values(GEP_MITOSES_SCALE, band),
                            {"mitoses": GEP_MITOSES_SCALE.example(band), "mitoses_unit": per_2mm2}))
        if case.differentiation != Differentiation.well:
            changes.append(("differentiation.well", {}, {"differentiation": Differentiation.well}))
        if case.differentiation != Differentiation.poorly:
            changes.append(("differentiation.poorly", {}, {"differentiation": Differentiation.poorly}))

    what_ifs = []
    for change, values, update in changes:
        # A what-if about an index only makes sense once the tumour is gradable at all.
        if base.category == NOT_GRADABLE:
            break
        other = _grade(Case.model_validate({**case.model_dump(), **update}))
        if other.category not in (base.category, NOT_GRADABLE):
            about = next(iter(update))
            what_ifs.append(WhatIf(change=change, values=values, result=other.category,
                                   about=_WHAT_IF_ABOUT.get(about, about)))
    return what_ifs


def _fmt(value: float) -> str:
    """12.0 -> '12', 2.9 -> '2.9', 20.05 -> '20.05' (never rounds a value onto a cut-off)."""
    return f"{value:g}"
