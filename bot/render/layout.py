"""The order and headings of an answer, shared by every renderer.

`layout(answer)` turns an Answer into a flat list of `Line`s. Renderers only add markup, so all
channels show the same sentences, numbers and citations in the same order. Line kinds split into
cited content (sentence, bullet, conflict) and fixed boilerplate (everything else).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple, Union

from bot.answer_model import BANNER_TEXT, Answer, Bullet, CitedSentence, Reply, unique
from bot.editorial_policy import policy_url
from bot.models import ReviewStatus

BOILERPLATE_KINDS = frozenset(
    {"title", "part", "banner", "heading", "need", "abstain", "covered", "reference", "refline", "picture", "review",
     "disclaimer"}
)
MAX_KEY_POINTS = 3
# the words the key points of the short form may take together: a point longer than the room left stays in the
# details (the full form), so the short form is read in a glance (issue 18: median at most 200 words per reply)
KEY_POINT_WORDS = 70
WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")  # a word as the benchmark counts it (bench/answer_words.py)
# the lead of each computed part's bottom line in a reply of several parts (UI words); other parts are led by
# the question they answer
PART_LABELS: Dict[str, str] = {"grade": "Grade", "stage": "Stage", "workup": "Workup"}

# heading key -> (clinician, patient)
HEADINGS: Dict[str, Tuple[str, str]] = {
    "answer": ("Answer", "In short"),
    "key_points": ("Key points", "Key points"),
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
REFERENCES_LEAD = "References:"


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
    svg: Optional[str] = None  # a picture (text = its alt text)
    lead: Optional[str] = None  # a bottom line's part label ("Grade:") in a reply of several parts


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


def as_reply(item: Union[Answer, Reply]) -> Reply:
    return item if isinstance(item, Reply) else Reply.of(item)


def part_label(answer: Answer) -> str:
    """The lead of a part's bottom line in a reply of several parts: 'Grade:', or the question it answers."""
    return f"{PART_LABELS[answer.topic]}:" if answer.topic in PART_LABELS else answer.question


def reply_title(reply: Reply) -> str:
    """The title of a reply: its one answer's question, or the parts' short names ('Grade, stage and ...')."""
    if len(reply.parts) == 1:
        return reply.parts[0].question
    names = [PART_LABELS.get(p.topic, p.question.rstrip("?")) for p in reply.parts]
    names = [names[0]] + [n[:1].lower() + n[1:] if n[:2] != n[:2].upper() else n for n in names[1:]]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _bottom_line(part: Answer, lead: Optional[str]) -> List[Line]:
    """A part's bottom line: its direct answer (or why it has none), the first line led by its label."""
    lines: List[Line] = []
    if part.abstain_reason:
        lines.append(Line("abstain", part.abstain_reason.message, lead=lead))
    for item in part.direct_answer:
        line = _sentence_line("sentence", item)
        line.lead = None if lines else lead
        lines.append(line)
    return lines


def _bullet_lines(bullets: List[Bullet]) -> List[Line]:
    lines: List[Line] = []
    for bullet in bullets:
        lines.append(
            Line("bullet", bullet.text, refs=list(bullet.refs), status=bullet.status,
                 statement_ids=[bullet.statement_id], label=bullet.evidence_label)
        )
        if bullet.conflict:
            lines.append(
                Line("conflict", bullet.conflict, refs=list(bullet.refs), status=bullet.status, statement_ids=[bullet.statement_id])
            )
    return lines


def _details(part: Answer, audience: str, shown: set) -> List[Line]:
    """The sections of a part after its bottom line: how it was worked out, caveats, what-ifs, steps, the
    guideline and research bullets (a statement an earlier part already shows is not repeated)."""
    lines: List[Line] = []
    if part.computed:
        for section in part.computed.sections:
            lines.append(Line("heading", heading(section.kind, audience)))
            lines.extend(_sentence_line("bullet", item) for item in section.lines)
    for key, bullets in (("guideline", part.guideline_bullets), ("research", part.research_bullets)):
        bullets = [b for b in bullets if b.statement_id not in shown]
        shown.update(b.statement_id for b in bullets)
        if bullets:
            lines.append(Line("heading", heading(key, audience)))
            lines.extend(_bullet_lines(bullets))
    if part.abstain_reason and part.abstain_reason.covered and not (
            part.direct_answer or part.guideline_bullets or part.research_bullets):
        lines.append(Line("covered", ", ".join(part.abstain_reason.covered) + "."))
    return lines


def _footer(reply: Reply) -> List[Line]:
    return [
        Line(
            "review",
            f"{reply.review_summary.text}. Knowledge base {reply.kb_version}"
            + (f", last updated {reply.last_updated}" if reply.last_updated else "")
            + ".",
            ids=list(reply.review_summary.pending),
            url=policy_url(),  # every answer links the editorial policy
        ),
        Line("disclaimer", reply.disclaimer),
    ]


