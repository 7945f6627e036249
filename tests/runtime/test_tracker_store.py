"""NETguide's SQL tracker store (bot/runtime/tracker_store.py) against a real SQLite database.

The store keeps the trackers it saved in memory and writes only new events; these tests check that
what ends up in the database is what Rasa's own SQLTrackerStore writes, and that a kept tracker is
never used once the database or the tracker moved on without it.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import List

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

from bot.runtime.tracker_store import MonitoredSQLTrackerStore

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [ask]
slots:
  ki67:
    type: float
    influence_conversation: false
    mappings: [{type: custom}]
responses:
  utter_hi: [{text: hi}]
""")


def run(coroutine):
    return asyncio.get_event_loop().run_until_complete(coroutine)


def store_at(db: Path, cls=MonitoredSQLTrackerStore):
    return cls(domain=DOMAIN, dialect="sqlite", db=str(db))


def one_turn(tracker, text: str, ki67: float) -> None:
    tracker.update(UserUttered(text, {"name": "ask", "confidence": 1.0}))
    tracker.update(ActionExecuted("action_answer"))
    tracker.update(SlotSet("ki67", ki67))
    tracker.update(BotUttered(f"answer to {text}"))
    tracker.update(ActionExecuted("action_listen"))


def stored_rows(db: Path) -> List[tuple]:
    """The stored rows, without the event timestamps (two runs never share them)."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT sender_id, type_name, intent_name, action_name, data FROM events ORDER BY id").fetchall()
    return [(*row[:4], {k: v for k, v in json.loads(row[4]).items() if k != "timestamp"}) for row in rows]


async def play(store, sender: str, turns: int) -> None:
    tracker = await store.get_or_create_tracker(sender)
    for number in range(turns):
        tracker = await store.retrieve(sender)
        one_turn(tracker, f"question {number}", float(number))
        await store.save(tracker)


def test_writes_the_same_rows_as_rasas_sql_store(tmp_path):
    ours, rasas = tmp_path / "ours.db", tmp_path / "rasa.db"
    run(play(store_at(ours), "alice", 4))
    run(play(store_at(rasas, SQLTrackerStore), "alice", 4))
    assert stored_rows(ours) == stored_rows(rasas)
    assert len(stored_rows(ours)) == 1 + 4 * 5  # action_listen at creation, five events per turn


def test_a_restarted_server_reads_the_conversation_back(tmp_path):
    db = tmp_path / "tracker.db"
    run(play(store_at(db), "bob", 3))
    tracker = run(store_at(db).retrieve("bob"))  # a new process: nothing kept in memory
    assert tracker.get_slot("ki67") == 2.0
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == [
        "question 0", "question 1", "question 2"]


def test_a_kept_tracker_is_reused_while_nothing_changed(tmp_path):
    store = store_at(tmp_path / "tracker.db")
    run(play(store, "carol", 2))
    first = run(store.retrieve("carol"))
    assert run(store.retrieve("carol")) is first


def test_another_replica_writing_the_conversation_makes_the_kept_tracker_stale(tmp_path):
    db = tmp_path / "tracker.db"
    replica_a, replica_b = store_at(db), store_at(db)
    run(play(replica_a, "dave", 1))
    tracker_b = run(replica_b.retrieve("dave"))
    one_turn(tracker_b, "asked on replica b", 42.0)
    run(replica_b.save(tracker_b))
    tracker_a = run(replica_a.retrieve("dave"))
    assert tracker_a.get_slot("ki67") == 42.0
    assert tracker_a.latest_message.text == "asked on replica b"


def test_a_turn_that_failed_before_its_save_is_not_kept(tmp_path):
    store = store_at(tmp_path / "tracker.db")
    run(play(store, "erin", 1))
    tracker = run(store.retrieve("erin"))
    one_turn(tracker, "never saved", 99.0)  # the processor failed before save_tracker
    again = run(store.retrieve("erin"))
    assert again.get_slot("ki67") == 0.0
    assert again.latest_message.text == "question 0"


def test_a_new_session_is_written_after_the_old_one(tmp_path):
    db = tmp_path / "tracker.db"
    store = store_at(db)
    run(play(store, "fay", 1))
    tracker = run(store.retrieve("fay"))
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    one_turn(tracker, "after the restart", 7.0)
    run(store.save(tracker))
    fresh = run(store_at(db).retrieve("fay"))  # Rasa reads the latest session only
    assert [e.text for e in fresh.events if isinstance(e, UserUttered)] == ["after the restart"]
    assert len(stored_rows(db)) == 1 + 5 + 3 + 5


def test_the_least_recently_used_conversations_leave_memory_first(tmp_path, monkeypatch):
    monkeypatch.setenv("NETGUIDE_TRACKER_CACHE_EVENTS", "12")  # one turn = 6 events: room for two
    store = store_at(tmp_path / "tracker.db")
    for sender in ("g1", "g2", "g3"):
        run(play(store, sender, 1))
    assert list(store._kept) == ["g2", "g3"]
    assert store._kept_events == 12
    assert run(store.retrieve("g1")).latest_message.text == "question 0"  # rebuilt from the database
    assert list(store._kept) == ["g3", "g1"]


def test_kept_events_stay_within_the_budget_as_conversations_grow(tmp_path, monkeypatch):
    monkeypatch.setenv("NETGUIDE_TRACKER_CACHE_EVENTS", "40")
    store = store_at(tmp_path / "tracker.db")
    for sender in ("h1", "h2", "h3"):
        run(play(store, sender, 3))  # 16 events each
    assert store._kept_events == sum(len(kept.tracker.events) for kept in store._kept.values()) <= 40
    assert list(store._kept) == ["h2", "h3"]


def test_sqlite_writes_ahead_with_normal_sync(tmp_path):
    store = store_at(tmp_path / "tracker.db")
    run(play(store, "hal", 1))
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


@pytest.mark.parametrize("sender", ["ivy"])
def test_a_database_error_during_save_is_reported_and_the_turn_kept_in_memory(tmp_path, sender):
    db = tmp_path / "tracker.db"
    store = store_at(db)
    run(play(store, sender, 1))
    tracker = run(store.retrieve(sender))
    one_turn(tracker, "while the disk is gone", 3.0)
    with sqlite3.connect(db) as connection:
        connection.execute("DROP TABLE events")  # every statement on the table now fails
    run(store.save(tracker))
    assert store.health.database_ok is False and store.health.saves_not_persisted == 1
    assert sender not in store._kept
