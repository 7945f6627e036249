"""The computed results of a case as codes (category, T, N, M, stage group), and the values each
computation reads: what an update or a what-if compares, and what decides whether a computation has
anything to compute with."""

from __future__ import annotations

from typing import Dict, Optional

from bot.grading import grade
from bot.knowledge import load_knowledge
from bot.models import Case, Differentiation
from bot.result_wording import GRADING, category_label
from bot.staging import stage

# Values each computation reads; a change to one of them re-answers that computation.
INPUTS: Dict[str, frozenset] = {
    "grade": frozenset({"ki67_percent", "mitoses", "mitoses_unit", "necrosis", "cells_counted", "nec_subtype", "site",
                        "differentiation", "called_net"}),
    "stage": frozenset({"tumour_size_cm", "invasion", "nodes_positive", "positive_node_count", "bulky_mesenteric_mass",
                        "nodes_assessed", "metastatic_sites", "site", "differentiation"}),
}
# Values that alone do not say which computation is wanted (a NEC's cell type is its morphology too).
SHARED_INPUTS = frozenset({"site", "differentiation", "nec_subtype", "called_net"})

# the computed codes an update may change, by the engine that computes them
RESULT_CODES = (("grade", ("grade", "category")), ("stage", ("t", "n", "m", "stage_group")))
# codes another code already says when described ("NET G2" says G2)
_SAID_BY_ANOTHER = {"grade"}


def has_inputs(case: Case, topic: str) -> bool:
    """Whether the case holds any value the computation reads beyond the site and differentiation (a poorly
    differentiated tumour of a patient, with any value of its own, is classified by its morphology alone: NEC,
    whatever its indices; "small cell lung ca" alone names the concept)."""
    if topic == "grade" and case.differentiation is Differentiation.poorly and has_inputs(case, "stage"):
        return True
    return any(getattr(case, f, None) not in (None, []) for f in INPUTS[topic] - SHARED_INPUTS - {"mitoses_unit"})


def result_codes(case: Case) -> Dict[str, Optional[str]]:
    """What a case computes to (the category by its name in knowledge/computed/grading.yml, T, N, M, stage
    group), for showing what an update changed."""
    codes: Dict[str, Optional[str]] = {}
    for topic, fields in RESULT_CODES:
        if not has_inputs(case, topic):
            continue
        try:
            result = grade(case) if topic == "grade" else stage(case)
        except (ValueError, TypeError):  # an incomplete case the engine refuses: nothing to compare
            continue
        codes.update({field: getattr(result, field, None) for field in fields})
        if topic == "grade":
            codes["category"] = category_label(codes["category"], load_knowledge().wording(GRADING.name))
    return codes


def describe_result_changes(before: Dict[str, Optional[str]], after: Dict[str, Optional[str]]) -> str:
    """'NET G1 → NET G2, stage II → III': the computed results that an update changed (codes and category names)."""
    parts = []
    for field in (field for _, fields in RESULT_CODES for field in fields if field not in _SAID_BY_ANOTHER):
        old, new = before.get(field), after.get(field)
        if field in before and field in after and old != new:
            prefix = "stage " if field == "stage_group" else ""  # grade and T/N/M codes name themselves
            parts.append(f"{prefix}{old or 'not assigned'} → {new or 'not assigned'}")
    return ", ".join(parts)


def describe_results(codes: Dict[str, Optional[str]], fields: Optional[set] = None) -> str:
    """'NET G2; T2 N0 M0; stage II': a case's results (only `fields`, when given): codes and category names."""
    def wanted(field: str) -> Optional[str]:
        return codes.get(field) if fields is None or field in fields else None

    tnm = " ".join(code for code in (wanted("t"), wanted("n"), wanted("m")) if code)
    parts = [wanted("category"), tnm, f"stage {wanted('stage_group')}" if wanted("stage_group") else None]
    return "; ".join(part for part in parts if part)
