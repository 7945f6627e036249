"""Markdown for the web widget (rasa-webchat: react-markdown 4).

Rasa's socketio channel sends every blank-line-separated paragraph as its own bubble, so the
answer is ONE block without blank lines. react-markdown 4 joins single newlines into one line
and does not let a list start right under a text line, so every line ends with a hard break
(two spaces) and shows on its own line; "- " lines read as bullets either way.
"""

from __future__ import annotations

import re
from typing import List

from bot.answer import Answer
from bot.render.layout import COVERED_LEAD, CONFLICT_LEAD, REVIEW_LEAD, Line, cite, layout, status_tag

HARD_BREAK = "  \n"
_INLINE_SPECIAL = re.compile(r"([\\`*_])")
_BLOCK_START = re.compile(r"^(?:([#>+\-])|(\d+)([.)]))")


def escape(text: str) -> str:
    """Keep statement text literal: no emphasis from * or _, no block started by its first character."""
    text = _INLINE_SPECIAL.sub(r"\\\1", text)
    return _BLOCK_START.sub(_escape_block_start, text)


def _escape_block_start(match: "re.Match[str]") -> str:
    if match.group(1):
        return "\\" + match.group(1)
    return match.group(2) + "\\" + match.group(3)  # "12." -> "12\." (digits cannot be escaped)


def _code_list(ids: List[str]) -> str:
    return ", ".join(f"`{i}`" for i in ids)


def _tail(line: Line) -> str:
    """Evidence label, citations and review tag after a cited text."""
    tail = f" ({escape(line.label)})" if line.label else ""
    tail += f" {cite(line.refs)}" if line.refs else ""
    tag = status_tag(line.status)
    return tail + (f" _({tag})_" if tag else "")


def render_line(line: Line) -> str:
    if line.kind in ("title", "heading"):
        return f"**{escape(line.text)}**"
    if line.kind == "banner":
        return f"⚠️ **{line.text}:** {_code_list(line.ids)}"
    if line.kind == "sentence":
        return escape(line.text) + _tail(line)
    if line.kind == "bullet":
        return "- " + escape(line.text) + _tail(line)
    if line.kind == "conflict":
        return f"- _{CONFLICT_LEAD}_ " + escape(line.text) + _tail(line)
    if line.kind == "need":
        return "- " + escape(line.text)
    if line.kind == "abstain":
        return escape(line.text)
    if line.kind == "covered":
        return f"{COVERED_LEAD} {escape(line.text)}"
    if line.kind == "reference":
        text = f"{cite(line.refs)} {escape(line.text)}"
        if line.url:
            text += f" [link]({line.url})"
        if line.note:
            text += f" ({escape(line.note)})"
        return text
    if line.kind == "review":
        pending = f" Pending: {_code_list(line.ids)}." if line.ids else ""
        return f"_{REVIEW_LEAD}_ {escape(line.text)}{pending}"
    if line.kind == "disclaimer":
        return f"_{escape(line.text)}_"
    raise ValueError(f"unknown line kind {line.kind!r}")


def render_markdown(answer: Answer) -> str:
    return HARD_BREAK.join(render_line(line) for line in layout(answer))
