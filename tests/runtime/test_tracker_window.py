"""The tracker Rasa works on holds the latest turns only (bot/runtime/tracker_window.py), and nothing the
dialogue or the policies read is lost: slots, active loop, latest message and action, and the states the
policies featurize; the database still gets every event (bot/runtime/tracker_store.py)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime import tracker_window
from bot.runtime.tracker_store import MonitoredSQLTrackerStore

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [ask, other]
entities: [site]
slots:
  case:
    type: any
    influence_conversation: false
    mappings: [{type: custom}]
  audience:
    type: categorical
    values: [clinician, patient]
    initial_value: clinician
    influence_conversation: true
    mappings: [{type: custom}]
  early_note:
    type: text
    influence_conversation: true
    mappings: [{type: custom}]
actions: [action_answer, some_form]
""")


def turn(tracker: DialogueStateTracker, number: int) -> None:
    intent = "ask" if number % 3 else "other"
    tracker.update(UserUttered(f"question {number}", {"name": intent, "confidence": 1.0},
                               entities=[{"entity": "site", "value": "ileum", "start": 0, "end": 5}] if number % 2 else []))
    tracker.update(ActionExecuted("action_answer"))
    tracker.update(SlotSet("case", {"ki67": number, "notes": ["a"] * (number % 4)}))
    if number == 2:
        tracker.update(SlotSet("early_note", "set once, long ago"))
        tracker.update(ActiveLoop("some_form"))
    if number == 5:
        tracker.update(SlotSet("audience", "patient"))
    tracker.update(BotUttered(f"a long cited answer {number} " * 50))
    tracker.update(ActionExecuted("action_listen"))


def conversation(turns: int) -> DialogueStateTracker:
    tracker = DialogueStateTracker.from_events("doc", [ActionExecuted("action_listen")], slots=DOMAIN.slots)
    for number in range(turns):
        turn(tracker, number)
    return tracker


def test_a_short_conversation_is_left_as_it_is():
    tracker = conversation(20)
    assert tracker_window.windowed(tracker, DOMAIN.slots, keep=10) is tracker


def test_the_window_holds_the_latest_turns_and_the_state_the_older_ones_left():
    full = conversation(60)
    window = tracker_window.windowed(full, DOMAIN.slots, keep=10)
    assert window is not full
    assert [e.text for e in window.events if isinstance(e, UserUttered)] == [f"question {n}" for n in range(50, 60)]
    assert window.current_slot_values() == full.current_slot_values()
    assert window.get_slot("early_note") == "set once, long ago" and window.get_slot("audience") == "patient"
    assert window.active_loop_name == full.active_loop_name == "some_form"
    assert window.latest_message.text == full.latest_message.text == "question 59"
    assert window.latest_action_name == full.latest_action_name
    assert window.current_state()["slots"] == full.current_state()["slots"]


@pytest.mark.parametrize("ignore_rule_only_turns", [False, True])
def test_the_policies_see_the_same_states_for_every_turn_of_the_window(ignore_rule_only_turns):
    full = conversation(60)
    window = tracker_window.windowed(full, DOMAIN.slots, keep=10)
    kwargs = dict(ignore_rule_only_turns=ignore_rule_only_turns, rule_only_data={"slots": [], "loops": []})
    window_states = window.past_states(DOMAIN, **kwargs)
    full_states = full.past_states(DOMAIN, **kwargs)
    # the window's first state is its starting point; every state after it is the full tracker's
    assert len(window_states) > 2 * 10
    assert window_states[1:] == full_states[-(len(window_states) - 1):]


def test_a_window_of_a_window_is_the_same_as_a_window_of_the_whole():
    full = conversation(40)
    once = tracker_window.windowed(full, DOMAIN.slots, keep=10)
    for number in range(40, 75):
        turn(full, number)
        turn(once, number)
    twice = tracker_window.windowed(once, DOMAIN.slots, keep=10)
    direct = tracker_window.windowed(full, DOMAIN.slots, keep=10)
    def without_times(tracker):
        return [{k: v for k, v in e.as_dict().items() if k != "timestamp"} for e in tracker.events]

    assert without_times(twice) == without_times(direct)
    assert twice.current_slot_values() == direct.current_slot_values() == full.current_slot_values()


