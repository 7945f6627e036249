"""A Redis lock store whose ticket operations are atomic across Rasa replicas.

Rasa 3.6's `RedisLockStore` keeps each conversation's ticket lock as one JSON value and changes it by
read-modify-write (`issue_ticket`, `update_lock`, `cleanup`). Inside one process that is safe (no await
in between), across replicas it is not: two replicas can read the same lock, both add a ticket and write
back, and both then process the same conversation at once. With the SQL tracker store the later save
then skips the other's events, so an answered message disappears from the conversation. This is Rasa
issue #9213; the fix (`ConcurrentRedisLockStore`) was reverted from Rasa Open Source. The scale-out
test `test_concurrent_messages_to_one_conversation_are_answered_in_order_once_each` caught it here.

Each read-modify-write now runs under a short Redis mutex (redis-py's `Lock`: SET NX PX with a token,
released by a Lua compare-and-delete), one per conversation. The ticket protocol itself is Rasa's.

A replica that dies (SIGKILL, out of memory) leaves its ticket behind; the others wait until it runs out, so
the lifetime is short (TICKET_LOCK_LIFETIME, 5 s in the production profile). A live replica's ticket is
renewed while it waits and while it works (`_keep_alive`), so a short lifetime never takes a ticket from a
replica that is alive. Without the renewal Rasa's own protocol can wait forever: when a waiting ticket runs out
in the same poll as the dead one ahead of it, no ticket is left, `now_serving` falls back to 0 and the waiter's
number never comes up.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Text

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

# A replica killed inside a ticket operation leaves its mutex behind until it expires: short, so a dead replica
# delays the others by at most this (the operations take milliseconds); waiting for a live one may take longer.
MUTEX_EXPIRY_S = 2
MUTEX_WAIT_S = 10
MUTEX_POLL_S = 0.005


class AtomicRedisLockStore(RedisLockStore):
    """`RedisLockStore` with atomic ticket operations (configure with `type: bot.runtime.lock_store.AtomicRedisLockStore`)."""

    def __init__(self, endpoint_config: EndpointConfig = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # how Rasa builds a custom lock store
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def _mutex(self, conversation_id: Text):
        return self.red.lock(
            "mutex:" + self.key_prefix + conversation_id,
            timeout=MUTEX_EXPIRY_S, sleep=MUTEX_POLL_S, blocking_timeout=MUTEX_WAIT_S,
        )

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        """Rasa's ticket lock, with this replica's ticket renewed for as long as it waits and works."""
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        keeper = asyncio.ensure_future(self._keep_alive(conversation_id, ticket, lock_lifetime))
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            keeper.cancel()
            self.cleanup(conversation_id, ticket)

    async def _keep_alive(self, conversation_id: Text, ticket: int, lifetime: float) -> None:
        while True:
            await asyncio.sleep(lifetime / 3)
            self.renew_ticket(conversation_id, ticket, lifetime)

    def renew_ticket(self, conversation_id: Text, ticket: int, lifetime: float) -> None:
        """Push the expiry of a live ticket forward (a ticket that ran out meanwhile takes its place again)."""
        with self._mutex(conversation_id):
            lock = self.get_lock(conversation_id)
            if lock is None:
                return
            own = next((t for t in lock.tickets if t.number == ticket), None)
            if own is None:
                lock.tickets.append(Ticket(ticket, time.time() + lifetime))
                lock.tickets.sort(key=lambda t: t.number)
            else:
                own.expires = time.time() + lifetime
            self.save_lock(lock)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: Text) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            super().finish_serving(conversation_id, ticket_number)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # one atomic step: drop our ticket, then delete the lock only if nobody else is waiting
        with self._mutex(conversation_id):
            lock = self.get_lock(conversation_id)
            if lock is None:
                return
            lock.remove_ticket_for(ticket_number)
            if lock.is_someone_waiting():
                self.save_lock(lock)
            else:
                self.delete_lock(conversation_id)