def _head(reply: Reply) -> List[Line]:
    lines = [Line("title", reply_title(reply))]
    if reply.banner:
        lines.append(Line("banner", BANNER_TEXT, ids=list(reply.pending_review)))
    return lines


def layout(item: Union[Answer, Reply]) -> List[Line]:
    """The full reply: title, banner, the bottom line of every part first (under 'Answer'), what is still
    needed, then each part's details (under its own question when there are several), references, review
    status and disclaimer. One part: exactly the Answer's own layout."""
    reply = as_reply(item)
    audience = reply.audience
    several = len(reply.parts) > 1
    lines = _head(reply)
    if not several and reply.parts[0].abstain_reason:
        lines.append(Line("heading", heading("cannot", audience)))
        lines.append(Line("abstain", reply.parts[0].abstain_reason.message))
        if reply.parts[0].direct_answer:
            lines.append(Line("heading", heading("answer", audience)))
            lines.extend(_sentence_line("sentence", item) for item in reply.parts[0].direct_answer)
    else:
        bottom = [line for part in reply.parts for line in _bottom_line(part, part_label(part) if several else None)]
        if bottom:
            lines.append(Line("heading", heading("answer", audience)))
            lines.extend(bottom)
    for part in reply.parts:  # the results drawn, right under the bottom lines
        if part.computed and part.computed.picture:
            lines.append(Line("picture", part.computed.picture.alt, svg=part.computed.picture.svg))
    needs = unique(need.question for part in reply.parts for need in part.needs)
    if needs:
        lines.append(Line("heading", heading("needs", audience)))
        lines.extend(Line("need", question) for question in needs)
    shown: set = set()
    for part in reply.parts:
        details = _details(part, audience, shown)
        if several and details:
            lines.append(Line("part", part.question))
        lines.extend(details)
    if reply.references:
        lines.append(Line("heading", heading("references", audience)))
        for ref in reply.references:
            lines.append(Line("reference", ref.citation, refs=[ref.number], url=ref.url, note=ref.note))
    return lines + _footer(reply)


# the sections a key point is taken from, most telling first (a workup's next steps are its bottom line)
KEY_POINT_SECTIONS = ("steps", "caveats", "treatment")


def word_count(text: str) -> int:
    return len(WORD.findall(text))


def key_points(reply: Reply, limit: int = MAX_KEY_POINTS, words: int = KEY_POINT_WORDS) -> List[Line]:
    """At most `limit` cited lines that matter most after the bottom lines, together at most `words` words:
    each part's next steps, caveats and treatment direction, then its guideline and research bullets, taken
    from the parts in turn; a line longer than the room left is passed over (it stays in the full form)."""
    queues: List[List[Line]] = []
    for part in reply.parts:
        queue: List[Line] = []
        if part.computed:
            for kind in KEY_POINT_SECTIONS:
                for section in part.computed.sections:
                    if section.kind == kind:
                        queue.extend(_sentence_line("bullet", item) for item in section.lines)
        queue.extend(_bullet_lines([b.model_copy(update={"conflict": None}) for b in part.guideline_bullets + part.research_bullets]))
        queues.append(queue)
    chosen: List[Line] = []
    room = words
    while any(queues) and len(chosen) < limit:
        for queue in queues:
            while queue and len(chosen) < limit:
                line = queue.pop(0)
                size = word_count(line.text)
                if size <= room:
                    chosen.append(line)
                    room -= size
                    break
    return chosen


def short_layout(item: Union[Answer, Reply]) -> List[Line]:
    """The short form (REST `text`, Slack's first message, the CLI without --full): title, banner, the bottom
    line of every part, at most three key points, a compact reference line for what is shown, the review
    status and the disclaimer. Every shown sentence keeps its citation; the full form holds the rest."""
    reply = as_reply(item)
    several = len(reply.parts) > 1
    lines = _head(reply)
    bottom = [line for part in reply.parts for line in _bottom_line(part, part_label(part) if several else None)]
    if bottom:
        lines.append(Line("heading", heading("answer" if any(p.direct_answer for p in reply.parts) else "cannot", reply.audience)))
        lines.extend(bottom)
    points = key_points(reply)
    if points:
        lines.append(Line("heading", heading("key_points", reply.audience)))
        lines.extend(points)
    cited = unique(ref for line in bottom + points for ref in line.refs)
    by_number = {ref.number: ref for ref in reply.references}
    shown = [by_number[n] for n in sorted(cited) if n in by_number]
    if shown:
        lines.append(Line("refline", "; ".join(f"{cite([r.number])} {r.short or r.citation}" for r in shown)))
    return lines + _footer(reply)
