"""Slack mrkdwn text and Block Kit blocks.

The mrkdwn text uses single newlines and a bold line per heading. The Slack connector
(bot/channels/slack.py) posts it as ONE message and cuts it into Block Kit sections at those heading
lines, so keep headings on a line of their own. `slack_blocks` builds the same layout from an Answer
for callers that have one; follow-ups become buttons whose value is the question text.
"""

from __future__ import annotations

from typing import Any, Dict, List

from typing import Union

from bot.answer_model import Answer, Reply
from bot.editorial_policy import POLICY_DOC, POLICY_LINK_TEXT, is_absolute
from bot.render.layout import (
    COVERED_LEAD, CONFLICT_LEAD, REFERENCES_LEAD, REVIEW_LEAD, Line, as_reply, cite, layout, short_layout, status_tag,
)

SECTION_LIMIT = 3000  # Slack's limit for a section's text
BUTTON_TEXT_LIMIT = 75


def escape(text: str) -> str:
    """Slack needs &, < and > escaped in mrkdwn text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _code_list(ids: List[str]) -> str:
    return ", ".join(f"`{i}`" for i in ids)


def _tail(line: Line) -> str:
    tail = f" ({escape(line.label)})" if line.label else ""
    tail += f" {cite(line.refs)}" if line.refs else ""
    tag = status_tag(line.status)
    return tail + (f" _({tag})_" if tag else "")


def render_line(line: Line) -> str:
    if line.kind in ("title", "part", "heading"):
        return f"*{escape(line.text)}*"
    if line.kind == "banner":
        return f":warning: *{line.text}:* {_code_list(line.ids)}"
    if line.kind == "sentence":
        return (f"*{escape(line.lead)}* " if line.lead else "") + escape(line.text) + _tail(line)
    if line.kind == "picture":
        return f"_{escape(line.text)}_"  # Slack gets the text form
    if line.kind == "refline":
        return f"_{REFERENCES_LEAD}_ {escape(line.text)}"
    if line.kind == "bullet":
        return "• " + escape(line.text) + _tail(line)
    if line.kind == "conflict":
        return f"    ◦ _{CONFLICT_LEAD}_ " + escape(line.text) + _tail(line)
    if line.kind == "need":
        return "• " + escape(line.text)
    if line.kind == "abstain":
        return (f"*{escape(line.lead)}* " if line.lead else "") + escape(line.text)
    if line.kind == "covered":
        return f"{COVERED_LEAD} {escape(line.text)}"
    if line.kind == "reference":
        text = f"{cite(line.refs)} {escape(line.text)}"
        if line.url:
            text += f" <{line.url}|link>"
        if line.note:
            text += f" ({escape(line.note)})"
        return text
    if line.kind == "review":
        pending = f" Pending: {_code_list(line.ids)}." if line.ids else ""
        policy = f"<{line.url}|{POLICY_LINK_TEXT}>" if is_absolute(line.url or "") else f"{POLICY_LINK_TEXT}: {POLICY_DOC}"
        return f"{REVIEW_LEAD} {escape(line.text)}{pending} {policy}"
    if line.kind == "disclaimer":
        return f"_{escape(line.text)}_"
    raise ValueError(f"unknown line kind {line.kind!r}")


def render_slack(answer: Union[Answer, Reply], short: bool = False) -> str:
    return "\n".join(render_line(line) for line in (short_layout(answer) if short else layout(answer)))


def _sections(texts: List[str]) -> List[Dict[str, Any]]:
    """Section blocks of at most SECTION_LIMIT characters, split between lines."""
    blocks: List[Dict[str, Any]] = []
    current: List[str] = []
    for text in texts:
        candidate = "\n".join(current + [text])
        if current and len(candidate) > SECTION_LIMIT:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(current)}})
            current = []
        current.append(text[:SECTION_LIMIT])
    if current:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(current)}})
    return blocks


def slack_blocks(answer: Union[Answer, Reply]) -> List[Dict[str, Any]]:
    """Block Kit: title/banner, one section per heading, a context footer, follow-up buttons."""
    answer = as_reply(answer)
    groups: List[List[str]] = [[]]
    footer: List[str] = []
    for line in layout(answer):
        if line.kind in ("review", "disclaimer"):
            footer.append(render_line(line))
            continue
        if line.kind == "heading":
            groups.append([])
        groups[-1].append(render_line(line))
    blocks: List[Dict[str, Any]] = []
    for group in groups:
        blocks.extend(_sections(group))
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": t} for t in footer]})
    if answer.follow_ups:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": f.question[:BUTTON_TEXT_LIMIT]},
                        "value": f.question,
                        "action_id": f"follow_up_{i}",
                    }
                    for i, f in enumerate(answer.follow_ups)
                ],
            }
        )
    return blocks
