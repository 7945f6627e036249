"""Slack, end to end: signed events and button clicks over HTTP into the REAL Rasa server and action
server; answers go to a local fake Slack Web API that the connector reaches through its configuration
(`slack_api_url` in the credentials file), never by patching the code under test.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import sqlite3
import time
import uuid
from typing import Any, Dict, List, Optional
from urllib.parse import urlencode

import pytest
import requests

from fake_slack import FakeSlack, Post
from servers import Servers

SECRET = "e2e-signing-secret"
TOKEN = "xoxb-e2e-token"
BOT_USER = "UNETGUIDE1"
LISTENED_CHANNEL = "CNETGUIDE0"  # `slack_channel`: answered without an @-mention
# The Rasa process must reach the fake directly and must not pick up real Slack settings.
CLEARED_ENV = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
               "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL", "SLACK_CHANNEL")
TURN_TIMEOUT = 120  # the first answer also loads the knowledge base in the action server
CITATION = re.compile(r"\[\d+(, \d+)*\]")


@pytest.fixture(scope="module")
def slack(tmp_path_factory):
    """Fake Slack API + real action server + real Rasa server with a Slack credentials file."""
    workdir = tmp_path_factory.mktemp("slack")
    fake = FakeSlack(token=TOKEN).start()
    credentials = workdir / "credentials.yml"
    credentials.write_text(json.dumps({  # JSON is YAML
        "rest": None,
        "bot.channels.slack.SlackInput": {
            "slack_token": TOKEN,
            "slack_signing_secret": SECRET,
            "slack_api_url": fake.api_url,
            "slack_channel": LISTENED_CHANNEL,
            "use_threads": True,
            "conversation_granularity": "channel",
        },
    }, indent=2))
    servers = Servers(workdir=workdir, credentials_path=credentials, extra_env={k: None for k in CLEARED_ENV})
    try:
        with servers.running():
            yield SlackSession(servers, fake)
    finally:
        fake.stop()


def sign(body: bytes, timestamp: str, secret: str = SECRET) -> str:
    return "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()


def new_id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:10].upper()


class SlackSession:
    def __init__(self, servers: Servers, fake: FakeSlack):
        self.servers = servers
        self.fake = fake
        self.url = f"{servers.rasa_url}/webhooks/slack/webhook"
        self.tracker_db = servers.workdir / "tracker.db"

    # --- what Slack would send ---------------------------------------------------------------

    def post(self, body: bytes, content_type: str, *, signed: bool = True, timestamp: Optional[int] = None,
             secret: str = SECRET, headers: Optional[Dict[str, str]] = None) -> requests.Response:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sent = {"Content-Type": content_type, **(headers or {})}
        if signed:
            sent.update({"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sign(body, ts, secret)})
        return requests.post(self.url, data=body, headers=sent, timeout=30)

    def event(self, event: Dict[str, Any], event_id: Optional[str] = None, **kwargs: Any) -> requests.Response:
        envelope = {
            "token": "legacy-verification-token", "team_id": "TE2E", "api_app_id": "AE2E",
            "type": "event_callback", "event_id": event_id or new_id("Ev"), "event_time": int(time.time()),
            "event": {"event_ts": event.get("ts"), **event},
            "authorizations": [{"team_id": "TE2E", "user_id": BOT_USER, "is_bot": True}],
        }
        return self.post(json.dumps(envelope).encode(), "application/json", **kwargs)

    def click(self, user: str, channel: str, button: Dict[str, Any], message_ts: str,
              thread_ts: Optional[str] = None) -> requests.Response:
        message = {"type": "message", "ts": message_ts, "text": "answer", **({"thread_ts": thread_ts} if thread_ts else {})}
        payload = {
            "type": "block_actions", "user": {"id": user, "username": "clinician"}, "team": {"id": "TE2E"},
            "api_app_id": "AE2E", "trigger_id": new_id("trig"), "channel": {"id": channel},
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
            "message": message,
            "actions": [{"type": "button", "action_id": button["action_id"], "block_id": "b1",
                         "text": button["text"], "value": button["value"], "action_ts": str(time.time())}],
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded")

    # --- what reached the bot -----------------------------------------------------------------

    def tracker_events(self, sender: str) -> List[Dict[str, Any]]:
        if not self.tracker_db.exists():
            return []
        with sqlite3.connect(self.tracker_db) as db:
            try:
                rows = db.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
            except sqlite3.OperationalError:  # table not created yet
                return []
        return [json.loads(r[0]) for r in rows]

    def user_texts(self, sender: str) -> List[str]:
        return [e.get("text") for e in self.tracker_events(sender) if e.get("event") == "user"]

    def wait_turns(self, sender: str, turns: int) -> List[Dict[str, Any]]:
        """Wait until `turns` user messages were answered (the bot is listening again); bot events back."""
        def done() -> Optional[List[Dict[str, Any]]]:
            events = self.tracker_events(sender)
            users = [i for i, e in enumerate(events) if e.get("event") == "user"]
            if len(users) >= turns and events[-1].get("event") == "action" and events[-1].get("name") == "action_listen" \
                    and len(events) - 1 > users[-1]:
                return events
            return None
        events = self.fake.wait_for(done, TURN_TIMEOUT, f"{turns} answered turn(s) of {sender}")
        return [e for e in events if e.get("event") == "bot"]

    def ask(self, user: str, channel: str, text: str, **event: Any) -> List[Post]:
        """A DM (or other message) answered completely; the posts made to that channel."""
        before = len(self.fake.posts_to(channel))
        sender = f"{user}_{channel}"
        turns = len(self.user_texts(sender)) + 1
        response = self.event({"type": "message", "channel_type": "im", "user": user, "channel": channel,
                               "text": text, "ts": f"{time.time():.6f}", "client_msg_id": str(uuid.uuid4()), **event})
        assert response.status_code == 200, response.text
        self.wait_turns(sender, turns)
        return self.fake.posts_to(channel)[before:]


def test_url_verification_challenge_is_echoed_only_when_signed(slack: SlackSession) -> None:
    body = json.dumps({"token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"}).encode()
    response = slack.post(body, "application/json")
    assert response.status_code == 200, response.text
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
    assert slack.post(body, "application/json", signed=False).status_code == 401


def test_direct_message_gets_one_short_cited_mrkdwn_answer_with_a_details_button(slack: SlackSession) -> None:
    user, channel = new_id("U"), new_id("D")
    posts = slack.ask(user, channel, "Ki-67 is 12% and 1 mitosis per 2 mm², what grade?")
    bot_messages = slack.wait_turns(f"{user}_{channel}", 1)
    assert len(posts) == len(bot_messages), "each bot message is one Slack message, not one per paragraph"
    post = next(p for p in posts if any(b["text"]["text"] == "Details" for b in p.buttons()))
    shown = post.shown_text()
    assert "G2" in shown and re.search(r"3\s*(–|-|to)\s*20", shown), shown
    assert CITATION.search(shown) and "_References:_ [1] " in shown, "numbered citations and the compact reference line"
    assert "*How it was worked out*" not in shown and "*References*" not in shown, "the short form: details one tap away"
    assert "**" not in shown and "## " not in shown, "Slack mrkdwn, not markdown"
    assert "-&gt;" in shown or "->" not in shown, "< and > are escaped for mrkdwn"
    assert "details" not in post.args, "the details are not posted with the short message"
    sections = [b for b in post.blocks if b["type"] == "section"]
    assert sections and all(b["text"]["type"] == "mrkdwn" for b in sections)
    buttons = post.buttons()
    assert len(buttons) > 1 and all(b["value"] and b["text"]["text"] for b in buttons), post.blocks
    assert post.thread_ts is None, "a direct message is answered inline, not in a new thread"
    assert "as_user" not in post.args and post.token == TOKEN


def test_the_details_button_posts_the_full_answer_in_the_thread(slack: SlackSession) -> None:
    user, channel = new_id("U"), new_id("D")
    sender = f"{user}_{channel}"
    posts = slack.ask(user, channel, "58F, liver mets, no primary found, Ki67 8%, 3 mitoses/2mm2 - grade and stage?")
    short = next(p for p in posts if any(b["text"]["text"] == "Details" for b in p.buttons()))
    assert "*Grade:* NET G2" in short.shown_text() and "*Stage:* Stage IV" in short.shown_text(), short.shown_text()
    assert sum(1 for p in posts if any(b["text"]["text"] == "Details" for b in p.buttons())) == 1, "one reply to both asks"
    details = next(b for b in short.buttons() if b["text"]["text"] == "Details")
    turns_before = len(slack.user_texts(sender))
    before = len(slack.fake.posts_to(channel))
    response = slack.click(user, channel, details, message_ts=short.ts)
    assert response.status_code == 200, response.text
    posted = slack.fake.wait_for(lambda: slack.fake.posts_to(channel)[before:], 30, "the details")
    assert len(posted) == 1 and posted[0].thread_ts == short.ts, "the details go in the thread of the short answer"
    full = posted[0].shown_text()
    for fragment in ("*How it was worked out*", "*References*", "*What is the AJCC stage of this tumour?*", "M1a"):
        assert fragment in full, fragment
    assert CITATION.search(full)
    time.sleep(1)
    assert len(slack.user_texts(sender)) == turns_before, "pressing Details is not a turn of the bot"
    # a key this process does not hold (restart, another replica): said in the thread, never an error
    gone = dict(details, value="netguide_details:" + "0" * 32)
    before = len(slack.fake.posts_to(channel))
    assert slack.click(user, channel, gone, message_ts=short.ts).status_code == 200
    posted = slack.fake.wait_for(lambda: slack.fake.posts_to(channel)[before:], 30, "the details-gone note")
    assert "no longer held" in posted[0].shown_text() and posted[0].thread_ts == short.ts


def test_button_click_reaches_the_bot_and_is_answered(slack: SlackSession) -> None:
    user, channel = new_id("U"), new_id("D")
    posts = slack.ask(user, channel, "Ki-67 2%, 1 mitosis/2mm2, what grade?")
    button = next(b for p in posts for b in p.buttons() if "stag" in b["value"].lower())
    before = len(slack.fake.posts_to(channel))
    response = slack.click(user, channel, button, message_ts="1700000000.000200")
    assert response.status_code == 200, response.text
    slack.wait_turns(f"{user}_{channel}", 2)
    assert slack.user_texts(f"{user}_{channel}")[-1] == button["value"], "the click's value reached the bot as the user's text"
    answer = slack.fake.posts_to(channel)[before:]
    assert answer and re.search(r"stag|TNM|M1", answer[0].shown_text(), re.I), answer[0].shown_text()
    assert all(p.thread_ts is None for p in answer), "a click on a top-level message is answered at the top level"


def test_channel_mention_is_answered_in_a_thread_without_the_mention_text(slack: SlackSession) -> None:
    user, channel = new_id("U"), new_id("C")
    ts = f"{time.time():.6f}"
    response = slack.event({"type": "app_mention", "user": user, "channel": channel, "ts": ts,
                            "text": f"<@{BOT_USER}> pancreatic NET, Ki-67 25%, 3 mitoses per 2 mm2 - grade?",
                            "client_msg_id": str(uuid.uuid4())})
    assert response.status_code == 200, response.text
    bot_messages = slack.wait_turns(f"{user}_{channel}", 1)
    posts = slack.fake.posts_to(channel)
    assert len(posts) == len(bot_messages) and "G3" in posts[0].shown_text(), posts
    assert all(p.thread_ts == ts for p in posts), "the answer starts a thread under the mention"
    assert BOT_USER not in slack.user_texts(f"{user}_{channel}")[0], "the @-mention is stripped before NLU"


@pytest.mark.parametrize("kind", ["app_mention", "message"])
def test_reply_in_a_thread_stays_in_that_thread(slack: SlackSession, kind: str) -> None:
    user = new_id("U")
    channel = new_id("C" if kind == "app_mention" else "D")
    thread = "1700000100.000300"
    event = {"type": kind, "user": user, "channel": channel, "ts": f"{time.time():.6f}", "thread_ts": thread,
             "text": f"<@{BOT_USER}> what does NET-CUP mean?", "client_msg_id": str(uuid.uuid4())}
    if kind == "message":
        event["channel_type"] = "im"
    assert slack.event(event).status_code == 200
    slack.wait_turns(f"{user}_{channel}", 1)
    posts = slack.fake.posts_to(channel)
    assert posts and all(p.thread_ts == thread for p in posts), [p.thread_ts for p in posts]


def _rejected_request(slack: SlackSession, how: str, event: Dict[str, Any]) -> requests.Response:
    if how == "bad signature":
        return slack.event(event, secret="not-the-signing-secret")
    if how == "missing signature":
        return slack.event(event, signed=False)
    if how == "timestamp older than five minutes":
        return slack.event(event, timestamp=int(time.time()) - 6 * 60)
    raise ValueError(how)


@pytest.mark.parametrize("how", ["bad signature", "missing signature", "timestamp older than five minutes"])
def test_unauthentic_requests_are_rejected_and_never_reach_the_bot(slack: SlackSession, how: str) -> None:
    user, channel = new_id("U"), new_id("D")
    event = {"type": "message", "channel_type": "im", "user": user, "channel": channel,
             "ts": f"{time.time():.6f}", "text": "Ki-67 12%, what grade?"}
    response = _rejected_request(slack, how, event)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert "Rejected" in response.text and "Traceback" not in response.text
    # A valid message from someone else is answered; by then a wrongly accepted one would be too.
    slack.ask(new_id("U"), new_id("D"), "hello")
    assert slack.fake.posts_to(channel) == []
    assert slack.tracker_events(f"{user}_{channel}") == [], "nothing reached the bot"


def test_a_signed_click_with_a_forged_signature_is_rejected(slack: SlackSession) -> None:
    body = urlencode({"payload": json.dumps({"type": "block_actions", "user": {"id": "UFORGED"},
                                             "channel": {"id": "DFORGED"},
                                             "actions": [{"type": "button", "value": "hi", "action_id": "a"}]})}).encode()
    response = slack.post(body, "application/x-www-form-urlencoded", secret="forged")
    assert response.status_code == 401
    assert slack.tracker_events("UFORGED_DFORGED") == []


def test_slack_retry_of_a_handled_event_is_answered_once(slack: SlackSession) -> None:
    user, channel = new_id("U"), new_id("D")
    event = {"type": "message", "channel_type": "im", "user": user, "channel": channel,
             "ts": f"{time.time():.6f}", "text": "Ki-67 8%, what grade?", "client_msg_id": str(uuid.uuid4())}
    event_id = new_id("Ev")
    assert slack.event(event, event_id=event_id).status_code == 200
    # Slack re-signs each retry; the reason is not one Rasa's stock connector ignores.
    for attempt in (1, 2):
        retry = slack.event(event, event_id=event_id,
                            headers={"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_error"})
        assert retry.status_code == 200 and retry.headers.get("X-Slack-No-Retry") == "1", retry.text
    bot_messages = slack.wait_turns(f"{user}_{channel}", 1)
    slack.ask(new_id("U"), new_id("D"), "hello")  # let any duplicate finish first
    assert slack.user_texts(f"{user}_{channel}") == ["Ki-67 8%, what grade?"]
    assert len(slack.fake.posts_to(channel)) == len(bot_messages) == len(slack.wait_turns(f"{user}_{channel}", 1))


def test_one_message_delivered_as_message_and_app_mention_is_answered_once(slack: SlackSession) -> None:
    """In the listened channel an @-mention arrives twice (message.channels and app_mention events)."""
    user, channel = new_id("U"), LISTENED_CHANNEL
    before = len(slack.fake.posts_to(channel))
    ts = f"{time.time():.6f}"
    text = f"<@{BOT_USER}> Ki-67 30%, what grade?"
    assert slack.event({"type": "app_mention", "user": user, "channel": channel, "ts": ts, "text": text}).status_code == 200
    assert slack.event({"type": "message", "channel_type": "channel", "user": user, "channel": channel,
                        "ts": ts, "text": text}).status_code == 200
    bot_messages = slack.wait_turns(f"{user}_{channel}", 1)
    slack.ask(new_id("U"), new_id("D"), "hello")
    assert len(slack.user_texts(f"{user}_{channel}")) == 1
    assert len(slack.fake.posts_to(channel)) - before == len(bot_messages)


def test_channel_messages_without_a_mention_are_ignored_outside_the_listened_channel(slack: SlackSession) -> None:
    user, channel = new_id("U"), new_id("C")
    event = {"type": "message", "channel_type": "channel", "user": user, "channel": channel,
             "ts": f"{time.time():.6f}", "text": "Ki-67 12%, what grade?"}
    assert slack.event(event).status_code == 200
    slack.ask(new_id("U"), new_id("D"), "hello")
    assert slack.tracker_events(f"{user}_{channel}") == [] and slack.fake.posts_to(channel) == []


def test_bot_messages_and_edits_are_ignored(slack: SlackSession) -> None:
    user, channel = new_id("U"), new_id("D")
    for extra in ({"bot_id": "BNETGUIDE"}, {"subtype": "message_changed"}):
        event = {"type": "message", "channel_type": "im", "user": user, "channel": channel,
                 "ts": f"{time.time():.6f}", "text": "Ki-67 12%", **extra}
        assert slack.event(event).status_code == 200
    slack.ask(new_id("U"), new_id("D"), "hello")
    assert slack.tracker_events(f"{user}_{channel}") == []
    assert slack.fake.posts_to(channel) == []


def test_every_post_was_accepted_by_the_fake_slack_api(slack: SlackSession) -> None:
    """Runs last: no message broke Block Kit limits, used a wrong token or lacked a channel."""
    assert slack.fake.posts, "the module posted answers"
    assert slack.fake.refusals == []
