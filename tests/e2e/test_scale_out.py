"""Issue 6, scale-out: the production profile (scripts/run_production.sh) against real PostgreSQL and Redis.

One start per module: PostgreSQL + Redis (tests/e2e/pg_redis.py), then run_production.sh with two Rasa
replicas, two action servers and nginx. Tests talk to nginx (as users do) or to one replica directly
(to choose the replica), and read conversations back through Rasa's tracker API (token-protected, on the
replicas only). The replica-stopping test runs last because it leaves one replica down.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import tempfile
import shutil
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import requests

from pg_redis import PgRedis, start_pg_redis, stop_pg_redis
from servers import ROOT, current_model, free_port, text_of

READY_TIMEOUT = 300


@dataclass
class Production:
    """scripts/run_production.sh, running in the background with its own directory and ports."""

    stores: PgRedis
    workdir: Path
    rasa_ports: List[int] = field(default_factory=lambda: [free_port(), free_port()])
    actions_ports: List[int] = field(default_factory=lambda: [free_port(), free_port()])
    actions_lb_port: int = field(default_factory=free_port)
    public_port: int = field(default_factory=free_port)
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    process: Optional[subprocess.Popen] = None

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.public_port}"

    def replica_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.rasa_ports[index]}"

    def start(self) -> None:
        env = {
            **os.environ, **self.stores.env(),
            "NETGUIDE_PROD_DIR": str(self.workdir),
            "NETGUIDE_SKIP_SETUP": "1",
            "NETGUIDE_MODEL": str(current_model()),
            "NETGUIDE_RASA_PORTS": " ".join(map(str, self.rasa_ports)),
            "NETGUIDE_ACTIONS_PORTS": " ".join(map(str, self.actions_ports)),
            "NETGUIDE_ACTIONS_LB_PORT": str(self.actions_lb_port),
            "NETGUIDE_PUBLIC_PORT": str(self.public_port),
            "NETGUIDE_API_TOKEN": self.token,
            "NETGUIDE_READY_TIMEOUT": str(READY_TIMEOUT),
        }
        log = self.workdir / "run_production.out"
        self.process = subprocess.Popen(
            [str(ROOT / "scripts" / "run_production.sh")], cwd=ROOT, env=env,
            stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + READY_TIMEOUT + 30
        while not (self.workdir / "run" / "ready").exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"run_production.sh did not get ready:\n{log.read_text()[-4000:]}\n{self.logs_tail()}")
            time.sleep(1)

    def logs_tail(self) -> str:
        parts = []
        for path in sorted((self.workdir / "log").glob("*.log")):
            parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-1500:]}")
        return "\n".join(parts)

    def pid_of(self, name: str) -> int:
        return int((self.workdir / "run" / f"{name}.pid").read_text())

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the script stops what it started
            try:
                self.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                pass
        for pid_file in (self.workdir / "run").glob("*.pid"):  # anything left over
            try:
                os.kill(int(pid_file.read_text()), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)

    # -- talking to it --

    def say(self, sender: str, message: str, base: Optional[str] = None, timeout: float = 60) -> requests.Response:
        return requests.post(f"{base or self.public_url}/webhooks/rest/webhook",
                             json={"sender": sender, "message": message}, timeout=timeout)

    def tracker(self, sender: str, replica: int = 0) -> dict:
        response = requests.get(f"{self.replica_url(replica)}/conversations/{sender}/tracker",
                                params={"token": self.token}, timeout=30)
        response.raise_for_status()
        return response.json()

    def health(self, replica: int) -> requests.Response:
        return requests.get(f"{self.replica_url(replica)}/webhooks/health/", timeout=30)


@pytest.fixture(scope="module")
def stores():
    running = start_pg_redis()
    try:
        yield running
    finally:
        stop_pg_redis(running)


@pytest.fixture(scope="module")
def production(stores):
    workdir = Path(tempfile.mkdtemp(prefix="netguide-production-"))
    running = Production(stores=stores, workdir=workdir)
    started = time.monotonic()
    try:
        running.start()
        print(f"\nproduction profile ready in {time.monotonic() - started:.0f} s")
        yield running
    finally:
        running.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def user_texts(tracker: dict) -> List[str]:
    return [event["text"] for event in tracker["events"] if event["event"] == "user"]


def turns(tracker: dict) -> List[tuple]:
    """(user text, bot text of the answers that followed it, before the next user message)."""
    result = []
    for event in tracker["events"]:
        if event["event"] == "user":
            result.append((event["text"], []))
        elif event["event"] == "bot" and result:
            result[-1][1].append(event.get("text") or "")
    return [(user, "\n".join(bot)) for user, bot in result]


# ---------------------------------------------------------------------------------------------------------

def test_every_replica_reports_postgres_and_redis_as_healthy(production):
    for replica in range(len(production.rasa_ports)):
        response = production.health(replica)
        report = response.json()
        assert response.status_code == 200, report
        assert report["tracker_store"]["type"] == "MonitoredSQLTrackerStore", report
        assert report["tracker_store"]["dialect"] == "postgresql", report
        assert report["tracker_store"]["database_reachable"] is True, report
        assert report["lock_store"] == {"type": "AtomicRedisLockStore", "reachable": True}, report


def test_a_conversation_alternating_between_replicas_keeps_its_context(production):
    sender = f"alternate-{uuid.uuid4()}"
    a, b = production.replica_url(0), production.replica_url(1)
    assert production.say(sender, "Ki-67 is 2%", base=a).status_code == 200
    assert production.say(sender, "5 mitoses per 2 mm2", base=b).status_code == 200
    response = production.say(sender, "what grade?", base=a)
    text = text_of(response.json())
    # the grade needs both values: Ki-67 alone says G1, the mitoses given to the other replica make it G2
    # (a failure here was seen once in a fresh-clone CI run and not reproduced: the replicas' logs say whether a
    # turn fell back to memory because the database did not answer)
    assert "Ki-67 2%" in text and re.search(r"Mitoses 5 per 2 mm", text), f"{text}\n{production.logs_tail()}"
    assert "G2" in text, text
    assert user_texts(production.tracker(sender, replica=1)) == ["Ki-67 is 2%", "5 mitoses per 2 mm2", "what grade?"]


def test_the_widget_socketio_works_through_nginx_with_sticky_sessions(production):
    """The web widget's transport (socket.io, engine.io 4 long-polling) through the load balancer."""
    page = requests.get(f"{production.public_url}/", timeout=10)
    assert page.status_code == 200 and "config.js" in page.text, "nginx serves the chat page"
    config = requests.get(f"{production.public_url}/config.js", timeout=10).text
    assert "location.origin" in config, "the page talks to Rasa through the same origin (nginx)"
    base = f"{production.public_url}/socket.io/"
    browser = requests.Session()  # keeps the routing cookie, as a browser does

    def poll(sid: str) -> List[str]:
        response = browser.get(base, params={"EIO": 4, "transport": "polling", "sid": sid}, timeout=40)
        assert response.status_code == 200, response.text
        return response.text.split("\x1e")

    def send(sid: str, packet: str) -> None:
        response = browser.post(base, params={"EIO": 4, "transport": "polling", "sid": sid}, data=packet, timeout=30)
        assert response.status_code == 200 and response.text.lower() == "ok", response.text

    handshake = browser.get(base, params={"EIO": 4, "transport": "polling"}, timeout=30)
    assert handshake.status_code == 200 and handshake.text.startswith("0"), handshake.text
    assert "netguide_route" in browser.cookies, "nginx sets the sticky-session cookie"
    sid = json.loads(handshake.text[1:])["sid"]
    send(sid, "40")
    assert any(packet.startswith("40") for packet in poll(sid))
    session_id = uuid.uuid4().hex
    send(sid, "42" + json.dumps(["session_request", {"session_id": session_id}]))
    assert any("session_confirm" in packet for packet in poll(sid))
    send(sid, "42" + json.dumps(["user_uttered", {"message": "Ki-67 is 12% and 1 mitosis per 2 mm2, what grade?",
                                                  "session_id": session_id}]))
    answers = []
    deadline = time.monotonic() + 60
    while not any("G2" in a for a in answers) and time.monotonic() < deadline:
        for packet in poll(sid):  # every poll is a new HTTP request: all must reach the same replica
            if packet.startswith("42"):
                event, data = json.loads(packet[2:])[:2]
                if event == "bot_uttered":
                    answers.append(data.get("text") or "")
    assert any("G2" in a and "Ki-67 12%" in a for a in answers), answers
    # the conversation is stored like any other (socketio uses the session id as the conversation id);
    # socketio sends the answers before Rasa saves the turn, so give the save a moment
    deadline = time.monotonic() + 15
    while "Ki-67 is 12% and 1 mitosis per 2 mm2, what grade?" not in user_texts(production.tracker(session_id)):
        assert time.monotonic() < deadline, production.tracker(session_id)["events"]
        time.sleep(0.5)