def test_the_window_size_setting(monkeypatch):
    monkeypatch.setenv("NETGUIDE_TRACKER_WINDOW_TURNS", "6")
    assert tracker_window.keep_turns() == 6
    monkeypatch.setenv("NETGUIDE_TRACKER_WINDOW_TURNS", "1")
    assert tracker_window.keep_turns() == tracker_window.MIN_KEEP_TURNS
    monkeypatch.setenv("NETGUIDE_BOUNDED_HISTORY", "0")
    assert not tracker_window.enabled()


# -- in the store --

def run(coroutine):
    return asyncio.get_event_loop().run_until_complete(coroutine)


def stored_rows(db: Path):
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT sender_id, type_name, intent_name, action_name, data FROM events ORDER BY id").fetchall()
    return [(*row[:4], {k: v for k, v in json.loads(row[4]).items() if k != "timestamp"}) for row in rows]


async def play(store, sender: str, turns: int) -> None:
    await store.get_or_create_tracker(sender)
    for number in range(turns):
        tracker = await store.retrieve(sender)
        turn(tracker, number)
        await store.save(tracker)


def test_the_store_keeps_a_bounded_tracker_and_writes_every_event(tmp_path, monkeypatch):
    monkeypatch.setenv("NETGUIDE_TRACKER_WINDOW_TURNS", "5")
    ours, rasas = tmp_path / "ours.db", tmp_path / "rasa.db"
    store = MonitoredSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(ours))
    run(play(store, "alice", 60))
    run(play(SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(rasas)), "alice", 60))
    assert stored_rows(ours) == stored_rows(rasas)  # every event, once, in order
    kept = run(store.retrieve("alice"))
    assert sum(isinstance(e, UserUttered) for e in kept.events) <= 10
    full = run(MonitoredSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(ours)).retrieve_full_tracker("alice"))
    assert kept.current_slot_values() == full.current_slot_values()
    assert kept.get_slot("early_note") == "set once, long ago"


def test_a_restarted_server_rebuilds_the_whole_conversation_and_keeps_its_window(tmp_path, monkeypatch):
    monkeypatch.setenv("NETGUIDE_TRACKER_WINDOW_TURNS", "5")
    db = tmp_path / "tracker.db"
    run(play(MonitoredSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db)), "bob", 40))
    tracker = run(MonitoredSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db)).retrieve("bob"))
    assert sum(isinstance(e, UserUttered) for e in tracker.events) == 5
    assert tracker.get_slot("case") == {"ki67": 39, "notes": ["a"] * 3}
    assert tracker.get_slot("early_note") == "set once, long ago" and tracker.get_slot("audience") == "patient"


def test_windowing_can_be_switched_off(tmp_path, monkeypatch):
    monkeypatch.setenv("NETGUIDE_BOUNDED_HISTORY", "0")
    store = MonitoredSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    run(play(store, "carol", 30))
    assert sum(isinstance(e, UserUttered) for e in run(store.retrieve("carol")).events) == 30


def test_the_window_is_longer_than_what_the_policies_look_back():
    """Every policy of config.yml looks back fewer actions than the smallest window holds (two actions per
    answered turn), so a windowed tracker gives the same prediction as the whole conversation."""
    import yaml

    root = Path(__file__).resolve().parents[2]
    policies = yaml.safe_load((root / "config.yml").read_text())["policies"]
    names = {policy["name"] for policy in policies}
    assert names <= {"RulePolicy", "MemoizationPolicy"}, f"check the window against the new policy: {names}"
    smallest_window_actions = 2 * tracker_window.MIN_KEEP_TURNS
    for policy in policies:
        if policy["name"] == "MemoizationPolicy":
            assert policy["max_history"] < smallest_window_actions
    rules = yaml.safe_load((root / "data" / "rules.yml").read_text())["rules"]
    assert max(len(rule["steps"]) for rule in rules) < smallest_window_actions
    # a rule for the start of a conversation would need the window never to look like one: none exists
    assert not any(rule.get("conversation_start") for rule in rules)
