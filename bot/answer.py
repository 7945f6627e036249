"""Compose a cited answer: computed results and knowledge statements, numbered references.

"Cites or stays silent": every sentence an Answer holds (direct answer, computed lines, bullets,
conflict notes) carries the ids of the statements that back it, and reference numbers for their
sources. A computed line for which no statement can be found is moved to `omitted` and never
shown. Headings, the banner, the review line, the disclaimer and the questions asked for missing
inputs are fixed boilerplate.

Same inputs and same knowledge-base version give the same Answer: no clock, no set ordering.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from bot.answer_tables import (
    ANSWERABLE_TOPICS,
    COMPUTED_TOPICS,
    FOLLOW_UP_QUESTION,
    FOLLOW_UP_QUESTION_KNOWN_PRIMARY,
    QUESTION_OF_TOPIC_KNOWN_PRIMARY,
    UNKNOWN_PRIMARY_FOLLOW_UPS,
    FOLLOW_UPS,
    MAX_FOLLOW_UPS,
    QUESTION_OF_TOPIC,
    NO_CLINICAL_REVIEWER,
    REVIEW_FLAGS,
    REVIEW_WORDS,
    TOPIC_LABELS,
    need_question,
    not_covered_question,
    question_statement_ids,
)
from bot.knowledge import (
    STATUS_ORDER,
    CaseContext,
    FactStatus,
    KnowledgeBase,
    Source,
    Statement,
    Tier,
    Verification,
    load_knowledge,
)
from bot.models import (
    CHECKED_STATUSES,
    Case,
    Flag,
    ReviewStatus,
    Site,
    TraceLine,
)
from bot.answer_computed import ComputedAnswers
from bot.answer_model import sentence as _sentence
from bot.answer_model import unique as _unique
from bot.answer_model import (  # noqa: F401 - the Answer model, re-exported for the tests
    BANNER_TEXT,
    Abstain,
    AbstainKind,
    Answer,
    Bullet,
    CitedSentence,
    Computed,
    ComputedSection,
    FollowUp,
    Need,
    Reference,
    Reply,
    ReviewSummary,
)
from bot.computed_wording import EngineWording, Rendered
from bot.result_wording import flag_words, rule_words, trace_words
from bot.workup_wording import flag_words as workup_flag_words

AUDIENCES = ("clinician", "patient")
DISCLAIMERS = {
    "clinician": (
        "Educational information for healthcare professionals. It supports and does not replace clinical "
        "judgement, the primary sources or a multidisciplinary tumour board; check each point against the "
        "cited sources before using it in patient care."
    ),
    "patient": (
        "This is general information, not medical advice about you. Please talk about your own situation "
        "with your care team."
    ),
}
MAX_EXTRA_STATEMENTS = 2  # per topic pulled in by the computed case
# A chat answer stays readable: at most this many guideline and research bullets, the most relevant
# to the result kept (statements the computed lines cite, then those specific to the case). None = no cap.
MAX_GUIDELINE_BULLETS = 3
MAX_RESEARCH_BULLETS = 2




# --------------------------------------------------------------------------------------------
# Composition
# --------------------------------------------------------------------------------------------


RANKED_SHARE_OF_BEST = 0.6  # ranked statements kept as answers: at least this share of the best score
RANKED_KEPT = 3
MAX_DIRECT_STATEMENTS = 3  # statements in the direct answer to a message asking several things


def _ranks_statements(question: str, topic: str, kb: KnowledgeBase) -> bool:
    """Whether a question's words pick statements within this topic (not for computed topics)."""
    return bool(question) and topic not in COMPUTED_TOPICS and kb.has_topic(topic)


def ranked_answers(question: str, topic: str, kb: KnowledgeBase) -> List[str]:
    """The statements of a topic that the ranking finds answer the question (none for computed topics)."""
    if not _ranks_statements(question, topic, kb):
        return []
    from bot.ranking import rank_statements  # lazy: the index is built on first use

    ranked = rank_statements(question, topic=topic, kb=kb, limit=RANKED_KEPT)
    return [sid for sid, score in ranked if score >= RANKED_SHARE_OF_BEST * ranked[0][1]]


