"""GET /webhooks/health/ : is this Rasa replica really persisting conversations?

Rasa's fail-safe hides a failing tracker store behind an in-memory one, and a tracker store class that
cannot be imported silently becomes an InMemoryTrackerStore. This route shows both: the store that is
really in use, a live database probe, whether conversations have fallen back to memory (and how many
saves were not persisted), and whether the lock store answers. 200 when all is well, 503 otherwise, so
a load balancer or a monitoring probe can act on it. No URLs, passwords or message text are shown.

Enable it by listing the channel in the credentials file:
    bot.runtime.health.HealthInput:
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any, Awaitable, Callable, Dict

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

STARTED_AT = time.time()


def tracker_store_report(agent: Any) -> Dict[str, Any]:
    store = getattr(agent.tracker_store, "_tracker_store", agent.tracker_store)  # unwrap FailSafeTrackerStore
    while hasattr(store, "_tracker_store"):  # AwaitableTrackerStore
        store = store._tracker_store
    report: Dict[str, Any] = {"type": type(store).__name__, "persistent": type(store).__name__ != "InMemoryTrackerStore"}
    engine = getattr(store, "engine", None)
    if engine is not None:
        report["dialect"] = engine.dialect.name
    if hasattr(store, "probe"):
        report["database_reachable"] = store.probe()
        details = store.health.as_dict()
        details.pop("url", None)
        details.pop("store", None)
        report.update(details)
    else:
        # a plain Rasa store: its failures are invisible, say so
        report["fallback_monitored"] = False
    return report


def lock_store_report(agent: Any) -> Dict[str, Any]:
    lock_store = agent.lock_store
    report: Dict[str, Any] = {"type": type(lock_store).__name__}
    redis_client = getattr(lock_store, "red", None)
    if redis_client is not None:
        try:
            report["reachable"] = bool(redis_client.ping())
        except Exception as error:  # redis.ConnectionError, TimeoutError, AuthenticationError...
            report["reachable"] = False
            report["last_error"] = type(error).__name__
    return report


def health_report(agent: Any) -> Dict[str, Any]:
    if agent is None or not agent.is_ready():
        return {"status": "starting", "pid": os.getpid()}
    tracker = tracker_store_report(agent)
    lock = lock_store_report(agent)
    problems = []
    if not tracker["persistent"]:
        problems.append("conversations are kept in memory only (tracker store is InMemoryTrackerStore)")
    if tracker.get("database_reachable") is False:
        problems.append("the tracker store database is unreachable")
    if tracker.get("fallen_back_to_memory"):
        problems.append("conversations have fallen back to memory and are not persisted")
    if lock.get("reachable") is False:
        problems.append("the lock store is unreachable")
    return {
        "status": "degraded" if problems else "ok",
        "problems": problems,
        "tracker_store": tracker,
        "lock_store": lock,
        "pid": os.getpid(),
        "uptime_s": round(time.time() - STARTED_AT, 1),
    }


class HealthInput(InputChannel):
    """A channel that only serves the health route (it never receives messages)."""

    @classmethod
    def name(cls) -> str:
        return "health"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("netguide_health", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            # the probes block (database connect timeout): keep the event loop free for conversations
            report = await asyncio.get_running_loop().run_in_executor(None, health_report, agent)
            status = 200 if report["status"] == "ok" else 503
            return response.json(report, status=status)

        return blueprint
