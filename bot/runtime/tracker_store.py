"""An SQL tracker store that notices, reports and recovers from database outages.

Rasa wraps every tracker store in a `FailSafeTrackerStore`. When the database fails at run time it logs
an error, `retrieve` returns None (the conversation silently restarts without its context) and `save`
writes to an in-memory store that is never read again. Worse, when the database comes back between the
failed `retrieve` and the `save`, Rasa's count-based `save` appends the events of the fresh tracker after
the stored ones and corrupts the stored conversation.

This store handles its own errors so that the fail-safe never triggers:
- every failure and recovery is recorded in `self.health` (read by the health route, bot/runtime/health.py);
- while the database is down, a conversation continues from memory on this replica, from the outage on;
- a conversation touched during the outage is written to memory only until its next successful
  `retrieve`, so a tracker born in memory is never merged into the stored one; its in-memory turns are
  counted as not persisted and dropped, and the conversation resumes from the database with its context;
- start-up waits a bounded time for the database, then stops with an error that names the store and
  its URL (the password masked) instead of Rasa's endless retry loop;
- `pool_pre_ping` replaces connections that died with a database restart, so no request fails on them.

It is also the default single-machine store (SQLite, endpoints.yml), and it makes a turn cheaper than
Rasa's SQLTrackerStore, which rebuilds the tracker from every stored event on each message and counts the
stored events again before each save (bench/profile_turns.py: about 30 % of the Rasa server's CPU):
- the trackers this process saved last are kept in memory (least recently used out first once they hold
  more than NETGUIDE_TRACKER_CACHE_EVENTS events together, default 20,000: some tens of MB, as answers
  are a few KB each); `retrieve` asks the database only how many events
  the conversation has and reuses the kept tracker when nothing was added since (another replica, or a
  turn that failed before its save, changes the count or the tracker, and the tracker is rebuilt);
- the kept tracker holds the latest turns of the conversation and the slots the older ones left
  (bot/runtime/tracker_window.py), so Rasa's per-turn walks over the events cost the same at turn 500 as
  at turn 20; the database keeps every event, and a rebuilt tracker is windowed the same way;
- `save` inserts only the events added since the last save, in one statement;
- SQLite keeps its connections open and writes in WAL mode with synchronous=NORMAL (committed turns
  survive a crash of the server; the last turns before a power cut may be lost).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Iterable, Optional, Set, Text

import sqlalchemy as sa
import sqlalchemy.exc
from rasa.core.tracker_store import (
    InMemoryTrackerStore,
    SQLTrackerStore,
    TrackerStore,
    create_engine_kwargs,
    validate_port,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.runtime import tracker_window

logger = logging.getLogger(__name__)

# What a database outage raises: SQLAlchemy errors (connection refused, server closed the connection,
# admin shutdown) and plain OS errors from the driver.
DATABASE_ERRORS = (sqlalchemy.exc.SQLAlchemyError, OSError)


DEFAULT_KEPT_EVENTS = 20_000


@dataclass
class _KeptTracker:
    """A tracker as this process last saved it, and how many rows its conversation had then."""

    tracker: DialogueStateTracker
    saved_events: int  # len(tracker.events) at the save
    stored_rows: int  # rows of this conversation in the database after the save (all sessions)


@dataclass
class StoreHealth:
    """What the health route shows about the tracker store of this replica."""

    store: str
    url: str  # password masked
    database_ok: bool = True
    failures: int = 0
    saves_not_persisted: int = 0
    last_error: Optional[str] = None
    last_failure_at: Optional[float] = None
    last_recovery_at: Optional[float] = None
    conversations_in_memory: Set[str] = field(default_factory=set)

    def as_dict(self) -> Dict[str, Any]:
        data = asdict(self)
        # conversations touched during an outage, still waiting for their next message to resume from the
        # database (their outage turns are then dropped: counted in saves_not_persisted)
        data["conversations_in_memory"] = len(self.conversations_in_memory)
        data["fallen_back_to_memory"] = not self.database_ok
        return data


class MonitoredSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` with recorded fallback and recovery (see the module docstring)."""

    def __init__(
        self,
        domain=None,
        dialect: Text = "sqlite",
        host: Optional[Text] = None,
        port: Optional[int] = None,
        db: Text = "rasa.db",
        username: Optional[Text] = None,
        password: Optional[Text] = None,
        event_broker=None,
        login_db: Optional[Text] = None,
        query: Optional[Dict] = None,
        connect_timeout: int = 5,
        startup_timeout: float = 60,
        **kwargs: Any,
    ) -> None:
        # Not calling SQLTrackerStore.__init__: it retries forever when the database is down.
        engine_url = self.get_db_url(dialect, host, validate_port(port), db, username, password, login_db, query)
        engine_kwargs = create_engine_kwargs(engine_url)
        if dialect.startswith("postgresql"):
            connect_args = dict(engine_kwargs.get("connect_args", {}))
            connect_args.setdefault("connect_timeout", int(connect_timeout))
            engine_kwargs["connect_args"] = connect_args
        if dialect == "sqlite":
            # SQLAlchemy 1.4 opens a new SQLite connection per session (NullPool); keep a few open instead.
            # Rasa runs every store call on its event-loop thread, the pool hands a connection to one at a time.
            engine_kwargs.update(poolclass=sa.pool.QueuePool, pool_size=2, max_overflow=2,
                                 connect_args={"check_same_thread": False})
        self.engine = sa.create_engine(engine_url, pool_pre_ping=True, **engine_kwargs)
        if dialect == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_write_ahead_log)
        masked_url = repr(self.engine.url)  # SQLAlchemy masks the password as ***
        self._wait_for_database(masked_url, float(startup_timeout))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        TrackerStore.__init__(self, domain, event_broker, **kwargs)
        self.health = StoreHealth(store=type(self).__name__, url=masked_url)
        self._memory = InMemoryTrackerStore(self.domain)
        self._health_lock = threading.Lock()
        self._kept: "OrderedDict[str, _KeptTracker]" = OrderedDict()
        self._kept_events_max = int(os.environ.get("NETGUIDE_TRACKER_CACHE_EVENTS") or DEFAULT_KEPT_EVENTS)
        self._kept_events = 0  # events held by the kept trackers together
        # the kept trackers hold their latest turns only (0: all of them)
        self._window = tracker_window.keep_turns() if tracker_window.enabled() else 0
        self._table = self.SQLEvent.__table__
        self._new_conversations: Set[str] = set()  # retrieved with no stored row, not saved yet
        logger.info(f"Tracker store {type(self).__name__} connected to {masked_url}.")

    def _wait_for_database(self, masked_url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.Base.metadata.create_all(self.engine)
                return
            except (sqlalchemy.exc.ProgrammingError, sqlalchemy.exc.IntegrityError) as error:
                # another replica created the tables at the same moment: fine
                logger.debug(f"Tables created concurrently: {error}")
                return
            except DATABASE_ERRORS as error:
                if time.monotonic() >= deadline:
                    _exit_with_message(
                        f"Cannot connect to the tracker store {type(self).__name__} at {masked_url} "
                        f"after {timeout:.0f} s: {_first_line(error)}. Start the database (for the production "
                        f"profile: deploy/postgres.sh start) or correct tracker_store in the endpoints file."
                    )
                logger.warning(f"Waiting for the tracker store database at {masked_url}: {_first_line(error)}")
                time.sleep(2)

    @property
    def domain(self):
        return self._domain

    @domain.setter
    def domain(self, domain) -> None:
        from rasa.shared.core.domain import Domain

        self._domain = domain or Domain.empty()
        memory = getattr(self, "_memory", None)
        if memory is not None:
            memory.domain = self._domain

    # -- state changes, recorded once per transition so the log is not flooded during an outage --

    def _failed(self, operation: str, error: BaseException) -> None:
        with self._health_lock:
            self.health.failures += 1
            self.health.last_error = f"{type(error).__name__}: {_first_line(error)}"
            self.health.last_failure_at = time.time()
            if self.health.database_ok:
                logger.error(
                    f"Tracker store database {self.health.url} failed during {operation}; conversations continue "
                    f"in memory on this replica and are NOT persisted until it is back. Error: {self.health.last_error}"
                )
            self.health.database_ok = False

    def _succeeded(self) -> None:
        if self.health.database_ok:
            return
        with self._health_lock:
            if not self.health.database_ok:
                self.health.database_ok = True
                self.health.last_recovery_at = time.time()
                logger.warning(f"Tracker store database {self.health.url} is reachable again.")

    async def _reclaim(self, sender_id: Text) -> None:
        """The database answered for this conversation: forget its in-memory copy (the turns from the outage)."""
        if sender_id in self.health.conversations_in_memory:
            self.health.conversations_in_memory.discard(sender_id)
            self._memory.store.pop(sender_id, None)
            logger.warning(f"Conversation resumes from the database; its turns during the outage were not persisted.")

    # -- the TrackerStore interface --

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        try:
            tracker = self._retrieve_kept_or_stored(sender_id)
        except DATABASE_ERRORS as error:
            self._forget(sender_id)
            self._failed("retrieve", error)
            self.health.conversations_in_memory.add(sender_id)
            return await self._memory.retrieve(sender_id)
        self._succeeded()
        await self._reclaim(sender_id)
        return tracker

    def _retrieve_kept_or_stored(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        stored_rows = self._count_rows(sender_id)
        kept = self._kept.get(sender_id)
        if (kept is not None and kept.stored_rows == stored_rows
                and len(kept.tracker.events) == kept.saved_events):
            self._kept.move_to_end(sender_id)
            return self._kept_window(kept.tracker, stored_rows)
        self._forget(sender_id)
        if stored_rows == 0:
            self._new_conversations.add(sender_id)
            return None
        tracker = self._rebuild(sender_id)
        if tracker is not None:
            tracker = self._kept_window(tracker, stored_rows)
        return tracker

    def _kept_window(self, tracker: DialogueStateTracker, stored_rows: int) -> DialogueStateTracker:
        """Keep the tracker, cut to its latest turns once it has twice as many (bot/runtime/tracker_window.py),
        and return what is kept: Rasa works on, and saves, that very object."""
        if self._window:
            window = tracker_window.windowed(tracker, self.domain.slots, self._window)
            if window is not tracker:
                return self._keep(window, stored_rows)
        kept = self._kept.get(tracker.sender_id)
        if kept is None or kept.tracker is not tracker:
            return self._keep(tracker, stored_rows)
        return tracker

    def _rebuild(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The tracker of the latest session from the stored events (what SQLTrackerStore.retrieve does)."""
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
            events = [json.loads(row.data) for row in rows]
        if not (self.domain and events):
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    def _count_rows(self, sender_id: Text) -> int:
        table = self._table
        query = sa.select(sa.func.count()).select_from(table).where(table.c.sender_id == sender_id)
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar() or 0)

    def _keep(self, tracker: DialogueStateTracker, stored_rows: int) -> DialogueStateTracker:
        self._forget(tracker.sender_id)
        kept = _KeptTracker(tracker, len(tracker.events), stored_rows)
        self._kept[tracker.sender_id] = kept
        self._kept_events += kept.saved_events
        while self._kept_events > self._kept_events_max and len(self._kept) > 1:
            _, oldest = self._kept.popitem(last=False)
            self._kept_events -= oldest.saved_events
        return tracker

    def _forget(self, sender_id: Text) -> None:
        kept = self._kept.pop(sender_id, None)
        if kept is not None:
            self._kept_events -= kept.saved_events
        self._new_conversations.discard(sender_id)

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        try:
            tracker = await super().retrieve_full_tracker(conversation_id)
        except DATABASE_ERRORS as error:
            self._failed("retrieve_full_tracker", error)
            return await self._memory.retrieve_full_tracker(conversation_id)
        self._succeeded()
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        if tracker.sender_id in self.health.conversations_in_memory:
            # this tracker was built from memory (or from nothing) during the outage: merging it into the
            # stored conversation would corrupt it, so it stays in memory until the next good retrieve
            await self._save_in_memory(tracker)
            return
        try:
            await self.stream_events(tracker)
            self._insert_new_events(tracker)
        except DATABASE_ERRORS as error:
            self._forget(tracker.sender_id)
            self._failed("save", error)
            self.health.conversations_in_memory.add(tracker.sender_id)
            await self._save_in_memory(tracker)
            return
        self._succeeded()

    def _insert_new_events(self, tracker: DialogueStateTracker) -> None:
        """Append the tracker's events the database does not have yet, in one transaction."""
        kept = self._kept.get(tracker.sender_id)
        if kept is not None and kept.tracker is tracker:
            new_events = list(tracker.events)[kept.saved_events:]
            stored_rows = kept.stored_rows
        elif tracker.sender_id in self._new_conversations:
            # retrieve found no row for it a moment ago, under the same conversation lock
            new_events, stored_rows = list(tracker.events), 0
        else:
            # a tracker this process did not retrieve (e.g. a new conversation): Rasa's rule, the events
            # after the ones stored for the latest session
            with self.session_scope() as session:
                new_events = list(self._additional_events(session, tracker))
            stored_rows = self._count_rows(tracker.sender_id)
        self._new_conversations.discard(tracker.sender_id)
        rows = [_row(tracker.sender_id, event) for event in new_events]
        if rows:
            with self.engine.begin() as connection:
                connection.execute(self._table.insert(), rows)
        self._keep(tracker, stored_rows + len(rows))

    async def _save_in_memory(self, tracker: DialogueStateTracker) -> None:
        self.health.saves_not_persisted += 1
        await self._memory.save(tracker)

    async def keys(self) -> Iterable[Text]:
        try:
            keys = await super().keys()
        except DATABASE_ERRORS as error:
            self._failed("keys", error)
            return list(await self._memory.keys())
        self._succeeded()
        return keys

    # -- for the health route --

    def probe(self) -> bool:
        """Ask the database right now (SELECT 1); record the result."""
        try:
            with self.engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
        except DATABASE_ERRORS as error:
            self._failed("health probe", error)
            return False
        self._succeeded()
        return True


def _row(sender_id: Text, event: Any) -> Dict[str, Any]:
    """One events-table row, with the same columns SQLTrackerStore.save writes."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def _sqlite_write_ahead_log(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _exit_with_message(message: str) -> None:
    """Stop the server with one clear line. Raising here (even SystemExit) makes Sanic print the whole
    chained traceback of the driver error under "Experienced exception while trying to serve"."""
    import rasa.shared.utils.cli

    logger.error(message)
    rasa.shared.utils.cli.print_error(message)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
