"""Renderers: one Answer -> markdown (web widget), Slack mrkdwn/blocks, plain text or JSON."""

from __future__ import annotations

from typing import Callable, Dict, List, Tuple

from bot.answer_model import Answer
from bot.render.markdown import render_markdown
from bot.render.slack import render_slack, slack_blocks
from bot.render.text import render_text


def render_json(answer: Answer) -> str:
    return answer.model_dump_json(indent=2) + "\n"


RENDERERS: Dict[str, Callable[[Answer], str]] = {
    "markdown": render_markdown,
    "slack": render_slack,
    "text": render_text,
    "json": render_json,
}
# Channel names (as actions see them) -> renderer; anything else gets markdown.
CHANNEL_FORMAT: Dict[str, str] = {
    "socketio": "markdown",
    "rest": "markdown",
    "markdown": "markdown",
    "slack": "slack",
    "cmdline": "text",
    "text": "text",
    "json": "json",
}


def follow_up_buttons(answer: Answer) -> List[Dict[str, str]]:
    """Buttons for the follow-up questions; the payload is the question text, sent back through NLU."""
    return [{"title": f.question, "payload": f.question} for f in answer.follow_ups]


def render(answer: Answer, fmt: str = "markdown") -> str:
    return RENDERERS[fmt](answer)


def render_for_channel(answer: Answer, channel: str) -> Tuple[str, List[Dict[str, str]]]:
    """The text for a channel and the follow-up buttons to attach to it."""
    fmt = CHANNEL_FORMAT.get(channel, "markdown")
    return RENDERERS[fmt](answer), follow_up_buttons(answer)


__all__ = [
    "RENDERERS",
    "follow_up_buttons",
    "render",
    "render_for_channel",
    "render_json",
    "render_markdown",
    "render_slack",
    "render_text",
    "slack_blocks",
]
