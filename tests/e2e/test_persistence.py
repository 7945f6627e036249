"""Conversations survive a restart: stop the real servers in the middle of a conversation, start them
again on the same SQLite tracker store, and the conversation goes on with its case and audience.
"""

from __future__ import annotations

import json
import sqlite3
import uuid

from servers import text_of
from test_bad_input import latest_case


def test_case_and_audience_survive_a_restart_of_both_servers(servers):
    sender = f"persist-{uuid.uuid4()}"
    other = f"persist-other-{uuid.uuid4()}"
    servers.say(sender, '/choose_audience{"audience": "patient"}')
    text = text_of(servers.say(sender, "pancreatic NET, Ki-67 12%, 1 mitosis per 2 mm2, what grade?"))
    assert "G2" in text, text[:300]
    servers.say(other, "Ki-67 25%, 3 mitoses per 2 mm2, what grade?")
    before = latest_case(servers, sender)
    assert before.get("ki67_percent") == 12 and before.get("site") == "pancreas", before

    servers.stop()  # both servers, mid-conversation
    assert servers.tracker_db.stat().st_size > 0
    servers.start_actions()
    servers.start_rasa()

    # "what if" reuses the stored case: only Ki-67 changes, mitoses and site come from before the restart
    text = text_of(servers.say(sender, "what if Ki-67 were 25%?"))
    assert "G3" in text, text[:300]
    # the stored case itself is unchanged by the what-if, and the patient wording is still chosen
    text = text_of(servers.say(sender, "and what grade is it now?"))
    assert "G2" in text, text[:300]
    assert latest_case(servers, sender) == before
    # the action writes the audience it read back every turn: "patient" here means it was restored
    assert _audience(servers, sender) == "patient"
    # another conversation kept its own case
    assert latest_case(servers, other).get("ki67_percent") == 25


def _audience(servers, sender: str) -> str:
    with sqlite3.connect(servers.tracker_db) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot' ORDER BY id", (sender,)).fetchall()
    values = [json.loads(d)["value"] for (d,) in rows if json.loads(d).get("name") == "audience"]
    return values[-1] if values else ""
