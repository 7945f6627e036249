"""The computed answers: how the composer (bot/answer.py) turns a grading, staging or workup result into the
direct answer and the cited lines of its computed sections. A mixin of the composer, which owns the statements,
the citations and the finishing; the engines' results come in as codes and rule ids."""

from __future__ import annotations

from typing import List, Optional

from bot.pictures import grade_picture, stage_picture
from bot.answer_model import AbstainKind, CitedSentence, Computed
from bot.answer_model import capitalise as _capitalise
from bot.answer_model import unique as _unique
from bot.knowledge import CaseContext, GradeLabel, Statement
from bot.models import Case, Differentiation, GradeResult, MitoticUnit, Site, Syndrome, WorkupStep
from bot.workup_wording import step_reason, step_title

NEC_SUBTYPE_LABELS = {"small_cell": ", small cell type", "large_cell": ", large cell type"}  # labels of a code

STEP_STATUS_WORD = {"recommended": "Recommended", "consider": "Consider", "done": "Done"}

# Grading rules whose trace lines decide the category (they form the direct answer).
DECISIVE_GRADE_RULES = frozenset(
    {
        "WHO2019-GEP-KI67",
        "WHO2019-GEP-MITOSES",
        "WHO2019-GEP-HIGHER-WINS",
        "WHO2019-GEP-NET",
        "WHO2019-G3-MORPHOLOGY",
        "WHO2019-NEC-NOT-GRADED",
        "WHO2019-NOT-GRADABLE",
        "WHO2021-LUNG-TC",
        "WHO2021-LUNG-AC",
        "WHO2021-LUNG-HIGH-GRADE",
        "WHO2021-LUNG-NECROSIS-UNKNOWN",
        "WHO2021-LUNG-NOT-GRADABLE",
    }
)

# Stage outcomes whose rule lines read poorly as an answer: (headline, sentence) for the direct answer,
# backed by the statements of every rule line; the rule lines stay in the trace.
STAGE_SENTENCE = {
    "AJCC8-CUP-M0-NO-GROUP": (
        "No AJCC stage group can be assigned",
        "the primary is unknown, so T is TX (primary tumour cannot be assessed), and there are no distant "
        "metastases (M0). The N categories and stage groups belong to the site-specific AJCC 8 chapters, so "
        "nodal-only disease without a known primary cannot be given a stage group",
    ),
}


