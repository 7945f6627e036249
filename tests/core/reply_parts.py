"""Test helpers: the parts of the one reply a turn gives to its asks (bot.conversation.reply_message)."""

from __future__ import annotations

import re
from typing import Any, Dict, Iterator, List, Tuple

from bot.conversation import Message, TurnResult
from bot.answer_tables import QUESTION_OF_TOPIC, QUESTION_OF_TOPIC_KNOWN_PRIMARY
from bot.render.layout import PART_LABELS


def answer_parts(result: TurnResult) -> Iterator[Tuple[Message, Dict[str, Any]]]:
    """(message, part) for every topic answered: part = {topic, computed?, provisional?, what_if}."""
    for message in result.messages:
        for part in (message.custom or {}).get("answers") or []:
            yield message, part


def answer_message(result: TurnResult, topic: str) -> Message:
    return next(message for message, part in answer_parts(result) if part["topic"] == topic)


def computed(result: TurnResult, topic: str) -> Dict[str, Any]:
    return next(part["computed"] for _, part in answer_parts(result) if part["topic"] == topic)


def part_of(result: TurnResult, topic: str) -> Dict[str, Any]:
    return next(part for _, part in answer_parts(result) if part["topic"] == topic)


def _labels(topic: str) -> Tuple[str, ...]:
    if topic in PART_LABELS:
        return (f"{PART_LABELS[topic]}:",)
    return tuple(q for q in (QUESTION_OF_TOPIC.get(topic), QUESTION_OF_TOPIC_KNOWN_PRIMARY.get(topic)) if q)


def bottom_lines(result: TurnResult, topic: str) -> List[str]:
    """A topic's bottom line: the lines under "Answer" (or "Not answered yet") when the reply has one part, else
    the line its label leads ("**Grade:** ...", or the question for an information part) and the unlabelled lines
    after it, without the label."""
    message = answer_message(result, topic)
    text = message.text
    if len(message.custom["answers"]) == 1:
        heading = "#### Answer\n" if "#### Answer\n" in text else "#### Not answered yet\n"
        body = text.split(heading, 1)[1].split("\n")
        return [line.rstrip() for line in body[: next((i for i, l in enumerate(body) if _ends_bottom(l)), len(body))]]
    body = text.split("#### Answer\n", 1)[1].split("\n")
    lines: List[str] = []
    for line in body:
        if _ends_bottom(line):
            break
        if line.startswith("**") and "** " in line:
            label, rest = line[2:].split("** ", 1)
            if lines:
                break
            if label in _labels(topic):
                lines.append(rest.rstrip())
        elif lines:
            lines.append(line.rstrip())
    assert lines, f"no bottom line for {topic} in {text[:600]}"
    return lines


def _ends_bottom(line: str) -> bool:
    """A heading, or the block break before a picture, ends the bottom lines."""
    return line.startswith(("#", "```")) or line == " "


def bottom_line(result: TurnResult, topic: str) -> str:
    return bottom_lines(result, topic)[0]


def part_text(result: TurnResult, topic: str) -> str:
    """Everything a reply says for one topic: its bottom line and, in a reply of several parts, its details
    (from its own question heading to the next part or the references)."""
    message = answer_message(result, topic)
    if len(message.custom["answers"]) == 1:
        return message.text
    questions = {QUESTION_OF_TOPIC.get(topic), QUESTION_OF_TOPIC_KNOWN_PRIMARY.get(topic)} - {None}
    details = ""
    for title in [line[4:] for line in message.text.split("\n") if line.startswith("### ")][1:]:
        if title in questions:
            rest = message.text.split(f"\n### {title}\n", 1)[1]
            details = re.split(r"\n### |\n#### References\n", rest, maxsplit=1)[0]
    return "\n".join(bottom_lines(result, topic)) + "\n" + details
