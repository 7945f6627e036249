"""Guards installed into the Rasa server before it starts (see bot/channels/rasa_server.py).

1. Every user message, from every channel, passes `check_message` first: empty or over-long messages
   get a clear reply and never enter the conversation; control characters are removed; an unexpected
   error while handling a message gets a short apology instead of silence, and the log never holds the
   message text.
2. A custom action that fails (action server down, too slow, or answering with an error) makes the bot
   say `utter_action_unavailable` instead of nothing. Rasa 3.6 only logs such failures
   (rasa/core/processor.py `_run_action`) and the user sees no reply. The wait for the action server is
   capped at NETGUIDE_ACTION_TIMEOUT seconds (default 10) instead of Rasa's fixed 300 s.

Rasa 3.6 has no hook for either, so `install()` wraps `Agent.handle_message` and swaps each
`RemoteAction` for `GuardedRemoteAction`. Both wrappers call Rasa's own code for the normal path.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from typing import Any, Dict, List, Optional, Text

import rasa.core.actions.action as rasa_action
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered, Event

from bot.channels.message_limits import check_message, valid_sender

logger = logging.getLogger("netguide.guards")

UNAVAILABLE_RESPONSE = "utter_action_unavailable"
# used only if domain.yml lacks the response above
UNAVAILABLE_FALLBACK_TEXT = "The computation service is unavailable at the moment. Please try again in a minute; your conversation is kept."
HANDLING_FAILED_TEXT = "Sorry, something went wrong while handling that message. Your conversation is kept; please try again."
DEFAULT_ACTION_TIMEOUT_S = 10.0


def action_timeout() -> float:
    try:
        value = float(os.environ.get("NETGUIDE_ACTION_TIMEOUT", DEFAULT_ACTION_TIMEOUT_S))
    except ValueError:
        return DEFAULT_ACTION_TIMEOUT_S
    return value if value > 0 else DEFAULT_ACTION_TIMEOUT_S


class GuardedRemoteAction(rasa_action.RemoteAction):
    """A custom action call with a time limit that tells the user when the computation is unavailable."""

    async def run(self, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Event]:
        timeout = action_timeout()
        try:
            return await asyncio.wait_for(super().run(output_channel, nlg, tracker, domain), timeout)
        except rasa_action.ActionExecutionRejection:
            raise  # a deliberate rejection: Rasa predicts another action
        except asyncio.TimeoutError:
            logger.error("custom action '%s' took longer than %.1f s (NETGUIDE_ACTION_TIMEOUT); told the user "
                         "the computation is unavailable", self.name(), timeout)
        except Exception as error:  # noqa: BLE001 - any failure: the user gets a clear reply
            logger.error("custom action '%s' failed (%s: %s); told the user the computation is unavailable",
                         self.name(), type(error).__name__, _first_line(error))
        return [await _unavailable_message(nlg, tracker, output_channel)]


def _first_line(error: BaseException) -> str:
    return str(error).splitlines()[0][:300] if str(error) else ""


async def _unavailable_message(nlg: Any, tracker: Any, output_channel: Any) -> BotUttered:
    draft: Optional[Dict[Text, Any]] = None
    try:
        draft = await nlg.generate(UNAVAILABLE_RESPONSE, tracker, output_channel.name())
    except Exception:  # noqa: BLE001 - fall back to the built-in text
        logger.exception("could not generate %s", UNAVAILABLE_RESPONSE)
    draft = dict(draft or {"text": UNAVAILABLE_FALLBACK_TEXT})
    draft["utter_action"] = UNAVAILABLE_RESPONSE
    return rasa_action.create_bot_utterance(draft)


def _guard_remote_actions() -> None:
    original = rasa_action.action_for_name_or_text
    if getattr(original, "netguide_guarded", False):
        return

    @functools.wraps(original)
    def action_for_name_or_text(name: Text, domain: Any, action_endpoint: Any) -> rasa_action.Action:
        action = original(name, domain, action_endpoint)
        if type(action) is rasa_action.RemoteAction:
            return GuardedRemoteAction(action.name(), action_endpoint)
        return action

    action_for_name_or_text.netguide_guarded = True  # type: ignore[attr-defined]
    rasa_action.action_for_name_or_text = action_for_name_or_text


def _guard_user_messages() -> None:
    original = Agent.handle_message
    if getattr(original, "netguide_guarded", False):
        return

    @functools.wraps(original)
    async def handle_message(self: Agent, message: UserMessage) -> Optional[List[Dict[Text, Any]]]:
        if not valid_sender(message.sender_id):
            logger.warning("refused a message: the conversation id is not a printable string of 1-128 characters")
            await _reply(message, "This conversation id cannot be used. Start a new conversation.")
            return None
        checked = check_message(message.text)
        if checked.problem:
            logger.info("refused a message (%s) in conversation %s", checked.problem.code, message.sender_id)
            await _reply(message, checked.problem.reply)
            return None
        message.text = checked.text
        try:
            return await original(self, message)
        except Exception as error:  # noqa: BLE001 - the log gets the error type, never the message text
            logger.error("handling a message in conversation %s failed: %s", message.sender_id, type(error).__name__,
                         exc_info=logger.isEnabledFor(logging.DEBUG))
            await _reply(message, HANDLING_FAILED_TEXT)
            return None

    handle_message.netguide_guarded = True  # type: ignore[attr-defined]
    Agent.handle_message = handle_message  # type: ignore[assignment]


async def _reply(message: UserMessage, text: str) -> None:
    try:
        await message.output_channel.send_text_message(message.sender_id, text)
    except Exception as error:  # noqa: BLE001 - the channel itself is gone; nothing else to tell
        logger.warning("could not send a reply: %s", type(error).__name__)


def install() -> None:
    """Install both guards (idempotent)."""
    _guard_remote_actions()
    _guard_user_messages()
