"""The REST channel with a checked request body: a malformed request gets a 400 that says what is wrong.

Same name and URL as Rasa's built-in channel (`/webhooks/rest/webhook`); register it in credentials.yml as
`bot.channels.rest.GuardedRestInput:`. Rasa's own channel answers 500 to a body that is valid JSON but
not an object, or that lacks `sender`; it also trusts any `input_channel` and `metadata`.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Optional, Text

from rasa.core.channels.rest import RestInput
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from bot.channels.message_limits import MAX_SENDER_CHARS, valid_sender

_CHANNEL_NAME = re.compile(r"^[a-z_]{1,32}$")


def checked_body(req: Request) -> Dict[str, Any]:
    """The JSON body as a dict with a valid sender and a string message; raises InvalidUsage (400) if not."""
    body = getattr(req.ctx, "netguide_body", None)
    if body is not None:
        return body
    body = req.json  # Sanic raises InvalidUsage (400) itself for a body that is not JSON
    if not isinstance(body, dict):
        raise InvalidUsage('The body must be a JSON object: {"sender": "<conversation id>", "message": "<text>"}.')
    if not valid_sender(body.get("sender")):
        raise InvalidUsage(f"'sender' must be a printable string of 1 to {MAX_SENDER_CHARS} characters (the conversation id).")
    if not isinstance(body.get("message"), str):
        raise InvalidUsage("'message' must be a string (the user's text).")
    if body.get("metadata") is not None and not isinstance(body["metadata"], dict):
        raise InvalidUsage("'metadata' must be a JSON object when given.")
    channel = body.get("input_channel")
    if channel is not None and not (isinstance(channel, str) and _CHANNEL_NAME.match(channel)):
        raise InvalidUsage("'input_channel' must be a channel name such as 'rest' when given.")
    req.ctx.netguide_body = body
    return body


class GuardedRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        return checked_body(req)["sender"]

    def _extract_message(self, req: Request) -> Optional[Text]:
        return checked_body(req)["message"]

    def _extract_input_channel(self, req: Request) -> Text:
        return checked_body(req).get("input_channel") or self.name()

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        return checked_body(request).get("metadata")