def part_answers(question: str, topic: str, kb: KnowledgeBase) -> List[str]:
    """For a message asking several things ("pooled detection rate? does it change management?"), the best
    statement of the topic for each of its questions, in the order asked; none for a single question."""
    if not _ranks_statements(question, topic, kb):
        return []
    from bot.ranking import question_parts, rank_statements

    parts = question_parts(question, kb)
    if len(parts) < 2:
        return []
    best = [rank_statements(part, topic=topic, kb=kb, limit=1) for part in parts]
    return list(dict.fromkeys(ranked[0][0] for ranked in best if ranked))


def named_answers(question: str, topic: str, kb: KnowledgeBase) -> List[str]:
    """The statements of a topic about a trial the question names: shown whatever the case,
    since their own sentence says whom they apply to ("NETTER-1 for a pNET?")."""
    if not _ranks_statements(question, topic, kb):
        return []
    from bot.ranking import named_statements

    return [sid for sid in named_statements(question, kb) if topic in kb.statement(sid).topics]


def compose_answer(
    topic: str,
    case: Optional[Case] = None,
    audience: str = "clinician",
    kb: Optional[KnowledgeBase] = None,
    max_guideline: Optional[int] = MAX_GUIDELINE_BULLETS,
    max_research: Optional[int] = MAX_RESEARCH_BULLETS,
    question: str = "",
) -> Answer:
    """The cited answer for a knowledge topic or a computed question ('grade', 'stage', 'workup').

    `max_guideline` / `max_research` cap the bullets (None: every statement selected is shown).
    `question` is the user's wording: statements that answer its words (answer_tables.QUESTION_CUES)
    lead an information answer and are kept first under the caps.
    """
    kb = kb if kb is not None else load_knowledge()
    composer = _Composer(kb, topic, audience if audience in AUDIENCES else "clinician")
    composer.caps = {Tier.guideline: max_guideline, Tier.research: max_research}
    composer.cue_ids = [sid for sid in question_statement_ids(question) if sid in kb.statement_files]
    # the statements that answer the question's words: the named cues first, then the best ranked ones of
    # the topic (bot/ranking.py), so the statement that answers leads instead of the topic's first one
    composer.asked_ids = list(dict.fromkeys(composer.cue_ids + ranked_answers(question, topic, kb)))
    composer.named_ids = named_answers(question, topic, kb)
    composer.part_ids = part_answers(question, topic, kb)
    composer.question = question
    if topic not in ANSWERABLE_TOPICS:
        composer.abstain(AbstainKind.out_of_scope, "This question is outside what I cover.")
    elif topic == "grade":
        composer.grade(case)
    elif topic == "stage":
        composer.stage(case)
    elif topic == "workup":
        composer.workup(case)
    else:
        composer.information(case)
    return composer.finish()


