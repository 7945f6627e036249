"""Custom-action calls reuse one connection to the action server (bot/channels/action_connection.py),
against a real HTTP server on a free port that records which client connection each call came on."""

from __future__ import annotations

import asyncio
from typing import List

import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot.channels import action_connection


@pytest.fixture(autouse=True)
def installed():
    # install() imports rasa.core.run and with it Sanic, which installs uvloop's event loop policy: put it
    # back, the tracker-store tests of this folder must not inherit it
    policy = asyncio.get_event_loop_policy()
    original = RemoteAction.__init__
    action_connection.install()
    yield
    RemoteAction.__init__ = original
    asyncio.set_event_loop_policy(policy)


async def serve(close_when_idle: bool = False, drop_reused: bool = False):
    """An action-server stand-in: answers every POST with the events it got and notes the caller's port;
    `close_when_idle`: it closes each connection just after answering on it, without saying so first;
    `drop_reused`: a request on a connection that was used before is dropped unanswered (a restarted server)."""
    seen: List[int] = []

    async def webhook(request: web.Request) -> web.Response:
        port = request.transport.get_extra_info("peername")[1]
        if drop_reused and port in seen:
            request.transport.close()
            raise asyncio.CancelledError()
        seen.append(port)
        body = await request.json()
        if close_when_idle:
            asyncio.get_running_loop().call_later(0.05, request.transport.close)
        return web.json_response({"events": [], "responses": [{"text": body["next_action"]}]})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}/webhook", seen


async def calls(url: str, count: int, pause: float = 0.0) -> List[dict]:
    endpoint = EndpointConfig(url, headers={"X-Check": "1"})
    answers = []
    for _ in range(count):
        # a new RemoteAction per call, as Rasa makes one per predicted action
        action = RemoteAction("action_answer", endpoint)
        answers.append(await action.action_endpoint.request(json={"next_action": "action_answer"}, method="post"))
        await asyncio.sleep(pause)
    return answers


def run(coroutine):
    """On a loop of its own, leaving the thread's current loop as it was (asyncio.run would unset it, and the
    tracker-store tests in the same process use it)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


def test_calls_of_a_conversation_share_one_connection():
    async def scenario():
        runner, url, seen = await serve()
        try:
            answers = await calls(url, 5)
        finally:
            await action_connection.close_sessions()
            await runner.cleanup()
        return answers, seen

    answers, seen = run(scenario())
    assert answers == [{"events": [], "responses": [{"text": "action_answer"}]}] * 5
    assert len(seen) == 5 and len(set(seen)) == 1


def test_switched_off_every_call_opens_its_own_connection(monkeypatch):
    monkeypatch.setenv("NETGUIDE_ACTION_KEEP_ALIVE", "0")

    async def scenario():
        runner, url, seen = await serve()
        try:
            await calls(url, 3)
        finally:
            await runner.cleanup()
        return seen

    seen = run(scenario())
    assert len(seen) == 3 and len(set(seen)) == 3


def test_a_connection_the_server_closed_while_idle_is_replaced():
    async def scenario():
        runner, url, seen = await serve(close_when_idle=True)
        try:
            answers = await calls(url, 3, pause=0.3)
        finally:
            await action_connection.close_sessions()
            await runner.cleanup()
        return answers, seen

    answers, seen = run(scenario())
    assert len(answers) == 3 and all(answer["responses"] for answer in answers)
    assert len(set(seen)) == 3


def test_a_call_dropped_unanswered_on_a_kept_connection_is_sent_again_on_a_new_one():
    async def scenario():
        runner, url, seen = await serve(drop_reused=True)
        try:
            answers = await calls(url, 3)
        finally:
            await action_connection.close_sessions()
            await runner.cleanup()
        return answers, seen

    answers, seen = run(scenario())
    assert answers == [{"events": [], "responses": [{"text": "action_answer"}]}] * 3
    assert len(set(seen)) == 3
