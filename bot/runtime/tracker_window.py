"""The tracker Rasa works on holds the latest turns of a conversation, not all of them.

Rasa 3.6 walks every event of the conversation several times per turn: the policies featurize one state
per past action (`Domain.states_for_tracker_history`, for RulePolicy and MemoizationPolicy alike, before
keeping the last few), `applied_events()` is rebuilt about seven times, `tracker.copy()` replays every
event, and the rule policy logs its states. At 300 turns that is about 150 ms of a 175 ms turn
(bench/profile_long_conversation.py). None of it needs the old turns: the policies look back
`max_history` actions (MemoizationPolicy: 3) or the length of the longest rule, and NETguide keeps the
dialogue state (case, pending question, last topic, unknown fields, audience) in slots.

`windowed(tracker, slots)` returns a tracker with the same current state built from
- one SlotSet per slot that differs from its initial value, (ActiveLoop, ConversationPaused if so),
  all as they were just before the window: the state the old turns left behind;
- the events of the last `keep_turns` turns, each starting at its `action_listen` (and the final
  `action_listen`, after which the next user message comes).
Its past states, slots, latest message, active loop and latest action are those of the full tracker for
every one of those turns, so every policy prediction and every action sees the same thing. The store
(bot/runtime/tracker_store.py) keeps every event in the database: only the copy in memory is windowed,
and it is cut back to `keep_turns` when it reaches twice that, so a turn costs what a turn
`keep_turns`-`2 * keep_turns` turns into a conversation costs.

NETGUIDE_TRACKER_WINDOW_TURNS sets keep_turns (default 6, at least 4); NETGUIDE_BOUNDED_HISTORY=0
switches windowing off (to measure the difference: bench/long_conversation.py --before).
"""

from __future__ import annotations

import copy
import os
from typing import Iterable, List, Optional

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, ActiveLoop, ConversationPaused, Event, SlotSet
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker

DEFAULT_KEEP_TURNS = 6  # 6-12 turns in memory: with 10 (10-20) a late turn cost 1.2x an early one, with 6 1.03x
MIN_KEEP_TURNS = 4  # longer than MemoizationPolicy's max_history and than any rule in data/rules.yml


def enabled() -> bool:
    return (os.environ.get("NETGUIDE_BOUNDED_HISTORY") or "1").strip().lower() not in ("0", "false", "no", "off")


def keep_turns() -> int:
    try:
        value = int(os.environ.get("NETGUIDE_TRACKER_WINDOW_TURNS") or DEFAULT_KEEP_TURNS)
    except ValueError:
        value = DEFAULT_KEEP_TURNS
    return max(MIN_KEEP_TURNS, value)


def _turn_starts(events: List[Event]) -> List[int]:
    """Indexes of the action_listen events (each one starts a turn)."""
    return [index for index, event in enumerate(events)
            if isinstance(event, ActionExecuted) and event.action_name == ACTION_LISTEN_NAME]


def windowed(tracker: DialogueStateTracker, slots: Iterable[Slot], keep: Optional[int] = None,
             trim_at: Optional[int] = None) -> DialogueStateTracker:
    """The tracker with its last `keep` turns (see the module docstring), or the tracker itself if it
    has no more than `trim_at` turns (default 2 * keep)."""
    keep = keep or keep_turns()
    trim_at = trim_at or 2 * keep
    events = list(tracker.events)
    starts = _turn_starts(events)
    if len(starts) <= trim_at + 1:  # the first action_listen, then one after each turn
        return tracker
    cut = starts[-keep - 1]
    slots = list(slots)
    before = DialogueStateTracker.from_events(tracker.sender_id, events[:cut], slots)
    timestamp = events[cut].timestamp
    prefix: List[Event] = [
        SlotSet(name, copy.deepcopy(slot.value), timestamp=timestamp)
        for name, slot in before.slots.items()
        if slot.value != slot.initial_value
    ]
    if before.active_loop_name:
        prefix.append(ActiveLoop(before.active_loop_name, timestamp=timestamp))
    if before.is_paused():
        prefix.append(ConversationPaused(timestamp=timestamp))
    window = DialogueStateTracker.from_events(tracker.sender_id, prefix + events[cut:], slots,
                                              sender_source=tracker.sender_source)
    window.is_rule_tracker = tracker.is_rule_tracker
    return window