class _Composer(ComputedAnswers):
    def __init__(self, kb: KnowledgeBase, topic: str, audience: str):
        self.kb = kb
        self.topic = topic
        self.audience = audience
        self.context = CaseContext()
        self.direct: List[CitedSentence] = []
        self.computed: Optional[Computed] = None
        self.needs: List[Need] = []
        self.statements: List[Statement] = []  # bullets, in order of selection
        self.abstain_reason: Optional[Abstain] = None
        self.omitted: List[str] = []
        self.follow_up_key = topic
        self.caps: Dict[Tier, Optional[int]] = {Tier.guideline: None, Tier.research: None}
        self.asked_ids: List[str] = []  # statements that answer the question's words, most direct first
        self.cue_ids: List[str] = []  # of those, the ones named by answer_tables.QUESTION_CUES
        self.named_ids: List[str] = []  # statements about a trial the question names
        self.part_ids: List[str] = []  # the best statement for each question of a message asking several
        self.question = ""
        self.pending_wording: List[str] = []  # workup templates used that are not checked against their statements

    # --- statement picking ---

    def cite(self, text: str, statements: Sequence[Optional[Statement]]) -> Optional[CitedSentence]:
        """A sentence backed by statements; None (and the text recorded as omitted) if there are none."""
        backing = list({s.id: s for s in statements if s is not None}.values())
        if not backing:
            self.omitted.append(text)
            return None
        return CitedSentence(
            text=_sentence(text),
            statement_ids=[s.id for s in backing],
            status=_least_reviewed(s.effective_status for s in backing),
        )

    def cite_wording(self, text: str, parts: Sequence[Optional[Rendered]], fit_case: bool = False) -> Optional[CitedSentence]:
        """A sentence filled from knowledge/computed/*.yml, cited with the statements its templates name (the
        explicit table, never a topic or a word search); with `fit_case`, only those that apply to the case
        (a pancreatic study is not cited for an ileal NET). Its status is the least reviewed of those statements
        and of the templates themselves; a template not checked is named in the banner. None (the text recorded
        as omitted) when a template is missing or no statement is left."""
        if not parts or any(part is None for part in parts):
            self.omitted.append(text)
            return None
        rendered = [part for part in parts if part is not None]
        statement_ids = _unique(sid for part in rendered for sid in part.statement_ids)
        backing = [self.kb.statement(sid) for sid in statement_ids if sid in self.kb.statement_files]
        backing = [s for s in backing if not s.is_rejected and (not fit_case or self.context.matches(s.applies_to))]
        if not backing:
            self.omitted.append(text)
            return None
        template_statuses = []
        for part in rendered:
            for key, status in zip(part.templates, part.statuses):
                template_statuses.append(status)
                if status not in CHECKED_STATUSES and key not in self.pending_wording:
                    self.pending_wording.append(key)
        return CitedSentence(
            text=_sentence(text),
            statement_ids=[s.id for s in backing],
            status=_least_reviewed([s.effective_status for s in backing] + template_statuses),
        )

    def result_lines(self, spec: EngineWording, lines: Iterable[TraceLine],
                     chapter: Optional[str] = None) -> List[Optional[CitedSentence]]:
        """The rule trace of a grade or stage, each line in its template's words with its statements."""
        out = []
        for line in lines:
            words = trace_words(spec, self.kb.wording(spec.name), line, chapter)
            if words is None:
                self.omitted.append(f"{line.rule_id}: {line.line}: no template")
                out.append(None)
                continue
            out.append(self.cite_wording(words.text, [words], fit_case=True))
        return out

    def result_flag_lines(self, spec: EngineWording, flags: Iterable[Flag],
                          chapter: Optional[str] = None) -> List[Optional[CitedSentence]]:
        lines = []
        for flag in flags:
            if flag.code in REVIEW_FLAGS:
                continue  # shown through the banner
            words = flag_words(spec, self.kb.wording(spec.name), flag, chapter)
            if words is None:
                self.omitted.append(f"flag {flag.template_id}: no template")
                continue
            lines.append(self.cite_wording(words.text, [words], fit_case=True))
        return lines

    def rule_part(self, spec: EngineWording, rule_id: str, chapter: Optional[str] = None) -> Optional[Rendered]:
        """The statements that back a rule itself (its template under `rules`)."""
        return rule_words(spec, self.kb.wording(spec.name), rule_id, chapter)

    def statement_sentence(self, statement: Statement) -> CitedSentence:
        return CitedSentence(
            text=_sentence(statement.wording(self.audience)),
            statement_ids=[statement.id],
            status=statement.effective_status,
        )

    def add_statements(self, statements: Iterable[Statement]) -> None:
        have = {s.id for s in self.statements}
        for statement in statements:
            if statement.id not in have:
                have.add(statement.id)
                self.statements.append(statement)

    def add_extra_topics(self, topics: Iterable[str]) -> None:
        """Topics the computed case brings in: statements specific to the case first, at most a few."""
        for topic in topics:
            specific = self.kb.specific_statements(topic, self.context)
            chosen = specific or self.kb.statements_for(topic, self.context)[:1]
            self.add_statements(chosen[:MAX_EXTRA_STATEMENTS])

    def background(self, topic: str) -> List[Statement]:
        """A computed answer's background from a rule topic: the topic's own statements, plus statements
        borrowed from other topics only when checked (a pending aside should not flag every result)."""
        return [
            s
            for s in self.kb.statements_for(topic, self.context)
            if s.topics[0] == topic or s.effective_status in CHECKED_STATUSES
        ]

    def section(self, kind: str, lines: Iterable[Optional[CitedSentence]]) -> Optional[ComputedSection]:
        kept = [line for line in lines if line is not None]
        return ComputedSection(kind=kind, lines=kept) if kept else None

    def workup_flag_lines(self, flags: Iterable[Flag]) -> List[Optional[CitedSentence]]:
        lines = []
        wording = self.kb.workup_wording
        for flag in flags:
            if flag.code in REVIEW_FLAGS:
                continue  # shown through the banner
            words = workup_flag_words(flag, wording) if wording else None
            if words is None:
                self.omitted.append(f"flag {flag.code}: no template")
                continue
            lines.append(self.cite_wording(words.text, [words]))
        return lines

    def set_needs(self, missing: Iterable[str]) -> None:
        self.needs = [Need(field=f, question=need_question(f)) for f in _unique(missing)]

    def abstain(self, kind: AbstainKind, message: str) -> None:
        if kind == AbstainKind.not_covered:
            # the topic is covered: a list of every topic would not help with the question asked
            self.abstain_reason = Abstain(kind=kind, message=message)
            return
        covered = [TOPIC_LABELS[t] for t in ANSWERABLE_TOPICS if t in ("grade", "stage", "workup") or self.kb.has_topic(t)]
        self.abstain_reason = Abstain(kind=kind, message=message, covered=_unique(covered))

    # --- information topics ---

    def asked_in_topic(self) -> List[Statement]:
        """The statements the question asks for that belong to this topic, whatever the recorded case."""
        asked = [self.kb.statement(sid) for sid in self.asked_ids]
        return [s for s in asked if self.topic in s.topics and not s.is_rejected]

    def information(self, case: Optional[Case]) -> None:
        grade_result = None
        if case is not None and (case.ki67_percent is not None or case.mitoses is not None):
            from bot import grading  # lazy, as in grade()

            # the computed grade picks the statements: an ileal NET G2 never gets the NEC survival figures
            grade_result = grading.grade(case)
        self.context = CaseContext.from_case(case, grade_result)
        applicable = self.kb.statements_for(self.topic, self.context)
        applicable_ids = {s.id for s in applicable}
        # a named cue, or a statement about the trial the question names, answers whatever the case (its own
        # sentence gives the trial's population); any other ranked statement only when it applies to the case
        asked = [s for s in self.asked_in_topic()
                 if s.id in self.cue_ids or s.id in self.named_ids or s.id in applicable_ids]
        asked_ids = {s.id for s in asked}
        statements = asked + [s for s in applicable if s.id not in asked_ids]
        cued = [s for s in asked if s.id in self.cue_ids]
        # a known gap is said first unless a named cue answers it (a ranked statement may only be near it)
        gap = None if cued else not_covered_question(self.question, self.topic)
        if gap and asked and not_covered_question(asked[0].text, self.topic) == gap:
            # the statement that best answers the words is itself about what the gap names ("MEN1 carrier - when
            # to start surveillance in his kids?" and the statement on MEN1 surveillance from childhood): no gap
            gap = None
        if gap:
            # the gap is said first; a statement about something else is not presented as the answer
            what, related = gap
            related_statements = [s for s in statements if s.fact_status == FactStatus.verified] if related else []
            tail = " Related reviewed statements on this topic follow." if related_statements else ""
            self.abstain(AbstainKind.not_covered, f"The reviewed statements do not cover {what}.{tail}")
            self.add_statements(related_statements)
            return
        if not statements:
            if self.kb.has_topic(self.topic):
                self.abstain(AbstainKind.no_content, "None of the reviewed statements on this topic applies to this case.")
            else:
                self.abstain(AbstainKind.no_content, "This topic has no reviewed statements yet.")
            return
        lead = asked[0] if asked else self.best_lead(statements)
        # a message asking several things gets the statement that answers each, in the order asked
        usable = {s.id: s for s in statements}
        leads = [lead] + [usable[sid] for sid in self.part_ids if sid in usable and sid != lead.id]
        leads = leads[:MAX_DIRECT_STATEMENTS]
        for statement in leads:
            self.direct.append(self.statement_sentence(statement))
        self.add_statements(s for s in statements if s not in leads)

    def best_lead(self, statements: List[Statement], by_fit: bool = True) -> Statement:
        """The statement that leads an answer: approved, then source-checked, before pending review, then (by_fit) one known to fit
        the case before one the case cannot be checked against, then guideline before research."""
        def key(position: int) -> Tuple[int, int, bool, int]:
            s = statements[position]
            fit = self.context.unconfirmed(s.applies_to) if by_fit else 0
            return (STATUS_ORDER.index(s.effective_status), fit, s.tier != Tier.guideline, position)

        return statements[min(range(len(statements)), key=key)]

    # --- grade ---

    # --- finishing ---

    def direct_statements(self) -> List[Statement]:
        return [self.kb.statement(sid) for item in self.direct for sid in item.statement_ids]

    def follow_ups(self) -> List[FollowUp]:
        wanted = FOLLOW_UPS.get(self.follow_up_key) or FOLLOW_UPS.get(self.topic, ())
        fallback = ("workup", "net_cup", "sstr_pet", "prognosis")
        known_primary = self.context.site not in (None, Site.unknown)
        if known_primary:
            # "How is a NET of unknown primary staged?" does not follow an answer about an ileal NET
            fallback = ("treatment_well_differentiated", "labs_cga", "germline")
        chosen: List[FollowUp] = []
        for topic in _unique(list(wanted) + list(fallback)):
            if topic == self.topic or topic not in FOLLOW_UP_QUESTION:
                continue
            if known_primary and topic in UNKNOWN_PRIMARY_FOLLOW_UPS:
                continue
            if topic not in ("grade", "stage", "workup") and not self.kb.has_topic(topic):
                continue
            wording = FOLLOW_UP_QUESTION_KNOWN_PRIMARY.get(topic) if known_primary else None
            chosen.append(FollowUp(question=wording or FOLLOW_UP_QUESTION[topic], topic=topic))
            if len(chosen) == MAX_FOLLOW_UPS:
                break
        return chosen

    def title(self) -> str:
        """The question answered, worded for a known primary when the case has one."""
        if self.context.site not in (None, Site.unknown) and self.topic in QUESTION_OF_TOPIC_KNOWN_PRIMARY:
            return QUESTION_OF_TOPIC_KNOWN_PRIMARY[self.topic]
        return QUESTION_OF_TOPIC.get(self.topic, "Question outside the covered topics")

    def most_relevant(self, statements: List[Statement]) -> List[Statement]:
        """Keep at most the capped number of bullets per tier, in their selection order. Relevance: the
        statements that answer the question's words, then those behind the direct answer, then those
        specific to the case (brought in by the result), then those the computed lines cite (their
        references are listed either way), then the rest."""
        direct = {sid for item in self.direct for sid in item.statement_ids}
        cited = set()
        if self.computed:
            cited = {sid for section in self.computed.sections for line in section.lines for sid in line.statement_ids}
        asked = {sid: i for i, sid in enumerate(self.asked_ids)}

        def rank(position: int) -> Tuple[int, int, int]:
            statement = statements[position]
            if statement.id in asked:
                return (-1, asked[statement.id], position)
            specificity = self.context.specificity(statement.applies_to)
            group = 0 if statement.id in direct else 1 if specificity > 0 else 2 if statement.id in cited else 3
            return (group, -specificity, position)

        keep: set = set()
        for tier, cap in self.caps.items():
            positions = [i for i, s in enumerate(statements) if s.tier == tier]
            if cap is not None:
                positions = sorted(positions, key=rank)[: max(cap, 0)]
            keep |= set(positions)
        return [s for i, s in enumerate(statements) if i in keep]

    def finish(self) -> Answer:
        direct_ids = {sid for item in self.direct for sid in item.statement_ids if len(item.statement_ids) == 1}
        if self.topic not in ("grade", "stage"):
            # an information lead statement is not repeated as a bullet
            bullets_from = [s for s in self.statements if s.id not in direct_ids]
        else:
            bullets_from = list(self.statements)
        bullets_from = self.most_relevant(bullets_from)
        bullets = [
            Bullet(
                statement_id=s.id,
                text=_sentence(s.wording(self.audience)),
                status=s.effective_status,
                evidence_label=s.evidence_label,
                conflict=_sentence(s.conflict) if s.conflict else None,
            )
            for s in bullets_from
        ]
        answer = Answer(
            topic=self.topic,
            question=self.title(),
            audience=self.audience,
            direct_answer=self.direct,
            computed=self.computed,
            needs=self.needs,
            guideline_bullets=[b for b, s in zip(bullets, bullets_from) if s.tier == Tier.guideline],
            research_bullets=[b for b, s in zip(bullets, bullets_from) if s.tier == Tier.research],
            review_summary=ReviewSummary(counts={}, text="", pending=[]),
            kb_version=self.kb.version,
            last_updated=self.kb.last_updated.isoformat() if self.kb.last_updated else None,
            disclaimer=DISCLAIMERS[self.audience],
            follow_ups=self.follow_ups() if self.topic in ANSWERABLE_TOPICS else [],
            abstain_reason=self.abstain_reason,
            omitted=self.omitted,
        )
        _number_references(answer, self.kb)
        answer.review_summary = _review_summary(answer, self.kb)
        answer.pending_review = _pending_review(answer)
        answer.banner = _banner(answer.pending_review)
        return answer


