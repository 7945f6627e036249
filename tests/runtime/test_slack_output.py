"""The Slack output channel posts what Rasa hands it, whatever extra keys come along."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, Iterator, List

import pytest


@pytest.fixture()
def slack_bot() -> Iterator[Any]:
    # imported here, and the event loop policy put back afterwards: importing Rasa's Slack channel installs
    # uvloop's policy, which the tracker-store tests of this folder must not inherit
    policy = asyncio.get_event_loop_policy()
    from bot.channels.slack import NetguideSlackBot

    class RecordingSlackBot(NetguideSlackBot):
        def __init__(self) -> None:
            super().__init__("xoxb-test", None)
            self.posts: List[Dict[str, Any]] = []

        async def _post_message(self, channel: str, **kwargs: Any) -> None:
            self.posts.append(dict(kwargs, channel=channel))

    yield RecordingSlackBot()
    asyncio.set_event_loop_policy(policy)


def run(coroutine: Any) -> None:
    loop = asyncio.new_event_loop()  # a private loop: the thread's current loop is left as it was
    try:
        loop.run_until_complete(coroutine)
    finally:
        loop.close()


def test_a_text_message_with_an_empty_button_list_is_posted(slack_bot) -> None:
    # rasa.core.channels.channel.OutputChannel.send_response passes the bot message's other keys along, an empty
    # "buttons" list included, when a message has text and no buttons
    run(slack_bot.send_response("D123", {"text": "The results are unchanged: NET G1.", "buttons": []}))
    assert [post["text"] for post in slack_bot.posts] == ["The results are unchanged: NET G1."]
    assert slack_bot.posts[0]["channel"] == "D123"


def test_a_message_with_buttons_keeps_them(slack_bot) -> None:
    buttons = [{"title": "Not known", "payload": "not known"}]
    run(slack_bot.send_response("D123", {"text": "Which site?", "buttons": buttons}))
    assert any(block["type"] == "actions" for block in slack_bot.posts[0]["blocks"])


def test_an_answer_with_details_is_posted_short_with_a_details_button(slack_bot) -> None:
    from bot.channels.slack import DETAILS_PREFIX

    follow_up = [{"title": "What is the stage?", "payload": "What is the stage?"}]
    run(slack_bot.send_response("D123", {"text": "*Answer*\nNET G2 [1]", "buttons": follow_up,
                                         "custom": {"details": "*Answer*\nNET G2 [1]\n*References*\n[1] WHO"}}))
    assert len(slack_bot.posts) == 1, "the details are kept, not posted"
    post = slack_bot.posts[0]
    assert post["text"] == "*Answer*\nNET G2 [1]" and "details" not in post and "custom" not in post
    buttons = [e for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["Details", "What is the stage?"]
    key = buttons[0]["value"].removeprefix(DETAILS_PREFIX)
    assert slack_bot.details.get(key) == "*Answer*\nNET G2 [1]\n*References*\n[1] WHO"
    run(slack_bot.post_details("D123", key, "1700000000.000100"))
    assert slack_bot.posts[1]["thread_ts"] == "1700000000.000100" and "*References*" in slack_bot.posts[1]["text"]


def test_the_details_store_is_bounded_and_expires() -> None:
    from bot.channels.slack import DetailsStore

    now = [0.0]
    store = DetailsStore(max_entries=2, ttl_seconds=10, clock=lambda: now[0])
    first, second = store.keep("one"), store.keep("two")
    third = store.keep("three")
    assert store.get(first) is None and store.get(second) == "two" and store.get(third) == "three" and len(store) == 2
    now[0] = 11
    assert store.get(second) is None and store.get("unknown") is None
