"""Plain text for the command line: no markup, a blank line before each heading."""

from __future__ import annotations

from typing import List

from typing import Union

from bot.answer_model import Answer, Reply
from bot.editorial_policy import POLICY_DOC, POLICY_LINK_TEXT, is_absolute
from bot.render.layout import (
    COVERED_LEAD, CONFLICT_LEAD, REFERENCES_LEAD, REVIEW_LEAD, Line, as_reply, cite, layout, short_layout, status_tag,
)


def _tail(line: Line) -> str:
    tail = f" ({line.label})" if line.label else ""
    tail += f" {cite(line.refs)}" if line.refs else ""
    tag = status_tag(line.status)
    return tail + (f" ({tag})" if tag else "")


def render_line(line: Line) -> str:
    if line.kind == "title":
        return line.text + "\n" + "=" * len(line.text)
    if line.kind == "part":
        return "\n" + line.text + "\n" + "-" * len(line.text)
    if line.kind == "heading":
        return "\n" + line.text
    if line.kind == "picture":
        return line.text
    if line.kind == "refline":
        return f"\n{REFERENCES_LEAD} {line.text}"
    if line.kind == "banner":
        return f"! {line.text}: {', '.join(line.ids)}"
    if line.kind == "sentence":
        return (f"{line.lead} " if line.lead else "") + line.text + _tail(line)
    if line.kind == "bullet":
        return "- " + line.text + _tail(line)
    if line.kind == "conflict":
        return f"  {CONFLICT_LEAD} " + line.text + _tail(line)
    if line.kind == "need":
        return "- " + line.text
    if line.kind in ("abstain",):
        return (f"{line.lead} " if line.lead else "") + line.text
    if line.kind == "covered":
        return f"{COVERED_LEAD} {line.text}"
    if line.kind == "reference":
        text = f"{cite(line.refs)} {line.text}"
        if line.url:
            text += f" <{line.url}>"
        if line.note:
            text += f" ({line.note})"
        return text
    if line.kind == "review":
        pending = f" Pending: {', '.join(line.ids)}." if line.ids else ""
        policy = line.url if is_absolute(line.url or "") else POLICY_DOC
        return f"\n{REVIEW_LEAD} {line.text}{pending}\n{POLICY_LINK_TEXT}: {policy}"
    if line.kind == "disclaimer":
        return line.text
    raise ValueError(f"unknown line kind {line.kind!r}")


def render_text(answer: Union[Answer, Reply], short: bool = False) -> str:
    answer = as_reply(answer)
    lines: List[str] = [render_line(line) for line in (short_layout(answer) if short else layout(answer))]
    if answer.follow_ups:
        lines.append("\nYou could also ask:")
        lines.extend(f"- {f.question}" for f in answer.follow_ups)
    return "\n".join(lines) + "\n"
