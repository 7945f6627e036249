"""Slack connector: a thin subclass of Rasa 3.6's SlackInput/SlackBot.

Configure it in credentials.yml under `bot.channels.slack.SlackInput` (URL /webhooks/slack/webhook,
input channel name "slack", so the actions render Slack mrkdwn). What it changes, and why:

- The Slack Web API address is configurable (`slack_api_url`), so tests and proxies can point the
  connector at another server. The stock connector always calls https://slack.com/api/.
- One bot answer is one Slack message: mrkdwn text plus Block Kit sections (one per heading, at most
  3000 characters each) and an actions block with the buttons. The stock connector posts every
  blank-line-separated paragraph as its own message and its buttons as plain text.
- An event that was already accepted (same `event_id`, or the same message `channel:ts` delivered as
  both `message` and `app_mention`) is not answered twice. The record is a bounded in-memory cache per
  process: with several Rasa replicas or Sanic workers, a retry that lands on another process is
  answered again unless the load balancer routes Slack's retries to the same process.
- Replies stay in the user's thread; channel @-mentions get their answer in a thread under the mention
  (`use_threads`, default true); direct messages are answered inline.
- An answer comes short (bottom line, key points, compact references) with a "Details" button; the full answer
  rides along in the bot message as `custom.details` and is kept by this process (`DetailsStore`, bounded, one
  day). Pressing the button posts the details in the thread of the short message, without a turn of the bot.
  As with the dedupe record, with several replicas a click that lands on another process finds no details:
  it is then told so in the thread and asked to ask again.
- Rejected requests (missing or wrong v0 signature, timestamp more than five minutes away) get HTTP 401
  with a message naming what is wrong, and never reach the bot.
- Token and signing secret come from credentials or, when absent there, from the environment
  (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL, SLACK_CHANNEL). With neither set the channel
  is disabled: the webhook answers 503 and says which variables to set, so credentials.yml keeps
  working on machines without Slack. Setting only one of the two is a configuration error at start-up.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import re
import time
import uuid
from collections import OrderedDict
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text, Tuple

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot
from rasa.core.channels.slack import SlackInput as RasaSlackInput
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
ENV_TOKEN = "SLACK_BOT_TOKEN"
ENV_SECRET = "SLACK_SIGNING_SECRET"
ENV_API_URL = "SLACK_API_URL"
ENV_CHANNEL = "SLACK_CHANNEL"
MAX_TIMESTAMP_SKEW_SECONDS = 60 * 5  # Slack's replay window

# Block Kit limits (api.slack.com/reference/block-kit)
SECTION_TEXT_LIMIT = 3000
MAX_BLOCKS = 50
MAX_ACTIONS_ELEMENTS = 25
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
MESSAGE_TEXT_LIMIT = 40000
HEADING = re.compile(r"^\*[^*\n]+\*$")  # a whole line in bold: a heading from bot/render/slack.py

# What to tell the operator when Slack refuses a post (error code -> what to do)
SLACK_ERROR_HINTS = {
    "invalid_auth": f"the bot token is wrong; set {ENV_TOKEN} to the app's Bot User OAuth Token (xoxb-...)",
    "not_authed": f"no bot token was sent; set {ENV_TOKEN}",
    "account_inactive": "the app was uninstalled or the token revoked; reinstall the app and update the token",
    "missing_scope": "add the chat:write bot token scope and reinstall the app",
    "not_in_channel": "invite the app to the channel (/invite @app) before mentioning it there",
    "channel_not_found": "the app cannot see that channel; invite it or check SLACK_CHANNEL",
    "invalid_blocks": "Slack rejected the message layout; please report this with the question asked",
}

# message subtypes that are not a person writing to the bot
IGNORED_SUBTYPES = frozenset(
    {"bot_message", "message_changed", "message_deleted", "message_replied", "channel_join", "channel_leave"}
)


class SeenEvents:
    """Bounded, expiring record of Slack deliveries already accepted by this process.

    Slack retries an event up to three times (at once, after about 1 and 5 minutes). One hour of memory
    and `max_entries` keys bound the cache; the oldest keys go first.
    """

    def __init__(self, max_entries: int = 10000, ttl_seconds: float = 3600, clock: Callable[[], float] = time.monotonic):
        self.max_entries = max(1, int(max_entries))
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self._seen: "OrderedDict[str, float]" = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def _expire(self, now: float) -> None:
        while self._seen:
            key, seen_at = next(iter(self._seen.items()))
            if now - seen_at <= self.ttl_seconds and len(self._seen) <= self.max_entries:
                break
            self._seen.popitem(last=False)

    def first_time(self, keys: Iterable[str]) -> bool:
        """True (and remember the keys) unless one of the keys was accepted before."""
        keys = [k for k in keys if k]
        now = self.clock()
        self._expire(now)
        if any(k in self._seen for k in keys):
            return False
        for key in keys:
            self._seen[key] = now
        self._expire(now)
        return True


def delivery_keys(envelope: Dict[str, Any]) -> List[str]:
    """Identities of one Slack event delivery: the event id and the message (channel + ts)."""
    event = envelope.get("event") or {}
    keys = []
    if envelope.get("event_id"):
        keys.append(f"event:{envelope['event_id']}")
    if event.get("channel") and event.get("ts"):
        keys.append(f"message:{event['channel']}:{event['ts']}")
    return keys


def _section(text: str) -> Dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _chunks(lines: List[str], limit: int) -> List[str]:
    """Join lines into texts of at most `limit` characters, splitting between lines where possible."""
    chunks: List[str] = []
    current: List[str] = []
    size = 0
    for line in lines:
        while len(line) > limit:  # a single over-long line: hard split
            if current:
                chunks.append("\n".join(current))
                current, size = [], 0
            chunks.append(line[:limit])
            line = line[limit:]
        extra = len(line) + (1 if current else 0)
        if current and size + extra > limit:
            chunks.append("\n".join(current))
            current, size, extra = [], 0, len(line)
        current.append(line)
        size += extra
    if current:
        chunks.append("\n".join(current))
    return [c for c in chunks if c.strip()]


def text_blocks(text: str, max_blocks: int = MAX_BLOCKS) -> List[Dict[str, Any]]:
    """Section blocks for mrkdwn text: one per heading group, each within Slack's section limit."""
    groups: List[List[str]] = [[]]
    for line in text.strip().splitlines():
        if HEADING.match(line.strip()) and groups[-1]:
            groups.append([])
        groups[-1].append(line)
    texts = [chunk for group in groups for chunk in _chunks(group, SECTION_TEXT_LIMIT)]
    if len(texts) > max_blocks:  # too many headings: pack lines densely instead
        texts = _chunks(text.strip().splitlines(), SECTION_TEXT_LIMIT)[:max_blocks]
    return [_section(t) for t in texts]


