"""Renderers: one Answer or one Reply (the answers to every ask of a message) -> markdown (web widget, REST),
Slack mrkdwn/blocks, plain text or JSON; each in its full form or, with `short`, the bottom line, key points and a
compact reference line."""

from __future__ import annotations

from typing import Callable, Dict, List, Tuple, Union

from bot.answer_model import Answer, Reply
from bot.render.markdown import render_markdown
from bot.render.slack import render_slack, slack_blocks
from bot.render.text import render_text


def render_json(answer: Union[Answer, Reply], short: bool = False) -> str:
    return answer.model_dump_json(indent=2) + "\n"  # the JSON always holds everything


RENDERERS: Dict[str, Callable[..., str]] = {
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


def follow_up_buttons(answer: Union[Answer, Reply]) -> List[Dict[str, str]]:
    """Buttons for the follow-up questions; the payload is the question text, sent back through NLU."""
    return [{"title": f.question, "payload": f.question} for f in answer.follow_ups]


def render(answer: Union[Answer, Reply], fmt: str = "markdown", short: bool = False) -> str:
    return RENDERERS[fmt](answer, short=short)


def render_for_channel(answer: Union[Answer, Reply], channel: str, short: bool = False) -> Tuple[str, List[Dict[str, str]]]:
    """The text for a channel and the follow-up buttons to attach to it."""
    fmt = CHANNEL_FORMAT.get(channel, "markdown")
    return RENDERERS[fmt](answer, short=short), follow_up_buttons(answer)


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