class ComputedAnswers:
    """The grade, stage and workup parts of the composer."""

    def grade(self, case: Optional[Case]) -> None:
        from bot import grading  # lazy: the core modules load on first use

        case = case or Case()
        result = grading.grade(case)
        self.context = CaseContext.from_case(case, result)
        rule_topics = {rid: info.topic for rid, info in getattr(grading, "GRADING_RULES", {}).items()}
        thoracic = result.thoracic
        main_topic = "grading_lung" if thoracic else "grading_gep"

        def backing(rule_id: str) -> List[Optional[Statement]]:
            return self.rule_backing(rule_id, rule_topics.get(rule_id, main_topic))

        pairs = list(zip(result.rule_ids, result.trace))
        decisive = [(rid, line) for rid, line in pairs if rid in DECISIVE_GRADE_RULES]
        headline = result.category + NEC_SUBTYPE_LABELS.get(result.nec_subtype or "", "") + (
            " (provisional)" if result.provisional else "")
        label = "No grade yet" if result.kind == "not_gradable" else f"{headline}, {result.system}"
        # the direct answer says the result in a sentence; every rule line stays in the trace below
        detail = grade_sentence(case, result) or "; ".join(line for _, line in decisive)
        direct = self.cite(f"{label}: {detail}" if detail else label, [s for rid, _ in decisive for s in backing(rid)])
        if direct:
            self.direct.append(direct)

        what_if_lines = []
        for what_if in result.what_ifs:
            change = what_if.change.lower()
            if "differentiated" in change:
                statements = backing("WHO2019-G3-MORPHOLOGY")
            elif thoracic:
                statements = backing("WHO2021-LUNG-AC")
            elif "ki-67" in change:
                statements = backing("WHO2019-GEP-KI67")
            else:
                statements = backing("WHO2019-GEP-MITOSES")
            what_if_lines.append(self.cite(f"{_capitalise(what_if.change)}: {what_if.result}", statements))

        self.computed = Computed(
            kind="grade",
            headline=headline,
            provisional=result.provisional,
            rule_ids=list(result.rule_ids),
            review_status=result.review_status,
            sections=[
                s
                for s in (
                    self.section("trace", (self.cite(line, backing(rid)) for rid, line in pairs)),
                    self.section("caveats", self.flag_lines(result.flags, main_topic)),
                    self.section("what_ifs", what_if_lines),
                )
                if s
            ],
            result=result.model_dump(mode="json"),
            picture=grade_picture(case, result),
        )
        self.set_needs(result.missing)
        if result.kind == "not_gradable":
            self.abstain(AbstainKind.missing_input, "I need more values before I can grade this tumour.")

        # the rule statements first, then the topics this result brings in
        self.add_statements(self.kb.statement(sid) for item in [direct] if item for sid in item.statement_ids)
        self.add_statements(self.background(main_topic))
        self.add_extra_topics(self.extra_topics(case, result))
        self.follow_up_key = "grade:" + self.result_kind(result, thoracic)

    def result_kind(self, result: GradeResult, thoracic: bool) -> str:
        if thoracic:
            return "lung"
        label = self.context.grade
        if label == GradeLabel.NEC:
            return "nec"
        if label == GradeLabel.G3:
            return "g3"
        if label in (GradeLabel.G1, GradeLabel.G2):
            return "well"
        return "none"

    def extra_topics(self, case: Case, result: Optional[GradeResult]) -> List[str]:
        """Topics the computed case brings in (applies_to then picks the statements inside them)."""
        topics: List[str] = []
        label = self.context.grade
        if label == GradeLabel.NEC:
            topics += ["fdg_pet", "treatment_nec"]
        elif label == GradeLabel.G3:
            well = case.differentiation == Differentiation.well
            topics += ["fdg_pet", "treatment_net_g3" if well else "definitions"]
        if case.site in (Site.lung, Site.thymus):
            topics.append("grading_lung")
        if case.functional_syndrome not in (None, Syndrome.none):
            topics.append("labs_hormones")
        return topics

    # --- stage ---

    def stage(self, case: Optional[Case]) -> None:
        from bot import staging

        case = case or Case()
        result = staging.stage(case)
        self.context = CaseContext.from_case(case)

        def backing(rule_id: str) -> List[Optional[Statement]]:
            return self.rule_backing(rule_id, "staging")

        tnm = " ".join(v for v in (result.t, result.n, result.m) if v)
        if result.stage_group:
            headline = f"Stage {result.stage_group}"
        elif not result.staged:
            headline = "No AJCC stage group"
        else:
            headline = "Stage group not assigned yet"
        where = result.chapter or result.edition
        label = f"{headline} ({where}{', ' + tnm if tnm else ''})"
        pairs = list(zip(result.rule_ids, result.trace))
        decisive = pairs[-1:]
        sentence = STAGE_SENTENCE.get(decisive[0][0]) if decisive else None
        if sentence:
            # the sentence sums up every rule line, which all stay in the trace
            headline, detail, pairs_shown, summed_up = sentence[0], sentence[1], pairs, pairs
            label = f"{headline} ({where}{', ' + tnm if tnm else ''})"
        else:
            detail, pairs_shown, summed_up = (decisive[0][1] if decisive else ""), pairs[:-1], decisive
        direct = self.cite(
            f"{label}: {detail}" if detail else label, [s for rid, _ in summed_up for s in backing(rid)]
        )
        if direct:
            self.direct.append(direct)
        what_if_lines = [
            self.cite(f"{_capitalise(w.change)}: {w.result}", backing("AJCC8-M1-STAGE-IV" if "metasta" in w.change else "AJCC8"))
            for w in result.what_ifs
        ]
        self.computed = Computed(
            kind="stage",
            headline=headline,
            provisional=bool(result.missing),
            rule_ids=list(result.rule_ids),
            review_status=result.review_status,
            sections=[
                s
                for s in (
                    self.section("trace", (self.cite(line, backing(rid)) for rid, line in pairs_shown)),
                    self.section("caveats", self.flag_lines(result.flags, "staging")),
                    self.section("what_ifs", what_if_lines),
                )
                if s
            ],
            result=result.model_dump(mode="json"),
            picture=stage_picture(result),
        )
        self.set_needs(result.missing)
        if result.staged and result.stage_group is None and not any((result.t, result.n, result.m)):
            self.abstain(AbstainKind.missing_input, "I need more values before I can stage this tumour.")

        self.add_statements(self.kb.statement(sid) for item in [direct] if item for sid in item.statement_ids)
        if case.site == Site.unknown:
            self.add_statements(self.background("staging_unknown_primary"))
        self.add_statements(self.background("staging"))
        if case.site == Site.unknown:
            self.follow_up_key = "stage:cup"
        elif not result.staged:
            self.follow_up_key = "stage:not_staged"
        else:
            self.follow_up_key = "stage:site"

    # --- workup ---

    def workup(self, case: Optional[Case]) -> None:
        from bot import grading, workup

        case = case or Case()
        grade_result = grading.grade(case)
        result = workup.plan_workup(case, grade_result)
        self.context = CaseContext.from_case(case, grade_result)

        lead = self.kb.statements_for("workup", self.context)
        wording = self.kb.workup_wording
        recommended = [step for step in result.steps if step.status == "recommended"]
        titles = [step_title(step, wording) for step in recommended] if wording else []
        if case.site not in (None, Site.unknown) and recommended:
            # a known primary: the workup statements are about NET-CUP, so the direct answer is the plan itself
            shown = [t for t in titles if t is not None]
            self.direct.append(self.cite_wording(
                "Recommended next steps for this case: " + "; ".join(t.text for t in shown), shown,
            ) or self.statement_sentence(self.best_lead(lead, by_fit=False)))
        elif lead:
            # the workup statements are about NET-CUP: with the site not stated they still lead
            self.direct.append(self.statement_sentence(self.best_lead(lead, by_fit=False)))

        def step_line(step: WorkupStep) -> Optional[CitedSentence]:
            word = STEP_STATUS_WORD.get(step.status, _capitalise(step.status))
            title = step_title(step, wording) if wording else None
            reason = step_reason(step, wording) if wording else None
            if title is None or reason is None:
                self.omitted.append(f"{word}: {step.id} ({step.rule_id}): no template")
                return None
            text = f"{word}: {title.text}. {reason.text}" if reason.text else f"{word}: {title.text}"
            return self.cite_wording(text, [title, reason])

        grade_line = None
        if grade_result.kind != "not_gradable":
            main_topic = "grading_lung" if grade_result.thoracic else "grading_gep"
            grade_rules = [rid for rid in grade_result.rule_ids if rid in DECISIVE_GRADE_RULES]
            grade_line = self.cite(
                f"Grade used: {grade_result.category} ({grade_result.system})",
                [s for rid in grade_rules for s in self.rule_backing(rid, main_topic)],
            )
        steps = [step_line(s) for s in result.steps]
        treatment = [step_line(s) for s in result.treatment_direction]
        self.computed = Computed(
            kind="workup",
            headline=f"{len(result.steps)} workup steps, {len(result.treatment_direction)} treatment directions",
            provisional=bool(result.missing),
            rule_ids=list(result.rule_ids),
            review_status=result.review_status,
            sections=[
                s
                for s in (
                    self.section("steps", [grade_line] + steps),
                    self.section("treatment", treatment),
                    self.section("caveats", self.workup_flag_lines(result.flags)),
                )
                if s
            ],
            result=result.model_dump(mode="json"),
            pending_wording=list(self.pending_wording),
        )
        self.set_needs(result.missing)
        if not self.direct and not steps:
            self.abstain(AbstainKind.no_content, "The workup has no reviewed statements yet.")

        direct_ids = {s.id for s in self.direct_statements()}
        self.add_statements(s for s in lead if s.id not in direct_ids)
        cited = [sid for section in self.computed.sections for line in section.lines for sid in line.statement_ids]
        self.add_statements(self.kb.statement(sid) for sid in _unique(cited))
        self.add_extra_topics(self.extra_topics(case, grade_result))
        label = self.context.grade
        self.follow_up_key = "workup:" + ("nec" if label == GradeLabel.NEC else "g3" if label == GradeLabel.G3 else "well")


