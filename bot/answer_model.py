"""The answer as a typed object: what a composed answer holds (direct answer, computed result, bullets, references,
review summary, disclaimer, follow-ups) and what every renderer reads. bot/answer.py composes it."""

from __future__ import annotations

from enum import Enum
from typing import Any, Dict, Iterable, Iterator, List, Optional

from pydantic import BaseModel, Field

from bot.models import ReviewStatus
from bot.pictures import Picture

def unique(items: Iterable[Any]) -> List[Any]:
    """The items in their first order, without repeats."""
    return list(dict.fromkeys(items))


def sentence(text: str) -> str:
    """The text ending as a sentence."""
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


# the banner over an answer that uses statements not yet checked against their sources (composer and renderers)
BANNER_TEXT = "Educational purpose only; parts of this answer are pending human review"

class CitedSentence(BaseModel):
    text: str
    statement_ids: List[str]
    refs: List[int] = Field(default_factory=list)
    status: ReviewStatus = ReviewStatus.approved  # least reviewed effective status among the statements


class Bullet(BaseModel):
    statement_id: str
    text: str
    refs: List[int] = Field(default_factory=list)
    status: ReviewStatus
    evidence_label: Optional[str] = None
    conflict: Optional[str] = None  # where sources disagree; same statement, same citations

    @property
    def statement_ids(self) -> List[str]:
        return [self.statement_id]


class ComputedSection(BaseModel):
    kind: str  # "trace" | "caveats" | "what_ifs" | "steps" | "treatment"
    lines: List[CitedSentence]


class Computed(BaseModel):
    kind: str  # "grade" | "stage" | "workup"
    headline: str
    provisional: bool = False
    rule_ids: List[str]
    review_status: ReviewStatus
    sections: List[ComputedSection] = Field(default_factory=list)
    result: Dict[str, Any]  # the raw result, for channels and actions that want the numbers
    pending_wording: List[str] = Field(default_factory=list)  # templates used that are not checked (workup)
    picture: Optional[Picture] = None  # the result drawn (bot/pictures.py): SVG with its alt text


class Reference(BaseModel):
    number: int
    source_id: str
    citation: str  # the known parts only
    short: str = ""  # "Nagtegaal 2020, Histopathology": the compact reference line under the visible part
    url: Optional[str] = None
    note: Optional[str] = None  # verification caveat or newer edition


class Need(BaseModel):
    field: str
    question: str


class ReviewSummary(BaseModel):
    counts: Dict[str, int]  # effective status -> statements used
    text: str  # "4 source-checked by the NETguide team, 1 under review (...)"
    pending: List[str]  # statements used that are not checked against their sources (named by the banner)


class FollowUp(BaseModel):
    question: str
    topic: str


class AbstainKind(str, Enum):
    out_of_scope = "out_of_scope"
    missing_input = "missing_input"
    conflict = "conflict"
    no_content = "no_content"
    not_covered = "not_covered"  # the topic is covered, the particular question asked is not


class Abstain(BaseModel):
    kind: AbstainKind
    message: str  # fixed wording: why, and what to ask or try
    covered: List[str] = Field(default_factory=list)  # topic labels that can be answered


class Answer(BaseModel):
    topic: str
    question: str
    audience: str
    direct_answer: List[CitedSentence] = Field(default_factory=list)
    computed: Optional[Computed] = None
    needs: List[Need] = Field(default_factory=list)
    guideline_bullets: List[Bullet] = Field(default_factory=list)
    research_bullets: List[Bullet] = Field(default_factory=list)
    references: List[Reference] = Field(default_factory=list)
    review_summary: ReviewSummary
    banner: Optional[str] = None
    pending_review: List[str] = Field(default_factory=list)  # what the banner names
    kb_version: str
    last_updated: Optional[str] = None
    disclaimer: str
    follow_ups: List[FollowUp] = Field(default_factory=list)
    abstain_reason: Optional[Abstain] = None
    omitted: List[str] = Field(default_factory=list)  # computed lines without a backing statement: not shown

    def cited_items(self) -> Iterator[Any]:
        """Every cited item in display order (sentences and bullets)."""
        yield from self.direct_answer
        if self.computed:
            for section in self.computed.sections:
                yield from section.lines
        yield from self.guideline_bullets
        yield from self.research_bullets

    def statement_ids(self) -> List[str]:
        return list(dict.fromkeys(sid for item in self.cited_items() for sid in item.statement_ids))

    def rule_ids(self) -> List[str]:
        return list(self.computed.rule_ids) if self.computed else []


class Reply(BaseModel):
    """One reply to one user message: the Answer to each of its asks as a part, computed results first.

    Parts keep their own sections; references are numbered once across the reply (a source cited by two
    parts has one number), and the review summary, banner and disclaimer are the reply's. A reply of one
    part lays out exactly as that Answer."""

    parts: List[Answer]
    audience: str
    references: List[Reference] = Field(default_factory=list)
    review_summary: ReviewSummary
    banner: Optional[str] = None
    pending_review: List[str] = Field(default_factory=list)
    kb_version: str
    last_updated: Optional[str] = None
    disclaimer: str
    follow_ups: List[FollowUp] = Field(default_factory=list)

    @property
    def topics(self) -> List[str]:
        return [part.topic for part in self.parts]

    def cited_items(self) -> Iterator[Any]:
        for part in self.parts:
            yield from part.cited_items()

    def statement_ids(self) -> List[str]:
        return unique(sid for part in self.parts for sid in part.statement_ids())

    def rule_ids(self) -> List[str]:
        return unique(rid for part in self.parts for rid in part.rule_ids())

    @classmethod
    def of(cls, answer: Answer) -> "Reply":
        """The reply that is one answer (its numbering and summary as they are)."""
        return cls(
            parts=[answer], audience=answer.audience, references=list(answer.references),
            review_summary=answer.review_summary, banner=answer.banner, pending_review=list(answer.pending_review),
            kb_version=answer.kb_version, last_updated=answer.last_updated, disclaimer=answer.disclaimer,
            follow_ups=list(answer.follow_ups),
        )
