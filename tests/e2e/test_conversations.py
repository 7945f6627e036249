"""Multi-turn conversations (tests/e2e/conversations/*.yml) played over the REST webhook against the real
Rasa server and action server, started once for this module (the `servers` fixture).

This proves what `rasa test` cannot: the answers users see. Each turn checks text fragments, the topics
answered, the computed values (from the structured message the action adds for REST clients), the
question asked next, the buttons offered and the numbered citations. See conversations/README.md.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import yaml

from servers import text_of

FOLDER = Path(__file__).parent / "conversations"
CITATION = re.compile(r"\[\d+(?:, \d+)*\]")
EXPECT_KEYS = {"text", "not_text", "topics", "computed", "asks", "buttons", "cited"}


def load_conversations() -> List[Any]:
    params = []
    for path in sorted(FOLDER.glob("*.yml")):
        for conversation in yaml.safe_load(path.read_text())["conversations"]:
            params.append(pytest.param(conversation, id=f"{path.stem}: {conversation['name']}"))
    return params


CONVERSATIONS = load_conversations()


def test_at_least_30_conversations_with_the_issue_examples() -> None:
    assert len(CONVERSATIONS) >= 30
    typed = {t.get("user") for p in CONVERSATIONS for t in p.values[0]["turns"]}
    for example in (
        "58F, liver mets, no primary found, Ki67 8%, 3 mitoses/2mm2 - grade and stage?",
        "pNET 2.4 cm, node neg, ki-67 2 %",
        "DOTATATE negative, what next?",
        "what if the Ki-67 were 25?",
    ):
        assert example in typed, example


def button_payload(replies: List[Dict[str, Any]], title: str) -> str:
    offered = [b for r in replies for b in r.get("buttons") or []]
    for button in offered:
        if button.get("title") == title:
            return button["payload"]
    raise AssertionError(f"no button {title!r} in the previous reply; offered: {[b.get('title') for b in offered]}")


def answers_of(replies: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The answers given, from the structured message (REST only) of each reply: one per ask, {topic,
    computed?, provisional?, what_if} (a reply to several asks lists them under `answers`)."""
    return [part for r in replies if isinstance(r.get("custom"), dict) and "topic" in r["custom"]
            for part in r["custom"].get("answers") or [r["custom"]]]


def asked_field(replies: List[Dict[str, Any]]) -> Optional[str]:
    asks = [r["custom"]["asks"] for r in replies if isinstance(r.get("custom"), dict) and "asks" in r["custom"]]
    return asks[-1] if asks else None


def check_turn(expect: Dict[str, Any], replies: List[Dict[str, Any]], where: str) -> None:
    unknown = set(expect) - EXPECT_KEYS
    assert not unknown, f"{where}: unknown expectation keys {unknown}"
    text = text_of(replies)
    shown = f"{where}\n--- bot text ---\n{text[:3000]}"
    assert replies and text.strip(), f"{where}: no reply"
    assert "Traceback" not in text, shown
    for fragment in expect.get("text", []):
        assert fragment in text, f"missing {fragment!r}: {shown}"
    for fragment in expect.get("not_text", []):
        assert fragment not in text, f"unexpected {fragment!r}: {shown}"
    answers = answers_of(replies)
    if "topics" in expect:
        assert [a["topic"] for a in answers] == expect["topics"], f"topics {[a['topic'] for a in answers]}: {shown}"
    for topic, values in (expect.get("computed") or {}).items():
        answer = next((a for a in answers if a["topic"] == topic), None)
        assert answer is not None, f"no {topic} answer (topics {[a['topic'] for a in answers]}): {shown}"
        result = dict(answer.get("computed") or {}, provisional=answer.get("provisional"))
        for key, value in values.items():
            assert result.get(key) == value, f"{topic}.{key} is {result.get(key)!r}, expected {value!r}: {shown}"
            if isinstance(value, str) and key != "category":
                assert value in text, f"computed {key} {value!r} is not shown in the text: {shown}"
    if "asks" in expect:
        assert asked_field(replies) == expect["asks"], f"asks {asked_field(replies)!r}, expected {expect['asks']!r}: {shown}"
    offered = [b.get("title") for r in replies for b in r.get("buttons") or []]
    for title in expect.get("buttons", []):
        assert title in offered, f"no button {title!r}; offered {offered}: {shown}"
    cited = expect.get("cited", bool(expect.get("topics") or expect.get("computed")))
    if cited:
        assert CITATION.search(text), f"no numbered citation: {shown}"
    # every answer is a cited text with its follow-up questions as buttons (the REST channel sends the
    # structured message right after the text it belongs to): the short text and the full one both cited; ONE
    # reply answers every ask of the message, each ask's bottom line in its short text
    replies_with_answers = [r for r in replies if isinstance(r.get("custom"), dict) and "topic" in r["custom"]]
    assert len(replies_with_answers) <= 1, f"several answer messages for one user message: {shown}"
    for index, reply in enumerate(replies):
        if isinstance(reply.get("custom"), dict) and "topic" in reply["custom"] and index > 0:
            answer_text = replies[index - 1]
            assert CITATION.search(answer_text.get("text") or ""), f"an answer without citations: {shown}"
            assert CITATION.search(reply["custom"].get("full_text") or ""), f"a full answer without citations: {shown}"
            assert answer_text.get("buttons"), f"an answer without follow-up buttons: {shown}"
            assert len(answer_text["text"]) < len(reply["custom"]["full_text"]), f"the text is not the short form: {shown}"


@pytest.mark.parametrize("conversation", CONVERSATIONS)
def test_conversation(servers, conversation: Dict[str, Any]) -> None:
    sender = f"e2e-conv-{uuid.uuid4()}"
    previous: List[Dict[str, Any]] = []
    for number, turn in enumerate(conversation["turns"], start=1):
        if "click" in turn:
            message = button_payload(previous, turn["click"])
            label = f"click {turn['click']!r}"
        else:
            message = turn["user"]
            label = repr(message)
        replies = servers.say(sender, message)
        check_turn(turn.get("expect") or {}, replies, f"{conversation['name']!r}, turn {number} ({label})")
        previous = replies