def button_blocks(buttons: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Actions blocks of Block Kit buttons; the value is what the bot receives when clicked."""
    elements = []
    for i, button in enumerate(buttons):
        title = str(button.get("title") or button.get("payload") or "")
        value = str(button.get("payload") or title)
        if len(value) > BUTTON_VALUE_LIMIT:
            logger.warning("Slack button %r dropped: its payload is longer than %d characters", title, BUTTON_VALUE_LIMIT)
            continue
        if len(title) > BUTTON_TEXT_LIMIT:
            title = title[: BUTTON_TEXT_LIMIT - 1] + "…"
        elements.append(
            {"type": "button", "text": {"type": "plain_text", "text": title}, "value": value, "action_id": f"netguide_button_{i}"}
        )
    return [
        {"type": "actions", "elements": elements[start : start + MAX_ACTIONS_ELEMENTS]}
        for start in range(0, len(elements), MAX_ACTIONS_ELEMENTS)
    ]


def message_blocks(text: str, buttons: Optional[List[Dict[str, Any]]] = None) -> List[Dict[str, Any]]:
    actions = button_blocks(buttons or [])
    return text_blocks(text, MAX_BLOCKS - len(actions)) + actions


DETAILS_TITLE = "Details"
DETAILS_PREFIX = "netguide_details:"  # a Details button's value: handled by the connector, never sent to the bot
DETAILS_GONE = (
    "The details of that answer are no longer held by this server (it was restarted, or another server holds "
    "them). Ask the question again for the full answer."
)


class DetailsStore:
    """The full answers behind the "Details" buttons of this process: bounded, expiring, oldest out first."""

    def __init__(self, max_entries: int = 2000, ttl_seconds: float = 24 * 3600, clock: Callable[[], float] = time.monotonic):
        self.max_entries = max(1, int(max_entries))
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self._details: "OrderedDict[str, Tuple[float, str]]" = OrderedDict()

    def __len__(self) -> int:
        return len(self._details)

    def keep(self, details: str) -> str:
        """Keep the details; returns the key a button carries."""
        now = self.clock()
        key = uuid.uuid4().hex
        self._details[key] = (now, details)
        while self._details:
            oldest, (kept_at, _) = next(iter(self._details.items()))
            if now - kept_at <= self.ttl_seconds and len(self._details) <= self.max_entries:
                break
            self._details.popitem(last=False)
        return key

    def get(self, key: str) -> Optional[str]:
        kept = self._details.get(key)
        if kept is None or self.clock() - kept[0] > self.ttl_seconds:
            return None
        return kept[1]


class NetguideSlackBot(SlackBot):
    """Posts one answer as one message (text + blocks) to a configurable Slack Web API address."""

    def __init__(
        self,
        token: Text,
        slack_channel: Optional[Text] = None,
        thread_id: Optional[Text] = None,
        proxy: Optional[Text] = None,
        api_url: Text = DEFAULT_API_URL,
        details: Optional[DetailsStore] = None,
    ) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        self.client = AsyncWebClient(token, base_url=api_url, proxy=proxy)
        self.details = details if details is not None else DetailsStore()

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """An answer with details (`custom.details`, from actions/actions.py) is posted short, with a "Details"
        button that carries the key of the kept details; the details themselves are never posted here."""
        custom = message.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("details"), str):
            message = dict(message)
            details = message.pop("custom")["details"]
            button = {"title": DETAILS_TITLE, "payload": DETAILS_PREFIX + self.details.keep(details)}
            message["buttons"] = [button] + list(message.get("buttons") or [])
        await super().send_response(recipient_id, message)

    async def post_details(self, channel: Text, key: Text, thread_ts: Optional[Text]) -> None:
        """The details behind a pressed "Details" button, in the thread of the message that has the button."""
        details = self.details.get(key)
        text = details if details is not None else DETAILS_GONE
        await self._post_message(channel=channel, text=text.strip()[:MESSAGE_TEXT_LIMIT], blocks=message_blocks(text),
                                 **({"thread_ts": thread_ts} if thread_ts else {}))

    async def _post_message(self, channel: Text, **kwargs: Any) -> None:
        # `as_user` is a legacy flag for classic apps; a bot token posts as the app without it.
        kwargs.pop("as_user", None)
        kwargs.pop("type", None)
        if self.thread_id and "thread_ts" not in kwargs:
            kwargs["thread_ts"] = self.thread_id
        try:
            await self.client.chat_postMessage(channel=channel, **kwargs)
        except SlackApiError as error:
            code = error.response.get("error", "unknown_error") if error.response is not None else "unknown_error"
            hint = SLACK_ERROR_HINTS.get(code, "see https://api.slack.com/methods/chat.postMessage#errors")
            logger.error("Slack refused to post the answer in %s: %s; %s", channel, code, hint)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        # Rasa passes the rest of the bot message along, an empty "buttons" list included: a message without
        # buttons ("The results are unchanged: ...") must not give send_text_with_buttons two button lists
        kwargs.pop("buttons", None)
        await self.send_text_with_buttons(recipient_id, text, [], **kwargs)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        recipient = self.slack_channel or recipient_id
        await self._post_message(
            channel=recipient, text=text.strip()[:MESSAGE_TEXT_LIMIT], blocks=message_blocks(text, buttons)
        )

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        message = dict(json_message)
        channel = message.pop("channel", self.slack_channel or recipient_id)
        await self._post_message(channel=channel, **message)


def _setting(credentials: Dict[str, Any], key: str, env: Optional[str] = None, default: Any = None) -> Any:
    value = credentials.get(key)
    if value in (None, "") and env:
        value = os.environ.get(env)
    return default if value in (None, "") else value


def _as_bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")


class SlackInput(RasaSlackInput):
    """Signed Slack events and interactive payloads -> the bot; see the module docstring."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "SlackInput":
        credentials = credentials or {}
        return cls(
            slack_token=_setting(credentials, "slack_token", ENV_TOKEN, ""),
            slack_channel=_setting(credentials, "slack_channel", ENV_CHANNEL),
            proxy=_setting(credentials, "proxy"),
            slack_retry_reason_header=_setting(credentials, "slack_retry_reason_header", default="x-slack-retry-reason"),
            slack_retry_number_header=_setting(credentials, "slack_retry_number_header", default="x-slack-retry-num"),
            errors_ignore_retry=_setting(credentials, "errors_ignore_retry"),
            use_threads=_as_bool(_setting(credentials, "use_threads", default=True)),
            slack_signing_secret=_setting(credentials, "slack_signing_secret", ENV_SECRET, ""),
            conversation_granularity=_setting(credentials, "conversation_granularity", default="channel"),
            slack_api_url=_setting(credentials, "slack_api_url", ENV_API_URL, DEFAULT_API_URL),
            dedupe_cache_size=int(_setting(credentials, "dedupe_cache_size", default=10000)),
        )

    def __init__(
        self,
        slack_token: Text,
        slack_channel: Optional[Text] = None,
        proxy: Optional[Text] = None,
        slack_retry_reason_header: Optional[Text] = None,
        slack_retry_number_header: Optional[Text] = None,
        errors_ignore_retry: Optional[List[Text]] = None,
        use_threads: Optional[bool] = True,
        slack_signing_secret: Text = "",
        conversation_granularity: Optional[Text] = "channel",
        slack_api_url: Text = DEFAULT_API_URL,
        dedupe_cache_size: int = 10000,
    ) -> None:
        self.slack_api_url = slack_api_url
        self.seen = SeenEvents(max_entries=dedupe_cache_size)
        self.details = DetailsStore()
        super().__init__(
            slack_token,
            slack_channel,
            proxy,
            slack_retry_reason_header or "x-slack-retry-reason",
            slack_retry_number_header or "x-slack-retry-num",
            errors_ignore_retry,
            use_threads,
            slack_signing_secret,
            conversation_granularity,
        )

    @property
    def enabled(self) -> bool:
        return bool(self.slack_token and self.slack_signing_secret)

    def _validate_credentials(self) -> None:
        if self.enabled:
            return
        if self.slack_token or self.slack_signing_secret:
            missing = ENV_SECRET if self.slack_token else ENV_TOKEN
            key = "slack_signing_secret" if self.slack_token else "slack_token"
            raise InvalidConfigException(
                f"The Slack channel is half configured: set {missing} (or `{key}` under "
                f"bot.channels.slack.SlackInput in credentials.yml), or unset both Slack variables to run without Slack."
            )
        logger.info("Slack channel disabled: set %s and %s to enable it (see README, Slack).", ENV_TOKEN, ENV_SECRET)

    def get_output_channel(self, channel: Optional[Text] = None, thread_id: Optional[Text] = None) -> OutputChannel:
        return NetguideSlackBot(self.slack_token, channel or self.slack_channel, thread_id, self.proxy, self.slack_api_url,
                                self.details)

    # --- request checks -------------------------------------------------------------------------

    def signature_problem(self, request: Request) -> Optional[str]:
        """None when the request is signed by Slack (v0, within five minutes); else what is wrong."""
        signature = request.headers.get("X-Slack-Signature", "")
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        if not signature or not timestamp:
            return "missing X-Slack-Signature or X-Slack-Request-Timestamp header"
        try:
            skew = abs(time.time() - int(timestamp))
        except ValueError:
            return "X-Slack-Request-Timestamp is not a Unix time"
        if skew > MAX_TIMESTAMP_SKEW_SECONDS:
            return "X-Slack-Request-Timestamp is more than five minutes from the server clock (replay or clock skew)"
        base = f"v0:{timestamp}:".encode("utf-8") + (request.body or b"")
        expected = "v0=" + hmac.new(self.slack_signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return "X-Slack-Signature does not match; check that SLACK_SIGNING_SECRET is the app's signing secret"
        return None

    def is_request_from_slack_authentic(self, request: Request) -> bool:
        return self.signature_problem(request) is None

    @staticmethod
    def _is_user_message(slack_event: Dict[Text, Any]) -> bool:
        event = slack_event.get("event") or {}
        return bool(RasaSlackInput._is_user_message(slack_event)) and event.get("subtype") not in IGNORED_SUBTYPES

    def reply_thread(self, thread_ts: Optional[str], ts: Optional[str], channel_type: Optional[str]) -> Optional[str]:
        """Where the answer goes: the user's thread; a new thread under a channel mention; inline in DMs."""
        if thread_ts:
            return thread_ts
        if self.use_threads and channel_type not in ("im", "mpim") and ts:
            return ts
        return None

    def get_metadata(self, request: Request) -> Dict[Text, Any]:
        metadata = super().get_metadata(request)
        if _content_type(request) == "application/json":
            event = (request.json or {}).get("event") or {}
            metadata["reply_thread_ts"] = self.reply_thread(event.get("thread_ts"), event.get("ts"), event.get("channel_type"))
        elif metadata:
            # a button click: answer where the clicked message is (its thread, or the top level)
            payload = json.loads(request.form["payload"][0])
            message = payload.get("message") or {}
            container = payload.get("container") or {}
            metadata["reply_thread_ts"] = message.get("thread_ts") or container.get("thread_ts")
        return metadata

    async def process_message(  # type: ignore[override]
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: Text,
        sender_id: Optional[Text],
        metadata: Optional[Dict],
    ) -> Any:
        metadata = metadata or {}
        user_msg = UserMessage(
            text,
            self.get_output_channel(metadata.get("out_channel"), metadata.get("reply_thread_ts")),
            sender_id,
            input_channel=self.name(),
            metadata=metadata,
        )
        # answered in the background: Slack wants a 2xx within three seconds
        task: asyncio.Task = asyncio.create_task(on_new_message(user_msg))
        self._background_tasks.add(task)
        task.add_done_callback(self._background_tasks.discard)
        return response.text("")

    def _show_details(self, payload: Dict[str, Any], key: str) -> HTTPResponse:
        """A "Details" button: its details are posted in the thread in the background (Slack wants a 2xx within
        three seconds); no turn of the bot, so the conversation and its case are untouched."""
        channel, thread_ts = _details_thread(payload)
        if not channel:
            return response.text("A Details click without a channel; ignored.", status=HTTPStatus.BAD_REQUEST)
        output = self.get_output_channel(channel)
        task: asyncio.Task = asyncio.create_task(output.post_details(channel, key, thread_ts))
        self._background_tasks.add(task)
        task.add_done_callback(self._background_tasks.discard)
        return response.text("")

    # --- routes ---------------------------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        slack_webhook = Blueprint("slack_webhook", __name__)

        @slack_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "disabled"})

        @slack_webhook.route("/webhook", methods=["GET", "POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.enabled:
                return response.text(
                    f"The Slack channel is not configured on this server: set {ENV_TOKEN} and {ENV_SECRET}.",
                    status=HTTPStatus.SERVICE_UNAVAILABLE,
                )
            problem = self.signature_problem(request)
            if problem:
                logger.warning("Rejected a Slack request: %s", problem)
                return response.text(f"Rejected: {problem}.", status=HTTPStatus.UNAUTHORIZED)
            content_type = _content_type(request)
            if content_type == "application/json":
                return await self._handle_event(request, on_new_message)
            if content_type == "application/x-www-form-urlencoded":
                return await self._handle_interaction(request, on_new_message)
            return response.text(
                "Expected a Slack event (application/json) or interactive payload (form-encoded).",
                status=HTTPStatus.BAD_REQUEST,
            )

        return slack_webhook

    async def _handle_event(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        try:
            envelope = request.json
        except Exception:  # noqa: BLE001 - Sanic raises its own error type for bad JSON
            envelope = None
        if not isinstance(envelope, dict):
            return response.text("The request body is not a JSON object.", status=HTTPStatus.BAD_REQUEST)
        if envelope.get("type") == "url_verification" or "challenge" in envelope:
            return response.json({"challenge": envelope.get("challenge")})
        if not self._is_user_message(envelope):
            return response.text("Not a user message; ignored.")
        metadata = self.get_metadata(request)
        if not self._is_supported_channel(envelope, metadata):
            return response.text("Not a direct message, a mention or the configured channel; ignored.")
        retry_num = request.headers.get(self.retry_num_header)
        if not self.seen.first_time(delivery_keys(envelope)):
            logger.info("Slack delivery %s (retry %s) was already accepted; not answering twice.", envelope.get("event_id"), retry_num)
            return response.text("Already handled.", headers={"X-Slack-No-Retry": "1"})
        if retry_num and request.headers.get(self.retry_reason_header) in self.errors_ignore_retry:
            # Slack timed out waiting for an earlier delivery that reached some server: keep Rasa's default.
            return response.text("", status=HTTPStatus.CREATED, headers={"X-Slack-No-Retry": "1"})
        event = envelope["event"]
        sender = self._get_conversation_id(event.get("user", ""), metadata.get("out_channel"), metadata.get("thread_id"))
        text = self._sanitize_user_message(event.get("text", ""), metadata.get("users"))
        return await self.process_message(request, on_new_message, text, sender, metadata)

    async def _handle_interaction(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        try:
            payload = json.loads(request.form["payload"][0])
        except (KeyError, IndexError, TypeError, ValueError):
            return response.text("Expected a form field `payload` holding JSON.", status=HTTPStatus.BAD_REQUEST)
        if not self._is_interactive_message(payload):
            return response.text("Interaction type not handled; ignored.")
        text = self._get_interactive_response(payload["actions"][0])
        if text is None:
            return response.text("Link button clicked; nothing to answer.")
        if text.startswith(DETAILS_PREFIX):
            return self._show_details(payload, text[len(DETAILS_PREFIX):])
        metadata = self.get_metadata(request)
        sender = self._get_conversation_id(
            (payload.get("user") or {}).get("id"), metadata.get("out_channel"), metadata.get("thread_id")
        )
        return await self.process_message(request, on_new_message, text, sender, metadata)


def _details_thread(payload: Dict[str, Any]) -> Tuple[Optional[str], Optional[str]]:
    """(channel, thread) for the details of a pressed button: the thread of the message that has the button,
    or a new thread under it when it is at the top level."""
    message = payload.get("message") or {}
    container = payload.get("container") or {}
    channel = (payload.get("channel") or {}).get("id") or container.get("channel_id")
    return channel, message.get("thread_ts") or container.get("thread_ts") or message.get("ts") or container.get("message_ts")


def _content_type(request: Request) -> str:
    return (request.headers.get("content-type") or "").split(";")[0].strip().lower()


__all__: Tuple[str, ...] = ("DetailsStore", "NetguideSlackBot", "SeenEvents", "SlackInput", "delivery_keys", "message_blocks")