def test_concurrent_messages_to_one_conversation_are_answered_in_order_once_each(production):
    sender = f"concurrent-{uuid.uuid4()}"
    values = [4, 6, 7, 8, 9, 11, 13, 17]  # all G2, none equal to a cut-off printed in the answer (3, 20)
    messages = {value: f"Ki-67 is {value}%, what grade?" for value in values}
    with ThreadPoolExecutor(max_workers=len(values)) as pool:
        responses = dict(zip(values, pool.map(lambda v: production.say(sender, messages[v]), values)))
    for value, response in responses.items():
        assert response.status_code == 200, response.text
        assert f"Ki-67 {value}%" in text_of(response.json()), f"the answer to Ki-67 {value}% is its own"
    conversation = turns(production.tracker(sender))
    assert sorted(user for user, _ in conversation) == sorted(messages.values()), "each message stored once"
    for user, bot in conversation:  # each answer follows its own question: nothing interleaved
        value = int(re.search(r"Ki-67 is (\d+)%", user).group(1))
        assert {int(v) for v in re.findall(r"Ki-67 (\d+)%", bot)} == {value}, (user, bot[:300])


def test_a_postgres_outage_is_reported_and_conversations_resume_in_postgres(production, stores):
    sender = f"outage-{uuid.uuid4()}"
    a, b = production.replica_url(0), production.replica_url(1)
    assert production.say(sender, "Ki-67 is 2%", base=a).status_code == 200
    stores.stop_postgres()
    try:
        during = production.say(sender, "5 mitoses per 2 mm2", base=a)
        assert during.status_code == 200 and during.json(), "users still get answers during the outage"
        report = production.health(0)
        assert report.status_code == 503, report.text
        tracker_report = report.json()["tracker_store"]
        assert tracker_report["fallen_back_to_memory"] is True, tracker_report
        assert tracker_report["database_reachable"] is False, tracker_report
        assert tracker_report["saves_not_persisted"] >= 1, tracker_report
        quiet = production.health(1)  # no traffic on this replica: the live probe still notices
        assert quiet.status_code == 503 and quiet.json()["tracker_store"]["database_reachable"] is False, quiet.text
    finally:
        stores.start_postgres()
    for replica in range(2):
        report = production.health(replica)
        assert report.status_code == 200, report.text
        assert report.json()["tracker_store"]["last_recovery_at"] is not None, report.text
    after = text_of(production.say(sender, "what grade?", base=b).json())
    assert "Ki-67 2%" in after, "the conversation resumes from PostgreSQL with its context"
    after_a = text_of(production.say(sender, "and with 1 mitosis per 2 mm2?", base=a).json())
    assert "Ki-67 2%" in after_a, "replica A also resumes from PostgreSQL, not from its in-memory copy"
    stored = stores.sql(
        f"SELECT data::json->>'text' FROM events WHERE sender_id = '{sender}' AND type_name = 'user' ORDER BY id"
    ).splitlines()
    # the turn during the outage was answered but not persisted (reported as saves_not_persisted above)
    assert stored == ["Ki-67 is 2%", "what grade?", "and with 1 mitosis per 2 mm2?"], stored


