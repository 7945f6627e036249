"""Markdown for the web widget (rasa-webchat 1.0.1: react-markdown 4 / remark-parse 5) and the REST channel.

Constraints measured in the real widget (tests/e2e/test_widget.py checks them in a browser):
- Rasa's socketio channel sends every "\\n\\n"-separated part as its own bubble and puts the buttons on the
  last one, so an answer never contains an empty line. A line holding one space still ends a list or a
  paragraph for the markdown parser, and Rasa does not split on it: `BLOCK_BREAK`.
- ATX headings ("#### ...") interrupt a paragraph or a list, so sections need no separator.
- A paragraph line right under a list item would be glued to that item; a list right under a paragraph
  line may run into it: both get a `BLOCK_BREAK`.
- "> quote" swallows every following line up to an empty line: the banner is a plain paragraph.
- "[1, 2]" is parsed as a reference link and its brackets vanish; "\\[1, 2]" shows "[1, 2]". The opening
  bracket alone is escaped so that the text still contains "[1, 2]" for people reading the REST reply.
- Lines inside one paragraph end with a hard break (two spaces).
"""

from __future__ import annotations

import re
from typing import List

from typing import Union

from bot.answer_model import Answer, Reply
from bot.editorial_policy import POLICY_LINK_TEXT
from bot.render.layout import (
    COVERED_LEAD, CONFLICT_LEAD, REFERENCES_LEAD, REVIEW_LEAD, Line, cite, layout, short_layout, status_tag,
)

HARD_BREAK = "  \n"
BLOCK_BREAK = "\n \n"  # ends a list or paragraph without an empty line (which would split the bubble)
RULE = "\n___\n"  # thematic break before the review status and disclaimer
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]])")
_BLOCK_START = re.compile(r"^(?:([#>+\-=|])|(\d+)([.)]))")

PICTURE_FENCE = "netguide-picture"
HEADING_KINDS = frozenset({"title", "part", "heading"})
LIST_KINDS = frozenset({"bullet", "conflict", "need", "reference"})
HEADING_MARK = {"title": "###", "part": "###", "heading": "####"}


def escape(text: str) -> str:
    """Keep statement text literal: no emphasis or link, no block started by its first character."""
    text = _INLINE_SPECIAL.sub(r"\\\1", text)
    return _BLOCK_START.sub(_escape_block_start, text)


def _escape_block_start(match: "re.Match[str]") -> str:
    if match.group(1):
        return "\\" + match.group(1)
    return match.group(2) + "\\" + match.group(3)  # "12." -> "12\." (digits cannot be escaped)


def citation(refs: List[int]) -> str:
    """'\\[1, 3]': shows as "[1, 3]" in the widget (an unescaped "[" would make it a link reference)."""
    return "\\" + cite(refs) if refs else ""


def _code_list(ids: List[str]) -> str:
    return ", ".join(f"`{i}`" for i in ids)


def _tail(line: Line) -> str:
    """Evidence label, citations and review tag after a cited text."""
    tail = f" ({escape(line.label)})" if line.label else ""
    tail += f" {citation(line.refs)}" if line.refs else ""
    tag = status_tag(line.status)
    return tail + (f" _({tag})_" if tag else "")


def _lead(line: Line) -> str:
    return f"**{escape(line.lead)}** " if line.lead else ""


def escape_citations(text: str) -> str:
    """A compact reference line: its text escaped, each '[n]' kept readable as in `citation`."""
    return re.sub(r"\\\[(\d+)\\\]", r"\\[\1]", escape(text))


def render_line(line: Line) -> str:
    if line.kind in HEADING_KINDS:
        return f"{HEADING_MARK[line.kind]} {escape(line.text)}"
    if line.kind == "banner":
        return f"⚠️ **{line.text}:** {_code_list(line.ids)}"
    if line.kind == "sentence":
        return _lead(line) + escape(line.text) + _tail(line)
    if line.kind == "bullet":
        return "- " + escape(line.text) + _tail(line)
    if line.kind == "conflict":
        return f"- _{CONFLICT_LEAD}_ " + escape(line.text) + _tail(line)
    if line.kind == "need":
        return "- " + escape(line.text)
    if line.kind == "abstain":
        return _lead(line) + escape(line.text)
    if line.kind == "picture":
        # one line of SVG in a fenced block: the chat page draws it (web/netguide.js), other readers see code
        return f"```{PICTURE_FENCE}\n{line.svg}\n```"
    if line.kind == "refline":
        return f"_{REFERENCES_LEAD}_ " + escape_citations(line.text)
    if line.kind == "covered":
        return f"{COVERED_LEAD} {escape(line.text)}"
    if line.kind == "reference":
        text = f"- {citation(line.refs)} {escape(line.text)}"
        if line.url:
            text += f" [link]({line.url})"
        if line.note:
            text += f" ({escape(line.note)})"
        return text
    if line.kind == "review":
        pending = f" Pending: {_code_list(line.ids)}." if line.ids else ""
        policy = f" [{POLICY_LINK_TEXT}]({line.url})" if line.url else ""
        return f"_{REVIEW_LEAD}_ {escape(line.text)}{pending}{policy}"
    if line.kind == "disclaimer":
        return f"_{escape(line.text)}_"
    raise ValueError(f"unknown line kind {line.kind!r}")


def _joiner(previous: Line, current: Line) -> str:
    """What goes between two rendered lines so that each keeps its block type."""
    if current.kind == "review":
        return RULE
    if current.kind in HEADING_KINDS or previous.kind in HEADING_KINDS:
        return "\n"
    if current.kind == "picture" or previous.kind == "picture":
        return BLOCK_BREAK
    if current.kind in LIST_KINDS:
        return "\n" if previous.kind in LIST_KINDS else BLOCK_BREAK
    # a paragraph line
    return BLOCK_BREAK if previous.kind in LIST_KINDS else HARD_BREAK


_PICTURE_BLOCK = re.compile(r"\n(?: \n)?```" + PICTURE_FENCE + r"\n[^\n]*\n```")


def without_pictures(markdown: str) -> str:
    """The markdown without its picture blocks (for readers that do not draw them: REST `full_text`)."""
    return _PICTURE_BLOCK.sub("", markdown)


def render_markdown(answer: Union[Answer, Reply], short: bool = False) -> str:
    """The full reply (the chat page closes its sections), or with `short` the bottom line, key points and a
    compact reference line (the REST `text`)."""
    lines = short_layout(answer) if short else layout(answer)
    parts = [render_line(lines[0])]
    for previous, current in zip(lines, lines[1:]):
        parts.append(_joiner(previous, current))
        parts.append(render_line(current))
    return "".join(parts)
