"""The Redis lock store across replicas (bot/runtime/lock_store.py), against a real redis-server: a dead
replica's ticket holds a conversation no longer than the lock lifetime, and a live replica's ticket is renewed
while it waits and works. Runs in the Rasa venv (redis-server comes from scripts/system_deps.sh)."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time

import pytest

from bot.runtime.lock_store import AtomicRedisLockStore

LIFETIME_S = 1.5  # short, so the test is quick; production uses 5 s (scripts/run_production.sh)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def store():
    server = shutil.which("redis-server")
    assert server, "redis-server is missing: run scripts/system_deps.sh"
    port = free_port()
    process = subprocess.Popen([server, "--port", str(port), "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        yield AtomicRedisLockStore(host="127.0.0.1", port=port)
    finally:
        process.terminate()
        process.wait(timeout=10)


def run(coroutine):
    """Run a coroutine on its own loop, leaving the thread's event loop as it was (other runtime tests use it)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


async def hold(store: AtomicRedisLockStore, conversation: str, seconds: float = 0.0) -> float:
    """Seconds until this replica holds the conversation's lock (held `seconds` longer)."""
    started = time.monotonic()
    async with store.lock(conversation, lock_lifetime=LIFETIME_S, wait_time_in_seconds=0.1):
        waited = time.monotonic() - started
        await asyncio.sleep(seconds)
    return waited


def test_a_dead_replicas_ticket_holds_the_conversation_no_longer_than_its_lifetime(store) -> None:
    store.issue_ticket("dead-holder", LIFETIME_S)  # a replica killed mid-turn: its ticket is never cleaned up
    waited = run(hold(store, "dead-holder"))
    assert LIFETIME_S - 0.3 <= waited <= LIFETIME_S + 1.0, waited


def test_a_live_replicas_ticket_is_renewed_while_it_works(store) -> None:
    async def both() -> tuple:
        long_turn = asyncio.ensure_future(hold(store, "busy", seconds=3 * LIFETIME_S))
        await asyncio.sleep(0.2)
        started = time.monotonic()
        await hold(store, "busy")  # the second turn waits for the first, however long it takes
        return await long_turn, time.monotonic() - started

    first_wait, second_wait = run(both())
    assert first_wait < 0.5
    assert second_wait >= 3 * LIFETIME_S - 0.5, "the second turn did not take the lock from a live first turn"


def test_a_finished_turn_leaves_no_lock_behind(store) -> None:
    run(hold(store, "tidy"))
    assert store.get_lock("tidy") is None
