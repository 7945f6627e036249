"""A local fake of the Slack Web API (the only part outside our system), on 127.0.0.1.

It records every `chat.postMessage` call and answers like Slack: `{"ok": true, "channel", "ts",
"message"}`, or `{"ok": false, "error": ...}` for a wrong token, a missing channel, no text, or blocks
that break Block Kit limits (so a layout Slack would refuse fails the test too).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import parse_qs


@dataclass
class Post:
    """One chat.postMessage call as Slack received it."""

    args: Dict[str, Any]
    token: str
    ts: str = ""  # the message's Slack timestamp, as answered to the poster

    @property
    def channel(self) -> str:
        return self.args.get("channel", "")

    @property
    def text(self) -> str:
        return self.args.get("text", "")

    @property
    def thread_ts(self) -> Optional[str]:
        return self.args.get("thread_ts")

    @property
    def blocks(self) -> List[Dict[str, Any]]:
        blocks = self.args.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else blocks

    def buttons(self) -> List[Dict[str, Any]]:
        return [e for b in self.blocks if b.get("type") == "actions" for e in b.get("elements", []) if e.get("type") == "button"]

    def shown_text(self) -> str:
        """What a person sees: the section texts when there are blocks, else the text."""
        sections = [b["text"]["text"] for b in self.blocks if b.get("type") == "section"]
        return "\n".join(sections) if sections else self.text


def block_kit_error(blocks: List[Dict[str, Any]]) -> Optional[str]:
    """The reason Slack would answer invalid_blocks, or None (limits from api.slack.com/reference/block-kit)."""
    if len(blocks) > 50:
        return "more than 50 blocks"
    action_ids = []
    for block in blocks:
        kind = block.get("type")
        if kind == "section":
            text = (block.get("text") or {}).get("text", "")
            if not text or len(text) > 3000:
                return f"section text of {len(text)} characters (1-3000 allowed)"
        elif kind == "actions":
            elements = block.get("elements") or []
            if not elements or len(elements) > 25:
                return f"actions block with {len(elements)} elements (1-25 allowed)"
            for element in elements:
                label = (element.get("text") or {}).get("text", "")
                if element.get("type") == "button" and not (0 < len(label) <= 75):
                    return f"button text of {len(label)} characters (1-75 allowed)"
                if len(str(element.get("value", ""))) > 2000:
                    return "button value over 2000 characters"
                action_ids.append(element.get("action_id"))
        elif kind not in ("context", "divider", "header", "image"):
            return f"unknown block type {kind!r}"
    named = [a for a in action_ids if a]
    if len(named) != len(set(named)):
        return "duplicate action_id"
    return None


@dataclass
class FakeSlack:
    token: str
    posts: List[Post] = field(default_factory=list)
    refusals: List[Dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
                if (self.headers.get("Content-Type") or "").startswith("application/json"):
                    args = json.loads(body or "{}")
                else:
                    args = {k: v[0] for k, v in parse_qs(body).items()}
                answer = fake.handle(self.path, self.headers.get("Authorization", ""), args)
                data = json.dumps(answer).encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def start(self) -> "FakeSlack":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, path: str, authorization: str, args: Dict[str, Any]) -> Dict[str, Any]:
        method = path.split("?")[0].rsplit("/", 1)[-1]
        token = authorization.removeprefix("Bearer ").strip() or str(args.get("token", ""))
        error = None
        if method != "chat.postMessage":
            error = "unknown_method"
        elif not token:
            error = "not_authed"
        elif token != self.token:
            error = "invalid_auth"
        elif not args.get("channel"):
            error = "channel_not_found"
        elif not args.get("text") and not args.get("blocks"):
            error = "no_text"
        else:
            reason = block_kit_error(Post(args, token).blocks)
            if reason:
                error = "invalid_blocks"
                args = {**args, "_reason": reason}
        with self._lock:
            if error:
                self.refusals.append({"error": error, "args": args})
                return {"ok": False, "error": error}
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            post = Post(args=args, token=token, ts=ts)
            self.posts.append(post)
        return {"ok": True, "channel": post.channel, "ts": ts, "message": {"type": "message", "text": post.text, "ts": ts}}

    def posts_to(self, channel: str) -> List[Post]:
        with self._lock:
            return [p for p in self.posts if p.channel == channel]

    def wait_for(self, condition: Callable[[], Any], timeout: float = 60, what: str = "Slack posts") -> Any:
        """Poll until condition() is truthy (replies are posted in the background)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            time.sleep(0.2)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}; posts={self.posts!r} refusals={self.refusals!r}")
