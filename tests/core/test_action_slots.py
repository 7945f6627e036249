"""The action server keeps the conversation state in Rasa slots: what it writes it reads back the same, and a
slot it cannot read gives an empty value, never an error (actions/actions.py). Runs in the action venv."""

from __future__ import annotations

from typing import Any, Dict

from rasa_sdk import Tracker

from actions.actions import slots_from_state, state_from_slots
from bot.conversation import ConversationState
from bot.models import Case, Site


def tracker_with(slots: Dict[str, Any]) -> Tracker:
    return Tracker("c1", slots, {}, [], False, None, {}, "")


def test_the_state_written_to_slots_reads_back_the_same() -> None:
    state = ConversationState(case=Case(site=Site.rectum, tumour_size_cm=0.8), audience="patient", last_topic="stage",
                              pending="invasion", unknown_fields=["mitoses"],
                              what_if_case=Case(site=Site.rectum, tumour_size_cm=2.5))
    slots = {event["name"]: event["value"] for event in slots_from_state(state)}
    assert state_from_slots(tracker_with(slots)) == state


def test_unreadable_slots_give_an_empty_state_not_an_error() -> None:
    state = state_from_slots(tracker_with({"case": {"ki67_percent": "lots"}, "what_if_case": {"site": "moon"},
                                           "audience": "martian", "unknown_fields": "mitoses"}))
    assert state == ConversationState()