def _least_reviewed(statuses: Iterable[ReviewStatus]) -> ReviewStatus:
    return max(statuses, key=STATUS_ORDER.index, default=ReviewStatus.approved)


def _number_references(answer: Answer, kb: KnowledgeBase) -> None:
    """Number sources in order of first use and give every cited item its reference numbers."""
    numbers: Dict[str, int] = {}
    for item in answer.cited_items():
        refs: List[int] = []
        for sid in item.statement_ids:
            for source_id in kb.statement(sid).sources:
                number = numbers.setdefault(source_id, len(numbers) + 1)
                if number not in refs:
                    refs.append(number)
        item.refs = refs
    answer.references = [_reference(number, kb.source(source_id)) for source_id, number in numbers.items()]


def _reference(number: int, source: Source) -> Reference:
    parts: List[str] = []
    if source.authors:
        parts.append(source.authors)
    parts.append(source.title)
    venue = " ".join(str(v) for v in (source.journal, source.year) if v)
    if venue and source.volume_pages:
        venue += f";{source.volume_pages}"
    if venue:
        parts.append(venue)
    if source.edition:
        parts.append(source.edition)
    if source.pmid:
        parts.append(f"PMID {source.pmid}")
    if source.doi:
        parts.append(f"doi:{source.doi}")
    citation = ". ".join(p.strip().rstrip(".") for p in parts) + "."
    notes: List[str] = []
    if source.verification == Verification.from_memory:
        notes.append("citation details from memory, not yet verified")
    elif source.verification == Verification.partial or source.unverified_fields:
        fields = ", ".join(f.replace("_", " ") for f in source.unverified_fields)
        notes.append(f"not verified: {fields}" if fields else "some citation details not verified")
    if source.newer_edition:
        notes.append(f"newer edition: {source.newer_edition}")
    url = None
    if source.doi:
        url = f"https://doi.org/{source.doi}"
    elif source.pmid:
        url = f"https://pubmed.ncbi.nlm.nih.gov/{source.pmid}/"
    return Reference(
        number=number,
        source_id=source.id,
        citation=citation,
        short=_short_citation(source),
        url=url,
        note="; ".join(notes) if notes else None,
    )


