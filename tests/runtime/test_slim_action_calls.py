"""What the Rasa server sends the action server per call (bot/channels/slim_action_calls.py)."""

from __future__ import annotations

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.channels import slim_action_calls

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [ask]
slots:
  case:
    type: any
    influence_conversation: false
    mappings: [{type: custom}]
actions: [action_answer]
""")


@pytest.fixture(scope="module", autouse=True)
def installed():
    original = RemoteAction._action_call_format
    slim_action_calls.install()
    yield
    RemoteAction._action_call_format = original


def conversation(turns: int) -> DialogueStateTracker:
    tracker = DialogueStateTracker.from_events("doc", [ActionExecuted("action_listen")], slots=DOMAIN.slots)
    for number in range(turns):
        tracker.update(UserUttered(f"question {number}", {"name": "ask", "confidence": 1.0}, input_channel="slack"))
        tracker.update(ActionExecuted("action_answer"))
        tracker.update(SlotSet("case", {"ki67": number}))
        tracker.update(BotUttered("a long cited answer " * 500))
        tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("the latest question", {"name": "ask", "confidence": 1.0}, input_channel="rest"))
    return tracker


def payload(tracker, selective_domain: bool = True):
    endpoint = EndpointConfig("http://127.0.0.1:1/webhook", enable_selective_domain=selective_domain)
    return RemoteAction("action_answer", endpoint)._action_call_format(tracker, DOMAIN)


def test_only_the_latest_turn_is_sent_with_the_slots_and_the_latest_message():
    sent = payload(conversation(turns=5))["tracker"]
    assert [event["event"] for event in sent["events"]] == ["user"]
    assert sent["events"][0]["text"] == "the latest question"
    assert sent["slots"]["case"] == {"ki67": 4}
    assert sent["latest_message"]["text"] == "the latest question"
    assert sent["latest_input_channel"] == "rest"
    assert sent["sender_id"] == "doc"


def test_the_call_does_not_grow_with_the_conversation():
    import json

    short, long = (len(json.dumps(payload(conversation(turns)))) for turns in (1, 30))
    assert long == pytest.approx(short, rel=0.05)


def test_the_domain_is_left_out_when_selective_domain_is_on():
    assert "domain" not in payload(conversation(1))
    assert "domain" in payload(conversation(1), selective_domain=False)


def test_the_shipped_endpoints_turn_selective_domain_on():
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[2]
    for name in ("endpoints.yml", "endpoints.production.yml"):
        assert yaml.safe_load((root / name).read_text())["action_endpoint"]["enable_selective_domain"] is True, name


def test_the_action_server_reads_the_slim_call(tmp_path):
    """The real rasa_sdk Tracker built from the slim state sees what actions/actions.py reads."""
    import json
    import subprocess

    state = payload(conversation(turns=3))["tracker"]
    script = (
        "import json,sys; from rasa_sdk import Tracker; t = Tracker.from_dict(json.load(sys.stdin)); "
        "print(json.dumps([t.get_slot('case'), t.latest_message['text'], t.get_latest_input_channel(), t.sender_id]))"
    )
    root = __import__("pathlib").Path(__file__).resolve().parents[2]
    out = subprocess.run([str(root / ".venv/actions/bin/python"), "-c", script], input=json.dumps(state),
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [{"ki67": 2}, "the latest question", "rest", "doc"]
