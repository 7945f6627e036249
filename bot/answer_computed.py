"""The computed answers: how the composer (bot/answer.py) turns a grading, staging or workup result into the
direct answer and the cited lines of its computed sections. A mixin of the composer, which owns the statements,
the citations and the finishing; the engines' results come in as codes and rule ids."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from pydantic import BaseModel

from bot.pictures import grade_picture, stage_picture, workup_picture
from bot.answer_model import AbstainKind, CitedSentence, Computed
from bot.answer_model import capitalise as _capitalise
from bot.answer_model import unique as _unique
from bot.knowledge import CaseContext, GradeLabel
from bot.computed_wording import EngineWording, Rendered, WordingFile
from bot.models import Case, Differentiation, GradeResult, Site, Syndrome, WhatIf, WorkupStep
from bot.result_wording import (
    GRADING,
    STAGING,
    category_label,
    category_name,
    cell_type_words,
    grade_sentence,
    stage_sentence,
    trace_words,
    what_if_words,
)
from bot.workup_wording import step_reason, step_title

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

class ComputedAnswers:
    """The grade, stage and workup parts of the composer."""

    def grade(self, case: Optional[Case]) -> None:
        from bot import grading  # lazy: the core modules load on first use

        case = case or Case()
        result = grading.grade(case)
        self.context = CaseContext.from_case(case, result)
        thoracic = result.thoracic
        main_topic = "grading_lung" if thoracic else "grading_gep"
        wording = self.kb.wording(GRADING.name)

        decisive = [line for line in result.trace if line.rule_id in DECISIVE_GRADE_RULES]
        name = category_name(result.category, wording)
        cell_type = cell_type_words(result.nec_subtype, wording, result.thoracic)
        headline = (name.text if name else result.category) + (f", {cell_type.text}" if cell_type else "") + (
            " (provisional)" if result.provisional else "")
        label = "No grade yet" if result.kind == "not_gradable" else f"{headline}, {result.system}"
        named = [name] if result.kind != "not_gradable" else []  # the category's name is cited where it is shown
        # the direct answer says the result in a sentence; every rule line stays in the trace below
        sentence = grade_sentence(case, result, wording)  # type: ignore[arg-type]
        parts = [sentence] if sentence else [trace_words(GRADING, wording, line) for line in decisive]
        detail = "; ".join(p.text for p in parts if p)
        direct = self.cite_wording(f"{label}: {detail}" if detail else label,
                                   parts + named + ([cell_type] if cell_type else []), fit_case=True)
        if direct:
            self.direct.append(direct)

        what_if_lines = []
        for what_if in result.what_ifs:
            if what_if.about == "differentiation":
                rule_id = "WHO2019-G3-MORPHOLOGY"
            elif thoracic:
                rule_id = "WHO2021-LUNG-AC"
            elif what_if.about == "ki67":
                rule_id = "WHO2019-GEP-KI67"
            else:
                rule_id = "WHO2019-GEP-MITOSES"
            what_if_lines.append(self.what_if_line(GRADING, wording, what_if, self.rule_part(GRADING, rule_id)))

        self.computed = Computed(
            kind="grade",
            headline=headline,
            provisional=result.provisional,
            rule_ids=list(result.rule_ids),
            review_status=result.review_status,
            sections=[
                s
                for s in (
                    self.section("trace", self.result_lines(GRADING, result.trace)),
                    self.section("caveats", self.result_flag_lines(GRADING, result.flags)),
                    self.section("what_ifs", what_if_lines),
                )
                if s
            ],
            result=self.result_json(GRADING, wording, result),
            pending_wording=list(self.pending_wording),
            picture=grade_picture(case, result, lambda code: category_label(code, wording) or code),
        )
        self.set_needs(result.missing)
        if result.kind == "not_gradable":
            self.abstain(AbstainKind.missing_input, "I need more values before I can grade this tumour.")

        # the rule statements first, then the topics this result brings in
        self.add_statements(self.kb.statement(sid) for item in [direct] if item for sid in item.statement_ids)
        self.add_statements(self.background(main_topic))
        self.add_extra_topics(self.extra_topics(case, result))
        self.follow_up_key = "grade:" + self.result_kind(result, thoracic)

    def what_if_line(self, spec: EngineWording, wording: Optional[WordingFile], what_if: WhatIf,
                     rule: Optional[Rendered], chapter: Optional[str] = None) -> Optional[CitedSentence]:
        """A what-if in the words of the engine's `what_ifs` templates, cited with the rule that decides it."""
        words = what_if_words(spec, wording, what_if, chapter)
        if words is None:
            self.omitted.append(f"what-if {what_if.change}: no template")
            return None
        return self.cite_wording(words.text, [words, rule], fit_case=True)

    @staticmethod
    def result_json(spec: EngineWording, wording: Optional[WordingFile], result: BaseModel,
                    chapter: Optional[str] = None) -> Dict[str, Any]:
        """The result as JSON for REST and the CLI: its codes, a grade's category by its name (`category`, with the
        code in `category_code`) and each what-if with its words (`text`)."""
        data = result.model_dump(mode="json")
        if spec is GRADING:
            data["category_code"] = data["category"]
            data["category"] = category_label(data["category"], wording)
        for what_if, shown in zip(getattr(result, "what_ifs", []), data.get("what_ifs", [])):
            words = what_if_words(spec, wording, what_if, chapter)
            shown["text"] = words.text if words else None
        return data

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
        wording = self.kb.wording(STAGING.name)
        chapter = staging.chapter_key(result.chapter)

        tnm = " ".join(v for v in (result.t, result.n, result.m) if v)
        if result.stage_group:
            headline = f"Stage {result.stage_group}"
        elif not result.staged:
            headline = "No AJCC stage group"
        else:
            headline = "Stage group not assigned yet"
        where = result.chapter or result.edition
        lines = list(result.trace)
        decisive = lines[-1:]
        sentence = stage_sentence(decisive[0].rule_id, wording) if decisive else None  # type: ignore[arg-type]
        if sentence:
            # the sentence sums up every rule line, which all stay in the trace
            headline_words, words = sentence
            headline = headline_words.text
            parts, shown = [headline_words, words], lines
            detail = words.text
        else:
            parts = [trace_words(STAGING, wording, line, chapter) for line in decisive]
            detail = parts[0].text if parts and parts[0] else ""
            shown = lines[:-1]
        label = f"{headline} ({where}{', ' + tnm if tnm else ''})"
        direct = self.cite_wording(f"{label}: {detail}" if detail else label, parts, fit_case=True)
        if direct:
            self.direct.append(direct)
        what_if_lines = []
        for what_if in result.what_ifs:
            rule_id = staging.M1_STAGE_IV_RULE if what_if.about == "metastases" or chapter is None \
                else staging.CHAPTERS[result.chapter].group_rule_id  # type: ignore[index]
            what_if_lines.append(self.what_if_line(STAGING, wording, what_if, self.rule_part(STAGING, rule_id, chapter),
                                                   chapter))
        self.computed = Computed(
            kind="stage",
            headline=headline,
            provisional=bool(result.missing),
            rule_ids=list(result.rule_ids),
            review_status=result.review_status,
            sections=[
                s
                for s in (
                    self.section("trace", self.result_lines(STAGING, shown, chapter)),
                    self.section("caveats", self.result_flag_lines(STAGING, result.flags, chapter)),
                    self.section("what_ifs", what_if_lines),
                )
                if s
            ],
            result=self.result_json(STAGING, wording, result, chapter),
            pending_wording=list(self.pending_wording),
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
            grade_rules = [rid for rid in grade_result.rule_ids if rid in DECISIVE_GRADE_RULES]
            grade_name = category_name(grade_result.category, self.kb.wording(GRADING.name))
            grade_line = self.cite_wording(
                f"Grade used: {grade_name.text if grade_name else grade_result.category} ({grade_result.system})",
                [self.rule_part(GRADING, rid) for rid in _unique(grade_rules)] + [grade_name], fit_case=True,
            )
        steps = [step_line(s) for s in result.steps]
        treatment = [step_line(s) for s in result.treatment_direction]
        step_titles = {step.id: step_title(step, wording) for step in result.steps} if wording else {}
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
            picture=workup_picture(result, {sid: t.text for sid, t in step_titles.items() if t is not None}),
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