def grade_sentence(case: Case, result: GradeResult) -> str:
    """The grade in words, from the same scales the grading rules use: each index with its band and
    grade, how they combine, and what differentiation adds. Empty when there is nothing to combine
    (not gradable): the rule line is the answer then."""
    from bot import grading

    if result.kind == "not_gradable":
        return ""
    mitoses = grading.mitoses_per_2mm2(case.mitoses, case.mitoses_unit) if case.mitoses is not None else None
    converted = case.mitoses_unit != MitoticUnit.per_2mm2

    def index_text(scale: "grading.ThreeBandScale", value: float, label: str, approx: bool = False) -> str:
        where = scale.where(value)  # "Mitoses 1 per 2 mm² is below 2 per 2 mm²"
        if approx:
            where = where.replace(f"{scale.index} ", f"{scale.index} about ", 1)
        if scale.index == "Mitoses":
            where = "m" + where[1:]
        return f"{where} ({label})"

    if result.system == grading.SYSTEM_THORACIC:
        if mitoses is None:
            return ""
        where = index_text(grading.THORACIC_MITOSES_SCALE, mitoses, "mitotic band", converted).rsplit(" (", 1)[0]
        where = _capitalise(where)
        if case.necrosis is None and grading.THORACIC_MITOSES_SCALE.band(mitoses) == 0:
            return (f"{where} and necrosis is not stated: typical carcinoid if there is no necrosis, "
                    "atypical carcinoid if necrosis is present")
        necrosis = {True: "with necrosis", False: "without necrosis", None: "(necrosis not stated)"}[case.necrosis]
        words = grading.THORACIC_GRADE_WORDS.get(result.category, "")
        shown = f" ({words})" if words and words not in result.category.replace("-", " ") else ""
        return f"{where} {necrosis}, which makes it {result.category}{shown}"

    if result.category == grading.NEC:
        return ("poorly differentiated morphology makes it a neuroendocrine carcinoma (small or large cell type); "
                "NECs are high grade by definition and are not given G1-G3")

    ki67_grade = grading.grade_from_ki67(case.ki67_percent) if case.ki67_percent is not None else None
    mitotic_grade = grading.grade_from_mitoses(mitoses) if mitoses is not None else None
    parts = []
    if ki67_grade:
        parts.append(index_text(grading.KI67_SCALE, case.ki67_percent, ki67_grade))
    if mitotic_grade:
        parts.append(index_text(grading.GEP_MITOSES_SCALE, mitoses, mitotic_grade, converted))
    text = " and ".join(parts)
    if ki67_grade and mitotic_grade:
        text += "; the higher grade applies" if ki67_grade != mitotic_grade else f"; both give {result.grade}"
    elif result.grade != grading.GRADES[-1]:
        absent = "mitotic count" if ki67_grade else "Ki-67 index"
        text += f"; the {absent} was not given and could only raise the grade"
    text += "."
    if result.grade == grading.GRADES[-1] and case.differentiation != Differentiation.well:
        text += " Morphology is needed to tell a well-differentiated NET G3 from a poorly differentiated NEC"
    elif case.differentiation != Differentiation.well:
        text += (" Differentiation was not stated: this reads it as a well-differentiated NET "
                 "(a poorly differentiated tumour would be NEC whatever its index)")
    return text
