"""Issue 19, a replica that dies: after a SIGKILL of one Rasa replica under load (what an out-of-memory kill
does), the other replica answers every conversation within the lock lifetime (5 s, scripts/run_production.sh),
not after Rasa's default 60 s, and no acknowledged message is lost.

Its own production profile (the SIGTERM test in test_scale_out.py leaves a replica down): PostgreSQL + Redis,
two Rasa replicas, two action servers and nginx.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List

import requests

from servers import text_of
from test_scale_out import production, stores, user_texts  # noqa: F401 - module fixtures, started once here

LOCK_LIFETIME_S = 5
# a turn sent after the kill may wait for the dead replica's lock to run out, then takes its own time
LONGEST_WAIT_S = LOCK_LIFETIME_S + 1.5


def answered_on_both_replicas(production) -> bool:  # noqa: F811
    """Both replicas and the action servers behind them answer (the profile is up before the load starts)."""
    return all("Ki-67 3%" in text_of(production.say(f"warm-{i}-{uuid.uuid4()}", "Ki-67 3%, grade?",
                                                    base=production.replica_url(i)).json())
               for i in range(len(production.rasa_ports)))


def test_a_killed_replica_holds_no_conversation_longer_than_the_lock_lifetime(production):  # noqa: F811
    deadline = time.monotonic() + 120
    while not answered_on_both_replicas(production):
        assert time.monotonic() < deadline, "the production profile did not answer on both replicas"
        time.sleep(1)
    senders = [f"crash-{i}-{uuid.uuid4()}" for i in range(6)]
    per_sender = 8
    killed = threading.Event()
    acknowledged: Dict[str, List[str]] = {s: [] for s in senders}
    waits_after_kill: List[float] = []
    failed: List[str] = []

    def conversation(sender: str) -> None:
        for i in range(per_sender):
            message = f"Ki-67 is {4 + i}%, what grade?"
            after_kill = killed.is_set()
            started = time.monotonic()
            try:
                response = production.say(sender, message, timeout=90)
                ok = response.status_code == 200 and f"Ki-67 {4 + i}%" in text_of(response.json())
            except requests.RequestException:
                ok = False
            if after_kill and ok:
                waits_after_kill.append(time.monotonic() - started)
            (acknowledged[sender] if ok else failed).append(message)

    with ThreadPoolExecutor(max_workers=len(senders)) as pool:
        futures = [pool.submit(conversation, s) for s in senders]
        while sum(len(v) for v in acknowledged.values()) < len(senders) * 2:
            time.sleep(0.05)
        os.kill(production.pid_of(f"rasa-{production.rasa_ports[1]}"), signal.SIGKILL)  # replica B dies at once
        killed.set()
        for future in futures:
            future.result(timeout=240)

    assert waits_after_kill, "turns were answered after the kill"
    assert max(waits_after_kill) <= LONGEST_WAIT_S, (
        f"a turn waited {max(waits_after_kill):.1f} s for a dead replica's lock (lifetime {LOCK_LIFETIME_S} s)")
    assert len(failed) <= len(senders), f"at most the in-flight messages fail: {failed}\n{production.logs_tail()}"
    for sender in senders:
        stored = user_texts(production.tracker(sender, replica=0))
        for message in acknowledged[sender]:
            assert message in stored, f"acknowledged message lost: {sender} {message}"
