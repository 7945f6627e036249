"""The Slack output channel posts what Rasa hands it, whatever extra keys come along."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

from bot.channels.slack import NetguideSlackBot


class RecordingSlackBot(NetguideSlackBot):
    def __init__(self) -> None:
        super().__init__("xoxb-test", None)
        self.posts: List[Dict[str, Any]] = []

    async def _post_message(self, channel: str, **kwargs: Any) -> None:
        self.posts.append(dict(kwargs, channel=channel))


def test_a_text_message_with_an_empty_button_list_is_posted() -> None:
    # rasa.core.channels.channel.OutputChannel.send_response passes the bot message's other keys along, an empty
    # "buttons" list included, when a message has text and no buttons
    bot = RecordingSlackBot()
    asyncio.run(bot.send_response("D123", {"text": "The results are unchanged: NET G1.", "buttons": []}))
    assert [post["text"] for post in bot.posts] == ["The results are unchanged: NET G1."]
    assert bot.posts[0]["channel"] == "D123"


def test_a_message_with_buttons_keeps_them() -> None:
    bot = RecordingSlackBot()
    buttons = [{"title": "Not known", "payload": "not known"}]
    asyncio.run(bot.send_response("D123", {"text": "Which site?", "buttons": buttons}))
    assert any(block["type"] == "actions" for block in bot.posts[0]["blocks"])