def test_stopping_one_replica_under_load_loses_no_acknowledged_message(production):
    senders = [f"load-{i}-{uuid.uuid4()}" for i in range(4)]
    per_sender = 8
    stop_after = threading.Event()
    acknowledged: Dict[str, List[str]] = {s: [] for s in senders}
    failed: Dict[str, List[str]] = {s: [] for s in senders}
    after_stop_ok: List[bool] = []

    def conversation(sender: str) -> None:
        for i in range(per_sender):
            message = f"Ki-67 is {4 + i}%, what grade?"
            stopped = stop_after.is_set()
            try:
                response = production.say(sender, message)
                ok = response.status_code == 200 and f"Ki-67 {4 + i}%" in text_of(response.json())
            except requests.RequestException:
                ok = False
            (acknowledged if ok else failed)[sender].append(message)
            if stopped:
                after_stop_ok.append(ok)

    with ThreadPoolExecutor(max_workers=len(senders)) as pool:
        futures = [pool.submit(conversation, s) for s in senders]
        while sum(len(v) for v in acknowledged.values()) < len(senders) * 2:
            time.sleep(0.1)
        os.kill(production.pid_of(f"rasa-{production.rasa_ports[1]}"), signal.SIGTERM)  # stop replica B
        stop_after.set()
        for future in futures:
            future.result(timeout=240)

    assert after_stop_ok and all(after_stop_ok), f"the other replica carries on: {failed}"
    assert sum(len(v) for v in failed.values()) <= len(senders), f"at most the in-flight messages fail: {failed}"
    for sender in senders:
        stored = user_texts(production.tracker(sender, replica=0))
        for message in acknowledged[sender]:
            assert message in stored, f"acknowledged message lost: {sender} {message}"
    assert production.health(0).status_code == 200
