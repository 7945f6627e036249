"""Security of the default runtime, against the real servers started by the same launchers as `make run`:
localhost only, the HTTP API only with a token, CORS only for the widget origin, no message text in the
logs at the default level, and an audit trail that `python -m bot audit` prints.
"""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
import requests

from servers import ROOT, Servers, text_of

TOKEN = "netguide-test-token-" + uuid.uuid4().hex
WIDGET_ORIGIN = "http://127.0.0.1:8765"
SECRET_WORDS = "zebracanary"  # a word that appears only in what the user typed


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    running = Servers(workdir=tmp_path_factory.mktemp("security"), extra_env={
        "NETGUIDE_ENABLE_API": "1", "NETGUIDE_API_TOKEN": TOKEN, "NETGUIDE_CORS_ORIGIN": WIDGET_ORIGIN,
        "NETGUIDE_HOST": ""})
    with running.running():
        yield running


def listening_addresses(port: int) -> set:
    """Local addresses with a listening TCP socket on `port`, from /proc/net/tcp{,6}."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:  # 0A = LISTEN
                found.add(address)
    return found


def test_both_servers_listen_on_localhost_only(servers):
    loopback = {"0100007F", "00000000000000000000000001000000"}
    for port in (servers.rasa_port, servers.actions_port):
        addresses = listening_addresses(port)
        assert addresses and addresses <= loopback, (port, addresses)


def test_api_needs_the_token(servers):
    assert requests.get(f"{servers.rasa_url}/status", timeout=10).status_code == 401
    assert requests.get(f"{servers.rasa_url}/status", params={"token": "wrong-token-123456"}, timeout=10).status_code == 401
    assert requests.get(f"{servers.rasa_url}/status", params={"token": TOKEN}, timeout=10).status_code == 200


def test_cors_allows_only_the_widget_origin(servers):
    url = f"{servers.rasa_url}/webhooks/rest/"
    allowed = requests.get(url, headers={"Origin": WIDGET_ORIGIN}, timeout=10)
    assert allowed.headers.get("Access-Control-Allow-Origin") == WIDGET_ORIGIN
    other = requests.get(url, headers={"Origin": "https://evil.example"}, timeout=10)
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = requests.options(f"{servers.rasa_url}/webhooks/rest/webhook", timeout=10, headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert preflight.headers.get("Access-Control-Allow-Origin") in (None, "")


def test_logs_hold_no_message_text_and_the_audit_trail_names_statements_rules_and_kb_version(servers):
    sender = f"sec-{uuid.uuid4()}"
    typed = [f"Ki-67 is 12% and 1 mitosis per 2 mm2 in my {SECRET_WORDS}, what grade?",
             f"{SECRET_WORDS} unknown primary with liver mets, what stage?",
             f"{SECRET_WORDS} " * 600]  # over the limit: refused, and still not logged
    replies = [text_of(servers.say(sender, message)) for message in typed]
    assert "G2" in replies[0] and "limit" in replies[2]

    for log in (servers.rasa_log, servers.actions_log):
        content = log.read_text(errors="replace")
        assert SECRET_WORDS not in content, f"message text in {log.name}"
        assert "mitosis per 2 mm2" not in content, f"message text in {log.name}"

    done = subprocess.run([sys.executable, "-m", "bot", "audit", sender, "--dir", str(servers.audit_dir)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "2 answer(s)" in done.stdout, done.stdout  # the refused message is no answer
    assert "WHO2019-GEP-KI67" in done.stdout and "grading_gep." in done.stdout
    assert "knowledge base version: " in done.stdout and SECRET_WORDS not in done.stdout
