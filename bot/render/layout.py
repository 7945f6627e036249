"""The order and headings of an answer, shared by every renderer.

`layout(answer)` turns an Answer into a flat list of `Line`s. Renderers only add markup, so all
channels show the same sentences, numbers and citations in the same order. Line kinds split into
cited content (sentence, bullet, conflict) and fixed boilerplate (everything else).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from bot.answer_model import BANNER_TEXT, Answer, CitedSentence
from bot.editorial_policy import policy_url
from bot.models import ReviewStatus

BOILERPLATE_KINDS = frozenset(
    {"title", "banner", "heading", "need", "abstain", "covered", "reference", "review", "disclaimer"}
)

# heading key -> (clinician, patient)
HEADINGS: Dict[str, Tuple[str, str]] = {
    "answer": ("Answer", "In short"),
    "cannot": ("Not answered yet", "I cannot answer this yet"),
    "needs": ("Still needed", "What we still need to know"),
    "trace": ("How it was worked out", "How we worked it out"),
    "steps": ("Next steps", "Possible next tests"),
    "treatment": ("Treatment direction", "Treatment options doctors consider"),
    "caveats": ("Caveats", "Things to keep in mind"),
    "what_ifs": ("What would change the result", "What could change the result"),
    "guideline": ("From the guidelines", "What guidelines say"),
    "research": ("From the research", "What studies show"),
    "references": ("References", "Sources"),
}
STATUS_TAG = {
    ReviewStatus.approved: "",
    ReviewStatus.source_checked: "",
    ReviewStatus.under_review: "under review",
    ReviewStatus.submitted: "submitted, not yet reviewed",
}
CONFLICT_LEAD = "Sources disagree:"
COVERED_LEAD = "I can answer questions on:"
REVIEW_LEAD = "Review status:"


@dataclass
class Line:
    kind: str
    text: str
    refs: List[int] = field(default_factory=list)
    status: ReviewStatus = ReviewStatus.approved
    statement_ids: List[str] = field(default_factory=list)
    label: Optional[str] = None  # evidence label of a bullet
    url: Optional[str] = None  # reference link
    note: Optional[str] = None  # reference caveat
    ids: List[str] = field(default_factory=list)  # banner / review: ids named


def heading(key: str, audience: str) -> str:
    clinician, patient = HEADINGS[key]
    return patient if audience == "patient" else clinician


def status_tag(status: ReviewStatus) -> str:
    return STATUS_TAG[status]


def cite(refs: List[int]) -> str:
    """'[1, 3]' for reference numbers."""
    return "[" + ", ".join(str(r) for r in refs) + "]" if refs else ""


def _sentence_line(kind: str, item: CitedSentence) -> Line:
    return Line(kind=kind, text=item.text, refs=list(item.refs), status=item.status, statement_ids=list(item.statement_ids))


def layout(answer: Answer) -> List[Line]:
    audience = answer.audience
    lines: List[Line] = [Line("title", answer.question)]
    if answer.banner:
        lines.append(Line("banner", BANNER_TEXT, ids=list(answer.pending_review)))

    if answer.abstain_reason:
        lines.append(Line("heading", heading("cannot", audience)))
        lines.append(Line("abstain", answer.abstain_reason.message))
    if answer.direct_answer:
        lines.append(Line("heading", heading("answer", audience)))
        lines.extend(_sentence_line("sentence", item) for item in answer.direct_answer)
    if answer.needs:
        lines.append(Line("heading", heading("needs", audience)))
        lines.extend(Line("need", need.question) for need in answer.needs)
    if answer.computed:
        for section in answer.computed.sections:
            lines.append(Line("heading", heading(section.kind, audience)))
            lines.extend(_sentence_line("bullet", item) for item in section.lines)
    for key, bullets in (("guideline", answer.guideline_bullets), ("research", answer.research_bullets)):
        if not bullets:
            continue
        lines.append(Line("heading", heading(key, audience)))
        for bullet in bullets:
            lines.append(
                Line(
                    "bullet",
                    bullet.text,
                    refs=list(bullet.refs),
                    status=bullet.status,
                    statement_ids=[bullet.statement_id],
                    label=bullet.evidence_label,
                )
            )
            if bullet.conflict:
                lines.append(
                    Line("conflict", bullet.conflict, refs=list(bullet.refs), status=bullet.status, statement_ids=[bullet.statement_id])
                )
    if answer.abstain_reason and answer.abstain_reason.covered and not (answer.direct_answer or answer.guideline_bullets or answer.research_bullets):
        lines.append(Line("covered", ", ".join(answer.abstain_reason.covered) + "."))
    if answer.references:
        lines.append(Line("heading", heading("references", audience)))
        for ref in answer.references:
            lines.append(Line("reference", ref.citation, refs=[ref.number], url=ref.url, note=ref.note))
    lines.append(
        Line(
            "review",
            f"{answer.review_summary.text}. Knowledge base {answer.kb_version}"
            + (f", last updated {answer.last_updated}" if answer.last_updated else "")
            + ".",
            ids=list(answer.review_summary.pending),
            url=policy_url(),  # every answer links the editorial policy
        )
    )
    lines.append(Line("disclaimer", answer.disclaimer))
    return lines
