"""Send each custom-action call what NETguide's actions read, not the whole conversation.

Rasa 3.6 sends every call to the action server the full tracker: every event of the conversation,
earlier answers of 5-20 KB each included, serialised again on every turn, so a turn costs more the
longer the conversation is. NETguide's actions (actions/actions.py) read the slots, the latest
message, its input channel and the sender id. This keeps every top-level field of the tracker state
Rasa sends (slots, latest_message, active_loop, followup_action, latest_action, ...) and sends the
events from the latest user message on instead of all of them. The domain is left out as well
(`enable_selective_domain: true` in the endpoints files; no NETguide action asks for it).

Loaded by the Rasa launcher (bot/channels/rasa_server.py) like the other runtime changes.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

_original_action_call_format = RemoteAction._action_call_format


def events_from_latest_user_message(tracker: DialogueStateTracker) -> List[Event]:
    """The latest UserUttered and every event after it (all events if there is no user message yet)."""
    events = list(tracker.events)
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            return events[index:]
    return events


def slim_action_call_format(self: RemoteAction, tracker: DialogueStateTracker, domain: Any) -> Dict[Text, Any]:
    payload = _original_action_call_format(self, _StateWithoutEvents(tracker), domain)
    payload["tracker"]["events"] = [event.as_dict() for event in events_from_latest_user_message(tracker)]
    return payload


class _StateWithoutEvents:
    """The tracker, except that `current_state` does not serialise the events (added afterwards)."""

    def __init__(self, tracker: DialogueStateTracker) -> None:
        self._tracker = tracker

    def current_state(self, event_verbosity: EventVerbosity = EventVerbosity.NONE) -> Dict[Text, Any]:
        return self._tracker.current_state(EventVerbosity.NONE)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tracker, name)


def install() -> None:
    RemoteAction._action_call_format = slim_action_call_format
