"""Rasa SDK actions: thin adapters between the tracker and the core in bot/.

Each action reads slots and the parsed message, calls bot.conversation.handle_turn (the same function
the CLI and tests use) and dispatches the replies. No clinical logic lives here.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from pydantic import ValidationError
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.audit import record_answer
from bot.conversation import ConversationState, Message, handle_turn
from bot.models import Case
from bot.render.markdown import without_pictures

logger = logging.getLogger(__name__)

FAILURE_MESSAGE = (
    "Sorry, I could not compute an answer to that message. Your conversation and case are kept; "
    "please rephrase or ask another question."
)


def state_from_slots(tracker: Tracker) -> ConversationState:
    """Rebuild the conversation state; a corrupted slot falls back to an empty case, never an error."""
    case = _stored_case(tracker.get_slot("case") or {})
    if case is None:
        logger.warning("stored case could not be read; starting from an empty case")
        case = Case()
    audience = tracker.get_slot("audience")
    unknown = tracker.get_slot("unknown_fields")
    return ConversationState(
        case=case,
        audience=audience if audience in ("clinician", "patient") else "clinician",
        last_topic=tracker.get_slot("last_topic") or None,
        pending=tracker.get_slot("pending_question") or None,
        unknown_fields=[str(f) for f in unknown] if isinstance(unknown, list) else [],
        what_if_case=_stored_case(tracker.get_slot("what_if_case")),  # the last what-if's copy, if any
    )


def _stored_case(stored: Any) -> Optional[Case]:
    """A case kept in a slot, or None when the slot holds none or one that cannot be read (never an error)."""
    if not isinstance(stored, dict):
        return None
    try:
        return Case.model_validate(stored)
    except ValidationError:
        return None


def slots_from_state(state: ConversationState) -> List[EventType]:
    return [
        SlotSet("case", state.case.model_dump(mode="json", exclude_defaults=True)),
        SlotSet("audience", state.audience),
        SlotSet("last_topic", state.last_topic),
        SlotSet("pending_question", state.pending),
        SlotSet("unknown_fields", list(state.unknown_fields)),
        SlotSet("what_if_case", None if state.what_if_case is None
                else state.what_if_case.model_dump(mode="json", exclude_defaults=True)),
    ]


def output_format(tracker: Tracker) -> str:
    return "slack" if tracker.get_latest_input_channel() == "slack" else "markdown"


def channel_message(reply: Message, channel: Optional[str]) -> Dict[str, Any]:
    """What one reply becomes on a channel. An answer has a full and a short form:
    - REST: `text` is the short form; the structured message (`custom`) carries the computed values, the
      full answer (`full_text`, without the picture blocks) and the pictures (`pictures`: kind, alt, svg);
    - Slack: the short form, and the full one under `custom.details` for the connector's "Details" button
      (bot/channels/slack.py posts it in the thread when pressed; it never posts that field itself);
    - the chat page (socketio) and anything else: the full form with its pictures, whose sections the page closes; no structured
      message (a chat client would show it as raw data)."""
    message: Dict[str, Any] = {"text": reply.text, "buttons": reply.buttons or None}
    if channel == "rest":
        if reply.short is not None:
            message["text"] = reply.short
        if reply.custom or reply.short is not None:
            full = {"full_text": without_pictures(reply.text)} if reply.short is not None else {}
            message["json_message"] = dict(reply.custom or {}, **full)
    elif channel == "slack" and reply.short is not None:
        message["text"] = reply.short
        message["json_message"] = {"details": reply.text}
    return message


class ActionAnswer(Action):
    """Answers every clinical question, value, what-if, explanation and audience choice."""

    def name(self) -> Text:
        return "action_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name") or "nlu_fallback"
        try:
            result = handle_turn(
                state_from_slots(tracker), intent, message.get("entities") or [], message.get("text") or "", output_format(tracker)
            )
        except Exception:  # noqa: BLE001 - the user gets a clear message, the log gets the traceback
            logger.exception("action_answer failed for intent %s", intent)
            dispatcher.utter_message(text=FAILURE_MESSAGE)
            return []
        record_answer(tracker.sender_id, intent, result, message.get("message_id"), tracker.get_latest_input_channel())
        channel = tracker.get_latest_input_channel()
        for reply in result.messages:
            dispatcher.utter_message(**channel_message(reply, channel))
        return slots_from_state(result.state)
