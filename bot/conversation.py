"""One conversation turn, independent of Rasa: state + understood message -> replies + new state.

The Rasa action (actions/actions.py) only reads slots and the parsed message, calls `handle_turn`
and dispatches what it returns. The CLI and the tests call the same function.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from pydantic import BaseModel, Field

from bot.case_update import apply_entities
from bot.models import Case
from bot.topics import topic_for

AUDIENCES = ("clinician", "patient")
COMPUTED_TOPICS = ("grade", "stage", "workup")

CAPABILITIES = (
    "I answer questions about neuroendocrine neoplasms, above all NETs of unknown primary: "
    "WHO grading from Ki-67 and mitoses, AJCC 8 staging, the workup to find the primary (imaging, "
    "laboratory tests, immunohistochemistry, endoscopy, surgery), treatment direction by grade and "
    "differentiation, and prognosis. Every answer cites its sources. Try: "
    "\"Ki-67 12%, 1 mitosis per 2 mm2, what grade?\" or \"liver mets, no primary found, what next?\""
)
OUT_OF_SCOPE = (
    "That is outside what I cover. I only answer questions about neuroendocrine neoplasms "
    "(grading, staging, workup, treatment direction and prognosis), and I do not give patient-specific "
    "drug doses or emergency advice. If this is an emergency, contact your local emergency services. "
    + "Ask me, for example: \"how is a NET of unknown primary worked up?\""
)
CLARIFY = "I am not sure what you are asking. Did you mean one of these?"
CLARIFY_BUTTONS = [
    {"title": "Grade a tumour", "payload": "How do I grade a NET from Ki-67 and mitoses?"},
    {"title": "Stage a tumour", "payload": "How are NETs of unknown primary staged?"},
    {"title": "Work-up of unknown primary", "payload": "What is the workup for a NET of unknown primary?"},
]
AUDIENCE_QUESTION = "Which best describes you? Your choice changes the wording, never the facts."
AUDIENCE_BUTTONS = [
    {"title": "Clinician", "payload": '/choose_audience{"audience": "clinician"}'},
    {"title": "Patient or caregiver", "payload": '/choose_audience{"audience": "patient"}'},
]


class ConversationState(BaseModel):
    case: Case = Field(default_factory=Case)
    audience: str = "clinician"
    last_topic: Optional[str] = None


class Message(BaseModel):
    text: str
    buttons: List[Dict[str, str]] = Field(default_factory=list)
    custom: Optional[Dict[str, Any]] = None  # structured answer for channels that want it


class TurnResult(BaseModel):
    messages: List[Message]
    state: ConversationState
    topics: List[str] = Field(default_factory=list)
    statement_ids: List[str] = Field(default_factory=list)
    rule_ids: List[str] = Field(default_factory=list)


def _wants_both_grade_and_stage(text: str) -> bool:
    lowered = text.lower()
    return bool(re.search(r"\bgrad", lowered)) and bool(re.search(r"\bstag|\btnm\b", lowered))


def _topic_from_case(case: Case) -> Optional[str]:
    if case.ki67_percent is not None or case.mitoses is not None:
        return "grade"
    if case.tumour_size_cm is not None or case.metastatic_sites is not None or case.nodes_positive is not None:
        return "stage"
    return None


def handle_turn(
    state: ConversationState,
    intent: str,
    entities: List[Dict[str, Any]],
    text: str,
    channel: str = "markdown",
) -> TurnResult:
    """Answer one user message. Never raises for anything the user can type."""
    text = text or ""
    audience = next((str(e["value"]) for e in entities if e.get("entity") == "audience"), None)
    if audience in AUDIENCES:
        state = state.model_copy(update={"audience": audience})

    if intent == "start_over":
        new_state = ConversationState(audience=state.audience)
        return TurnResult(messages=[Message(text="Cleared. The case is empty; ask a new question whenever you are ready.")], state=new_state)
    if intent == "ask_capabilities":
        return TurnResult(messages=[Message(text=CAPABILITIES, buttons=AUDIENCE_BUTTONS)], state=state)
    if intent == "out_of_scope":
        return TurnResult(messages=[Message(text=OUT_OF_SCOPE)], state=state)
    if intent == "nlu_fallback":
        return TurnResult(messages=[Message(text=CLARIFY, buttons=CLARIFY_BUTTONS)], state=state)

    update = apply_entities(state.case, entities)
    is_what_if = intent == "what_if"
    # a what-if is answered on a copy: the recorded case stays as the user gave it
    answer_case = update.case
    if not is_what_if:
        state = state.model_copy(update={"case": update.case})

    if intent == "choose_audience":
        topics = [state.last_topic] if state.last_topic else []
        intro = "Thank you. I will use plain language." if state.audience == "patient" else "Thank you. I will use clinical wording."
        if not topics:
            return TurnResult(messages=[Message(text=intro + " What would you like to know?")], state=state)
    elif intent in ("what_if", "explain", "give_values"):
        topic = state.last_topic or _topic_from_case(answer_case)
        topics = [topic] if topic else []
    else:
        topic = topic_for(intent, text, answer_case)
        topics = [topic] if topic else []
        if topic in ("grade", "stage") and _wants_both_grade_and_stage(text):
            topics = ["grade", "stage"]

    messages: List[Message] = [Message(text=p) for p in update.problems + update.notes]
    if not topics:
        messages.append(Message(text=CLARIFY, buttons=CLARIFY_BUTTONS))
        return TurnResult(messages=messages, state=state)

    statement_ids: List[str] = []
    rule_ids: List[str] = []
    for topic in topics:
        rendered = render_answer(topic, answer_case, state.audience, channel)
        messages.append(rendered["message"])
        statement_ids.extend(rendered["statement_ids"])
        rule_ids.extend(rendered["rule_ids"])
    return TurnResult(
        messages=messages,
        state=state.model_copy(update={"last_topic": topics[-1]}),
        topics=topics,
        statement_ids=statement_ids,
        rule_ids=rule_ids,
    )


def render_answer(topic: str, case: Case, audience: str, channel: str) -> Dict[str, Any]:
    """Compose the cited answer for a topic and render it for the channel."""
    from bot.answer import compose_answer  # imported here: the knowledge base loads once, on first use
    from bot.render import render_for_channel

    answer = compose_answer(topic, case=case, audience=audience)
    text, buttons = render_for_channel(answer, channel)
    return {
        "message": Message(text=text, buttons=buttons),
        "statement_ids": answer.statement_ids(),
        "rule_ids": answer.rule_ids(),
    }
