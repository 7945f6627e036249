"""What a user message may look like before it reaches NLU: one rule for every channel.

Plain Python (no Rasa import) so the rule is tested without a server. Rasa-side code calls
`check_message`; a message with a problem is answered with `problem.reply` and never enters the
conversation, so a bad message can neither crash nor corrupt it.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

DEFAULT_MAX_MESSAGE_CHARS = 2000  # a long clinical question is ~300 characters; a pasted report fits too
MAX_SENDER_CHARS = 128  # conversation ids are stored in an indexed column of the tracker store

# Control characters are dropped (newline and tab are kept). Bidirectional overrides are dropped
# because they make text display differently from what is stored (a spoofing trick).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Rasa treats "/intent{...}" as a ready-made parse result (the widget's buttons use it). Rasa's own control
# intents must not be typed: "/restart" would wipe the case without a word, "/back" would rewind it.
# Such text goes to NLU as plain words instead (so "/restart" is understood as "start over").
_CONTROL_INTENT_PAYLOAD = re.compile(r"^/+(?=(restart|back|session_start|nlu_fallback|action_\w*)\b)", re.IGNORECASE)


def max_message_chars() -> int:
    """The limit, from NETGUIDE_MAX_MESSAGE_CHARS if set to a positive whole number."""
    value = os.environ.get("NETGUIDE_MAX_MESSAGE_CHARS", "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_MAX_MESSAGE_CHARS


@dataclass(frozen=True)
class MessageProblem:
    code: str  # "empty" | "too_long"
    reply: str  # shown to the user instead of an answer


@dataclass(frozen=True)
class CheckedMessage:
    text: str  # cleaned text, safe to pass on ("" when there is a problem)
    problem: Optional[MessageProblem] = None


def clean_text(text: str) -> str:
    """NFC-normalised text without control characters or lone surrogates, newlines unified, trimmed."""
    text = _LONE_SURROGATE.sub("\ufffd", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", _CONTROL.sub("", text))
    return text.strip()


def check_message(text: object, limit: Optional[int] = None) -> CheckedMessage:
    """Clean a user message and say whether it can be answered."""
    limit = limit or max_message_chars()
    cleaned = clean_text(text) if isinstance(text, str) else ""
    if not cleaned:
        return CheckedMessage("", MessageProblem(
            "empty", "Your message was empty. Type a question, for example: \"Ki-67 12%, what grade?\""))
    if len(cleaned) > limit:
        return CheckedMessage("", MessageProblem(
            "too_long",
            f"Your message is {len(cleaned):,} characters long; the limit is {limit:,}. "
            "Please send only the question and the values that matter (e.g. Ki-67, mitoses, site, size). "
            "Nothing from this message was added to your case.",
        ))
    return CheckedMessage(_CONTROL_INTENT_PAYLOAD.sub("", cleaned))


def valid_sender(sender: object) -> bool:
    """A conversation id: a non-empty printable string of at most MAX_SENDER_CHARS characters."""
    return (
        isinstance(sender, str)
        and 0 < len(sender) <= MAX_SENDER_CHARS
        and sender.isprintable()
        and not _LONE_SURROGATE.search(sender)
    )
