"""Faults against the real servers: the action server down or frozen, and bad start-up inputs.

- Action server stopped: the user gets `utter_action_unavailable`, the Rasa server stays up, answers
  resume when it is back.
- Action server frozen (SIGSTOP: it accepts connections and never answers): the user gets the same
  message after NETGUIDE_ACTION_TIMEOUT seconds instead of Rasa's 300 s.
- Tracker store unreachable, model or knowledge base missing or invalid: the launcher stops with one
  line naming the store and its address, or the file; no traceback.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from servers import ROOT, VENV_ACTIONS, VENV_RASA, Servers, current_model, free_port, text_of

ACTION_TIMEOUT_S = 3
UNAVAILABLE = "computation service is unavailable"
QUESTION = "Ki-67 is 12% and 1 mitosis per 2 mm2, what grade?"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    running = Servers(workdir=tmp_path_factory.mktemp("faults"), extra_env={"NETGUIDE_ACTION_TIMEOUT": str(ACTION_TIMEOUT_S)})
    with running.running():  # stop() also resumes a frozen action server
        yield running


def test_action_server_down_gives_a_short_message_and_answers_resume(servers):
    sender = f"fault-{uuid.uuid4()}"
    assert "G2" in text_of(servers.say(sender, QUESTION))
    servers.stop_actions()
    try:
        replies = servers.say(sender, "what if Ki-67 were 25%?")
        text = text_of(replies)
        assert UNAVAILABLE in text, text
        assert "Traceback" not in text and "webhook" not in text and "127.0.0.1" not in text
        assert servers.rasa_process.poll() is None, "the Rasa server stays up"
        assert UNAVAILABLE in text_of(servers.say(f"fault-new-{uuid.uuid4()}", QUESTION))
    finally:
        servers.start_actions()
    text = text_of(servers.say(sender, "what if Ki-67 were 25%?"))
    assert "G3" in text, text[:300]  # the case from before the fault is still there


def test_frozen_action_server_times_out_quickly_and_recovers(servers):
    sender = f"fault-{uuid.uuid4()}"
    pid = servers.actions_process.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        text = text_of(servers.say(sender, QUESTION, timeout=60))
        elapsed = time.monotonic() - started
        assert UNAVAILABLE in text, text
        assert ACTION_TIMEOUT_S - 0.5 <= elapsed < ACTION_TIMEOUT_S + 10, elapsed
    finally:
        os.kill(pid, signal.SIGCONT)
    assert "G2" in text_of(servers.say(sender, QUESTION))


# --- start-up faults: only the launchers run; they stop before loading the model --------------------


def launch_rasa(tmp_path: Path, endpoints: str, model: str, extra_env=None) -> subprocess.CompletedProcess:
    (tmp_path / "endpoints.yml").write_text(endpoints)
    env = dict(os.environ, PYTHONPATH=str(ROOT), NETGUIDE_ACTIONS_PORT="5999", NETGUIDE_STORE_WAIT="2", **(extra_env or {}))
    return subprocess.run(
        [str(VENV_RASA / "bin" / "python"), "-m", "bot.channels.rasa_server", "run", "--model", model,
         "--endpoints", str(tmp_path / "endpoints.yml"), "--credentials", str(ROOT / "credentials.yml"),
         "--port", str(free_port())],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


ACTIONS_ENDPOINT = "action_endpoint:\n  url: http://127.0.0.1:${NETGUIDE_ACTIONS_PORT}/webhook\n"


@pytest.mark.parametrize("store, expected", [
    pytest.param("tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: 127.0.0.1\n  port: {port}\n  db: rasa\n"
                 "  username: rasa\n  password: secret-pw\n",
                 r"cannot reach the tracker store \(SQL, postgresql://rasa:\*\*\*@127\.0\.0\.1:{port}/rasa\)", id="postgres-down"),
    pytest.param("tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: /nonexistent-netguide/dir/tracker.db\n",
                 r"cannot open the tracker store \(SQL, sqlite:////nonexistent-netguide/dir/tracker\.db\): "
                 r"the folder /nonexistent-netguide/dir does not exist", id="sqlite-folder-missing"),
    pytest.param("tracker_store:\n  type: redis\n  url: 127.0.0.1\n  port: {port}\n",
                 r"cannot reach the tracker store \(Redis, redis://127\.0\.0\.1:{port}/0\)", id="redis-down"),
])
def test_unreachable_tracker_store_stops_the_start_with_its_name_and_address(tmp_path, store, expected):
    import re

    port = free_port()  # nothing listens here
    done = launch_rasa(tmp_path, ACTIONS_ENDPOINT + store.format(port=port), str(current_model()))
    assert done.returncode == 2, done.stderr[-2000:]
    assert re.search(expected.format(port=port), done.stderr), done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "secret-pw" not in done.stderr


@pytest.mark.parametrize("model, expected", [
    ("missing", "the model file {path} does not exist; run `make setup`"),
    ("garbage", "the model file {path} is not a readable Rasa model"),
])
def test_missing_or_invalid_model_stops_the_start_naming_the_file(tmp_path, model, expected):
    path = tmp_path / f"{model}.tar.gz"
    if model == "garbage":
        path.write_bytes(b"\x1f\x8b garbage")
    done = launch_rasa(tmp_path, ACTIONS_ENDPOINT, str(path))
    assert done.returncode == 2 and expected.format(path=path) in done.stderr, done.stderr[-2000:]
    assert "Traceback" not in done.stderr


def test_api_without_token_is_refused(tmp_path):
    done = launch_rasa(tmp_path, ACTIONS_ENDPOINT, str(current_model()), {"NETGUIDE_ENABLE_API": "1", "NETGUIDE_API_TOKEN": ""})
    assert done.returncode == 2 and "NETGUIDE_API_TOKEN" in done.stderr, done.stderr[-2000:]


def launch_actions(tmp_path: Path, **env) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), NETGUIDE_AUDIT_DIR=str(tmp_path / "audit"), **env)
    return subprocess.run([str(VENV_ACTIONS / "bin" / "python"), "-m", "actions.server", "--port", str(free_port())],
                          cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120)


def copy_knowledge(tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", target)
    return target


@pytest.mark.parametrize("damage, expected", [
    ("missing-folder", "the knowledge folder {kb} does not exist"),
    ("statement-without-fields", "the knowledge base is invalid: knowledge/statements/{file}: id 'broken-statement'"),
    ("not-yaml", "the knowledge base is invalid: knowledge/statements/{file}"),
    ("sources-missing", "the knowledge base is invalid: knowledge/sources.yml"),
])
def test_missing_or_invalid_knowledge_base_stops_the_action_server_naming_the_file(tmp_path, damage, expected):
    kb = copy_knowledge(tmp_path)
    target = sorted((kb / "statements").glob("*.yml"))[0]
    if damage == "missing-folder":
        import shutil

        shutil.rmtree(kb)
    elif damage == "statement-without-fields":
        target.write_text(target.read_text() + "\n  - id: broken-statement\n")
    elif damage == "not-yaml":
        target.write_text("statements: [unclosed\n  - : :\n")
    else:
        (kb / "sources.yml").unlink()
    done = launch_actions(tmp_path, NETGUIDE_KNOWLEDGE_DIR=str(kb))
    assert done.returncode == 2, (done.stdout[-1000:], done.stderr[-2000:])
    assert expected.format(kb=kb, file=target.name) in done.stderr, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