SHORT_TITLE_CHARS = 48


def _short_citation(source: Source) -> str:
    """'Nagtegaal 2020, Histopathology': first author's surname and year, then the journal; a source without
    authors goes by its journal (or its title, shortened)."""
    first_author = source.authors.split(",")[0].split()[0] if source.authors and source.authors.strip() else ""
    title = source.title.strip("[] ")
    if len(title) > SHORT_TITLE_CHARS:
        title = title[: SHORT_TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"
    lead = " ".join(str(p) for p in (first_author or source.journal or title, source.year) if p)
    venue = source.journal if first_author and source.journal else ""
    return ", ".join(p for p in (lead, venue) if p)


def compose_reply(answers: Sequence[Answer], kb: Optional[KnowledgeBase] = None) -> Reply:
    """One reply covering every ask of a message: the answers as parts, in the order given (computed results
    first, as the understanding step orders the asks). References are numbered once across the reply in
    order of first use, so a source two parts cite has one number; the review summary and banner cover every
    statement used. One answer gives a reply that lays out exactly as that answer."""
    if not answers:
        raise ValueError("a reply needs at least one answer")
    if len(answers) == 1:
        return Reply.of(answers[0])
    kb = kb if kb is not None else load_knowledge()
    parts = [answer.model_copy(deep=True) for answer in answers]
    numbers: Dict[str, int] = {}
    references: List[Reference] = []
    for part in parts:
        renumber: Dict[int, int] = {}
        for ref in part.references:
            if ref.source_id not in numbers:
                numbers[ref.source_id] = len(numbers) + 1
                references.append(ref.model_copy(update={"number": numbers[ref.source_id]}))
            renumber[ref.number] = numbers[ref.source_id]
        for item in part.cited_items():
            item.refs = _unique(renumber[r] for r in item.refs)
        part.references = [r.model_copy(update={"number": renumber[r.number]}) for r in part.references]
    first = parts[0]
    reply = Reply(
        parts=parts, audience=first.audience, references=references,
        review_summary=ReviewSummary(counts={}, text="", pending=[]),
        kb_version=first.kb_version, last_updated=first.last_updated, disclaimer=first.disclaimer,
        follow_ups=_unique_follow_ups(parts),
    )
    reply.review_summary = _review_summary(reply, kb)
    reply.pending_review = _unique(p for part in parts for p in _pending_review(part, reply.review_summary.pending))
    reply.banner = _banner(reply.pending_review)
    return reply


def _unique_follow_ups(parts: Sequence[Answer]) -> List[FollowUp]:
    """The parts' follow-ups in turn, without a topic the reply already answers or offers, at most MAX_FOLLOW_UPS."""
    answered = {part.topic for part in parts}
    chosen: List[FollowUp] = []
    queues = [list(part.follow_ups) for part in parts]
    while any(queues) and len(chosen) < MAX_FOLLOW_UPS:
        for queue in queues:
            if not queue or len(chosen) == MAX_FOLLOW_UPS:
                continue
            follow_up = queue.pop(0)
            if follow_up.topic not in answered and all(f.topic != follow_up.topic for f in chosen):
                chosen.append(follow_up)
    return chosen


def _review_summary(answer: Any, kb: KnowledgeBase) -> ReviewSummary:
    """The review counts of an Answer or a Reply (every statement it uses, once)."""
    used = [kb.statement(sid) for sid in answer.statement_ids()]
    counts = {status.value: sum(1 for s in used if s.effective_status == status) for status in STATUS_ORDER}
    text = ", ".join(f"{n} {REVIEW_WORDS[k]}" for k, n in counts.items() if n) or "no statements used"
    if counts.get(ReviewStatus.source_checked.value) and not counts.get(ReviewStatus.approved.value):
        text += " (" + NO_CLINICAL_REVIEWER + ")"
    pending = [s.id for s in used if s.effective_status not in CHECKED_STATUSES]
    return ReviewSummary(counts=counts, text=text, pending=pending)


def _pending_review(answer: Answer, statements: Optional[List[str]] = None) -> List[str]:
    """Statements used that are not checked against their sources, and the computing rules if they are under review."""
    pending = list(answer.review_summary.pending if statements is None else statements)
    if answer.computed and answer.computed.review_status not in CHECKED_STATUSES:
        pending.append(f"{answer.computed.kind} rules")
    if answer.computed:
        pending += [f"wording {key}" for key in answer.computed.pending_wording]
    return pending


def _banner(pending: List[str]) -> Optional[str]:
    """The review banner, naming what is pending, exactly when something used is not checked against its sources."""
    return f"{BANNER_TEXT}: {', '.join(pending)}." if pending else None
