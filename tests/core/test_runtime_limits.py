"""Input limits and start-up refusals that need no server: the message rule and the Rasa launcher's options.

bot/channels/message_limits.py and the option handling in bot/channels/rasa_server.py import no Rasa at
module level, so they are tested here, in the actions venv.
"""

from __future__ import annotations

import gzip
import io
import tarfile

import pytest

from bot.channels.message_limits import DEFAULT_MAX_MESSAGE_CHARS, check_message, clean_text, valid_sender
from bot.channels.rasa_server import StartupError, check_model, rasa_arguments

LIMIT = DEFAULT_MAX_MESSAGE_CHARS


@pytest.mark.parametrize("raw, cleaned", [
    ("  Ki-67 12%  ", "Ki-67 12%"),
    ("Ki-67\x00 12%\x07", "Ki-67 12%"),
    ("a\r\nb\rc", "a\nb\nc"),
    ("left\u202eright", "leftright"),  # bidi override removed
    ("\ufeffhello", "hello"),
    ("bad \ud800 surrogate", "bad \ufffd surrogate"),
    ("e\u0301", "\u00e9"),  # NFC
    ("\U0001F469\u200d\U0001F52C emoji", "\U0001F469\u200d\U0001F52C emoji"),  # ZWJ sequences survive
    ("tab\tkept", "tab\tkept"),
])
def test_clean_text(raw, cleaned):
    assert clean_text(raw) == cleaned


@pytest.mark.parametrize("text, problem", [
    ("", "empty"), ("   ", "empty"), ("\x00\x01", "empty"), (None, "empty"), (12, "empty"),
    ("x" * LIMIT, None), ("x" * (LIMIT + 1), "too_long"), ("Ki-67 12%", None),
])
def test_check_message(text, problem):
    checked = check_message(text)
    assert (checked.problem.code if checked.problem else None) == problem
    if problem:
        assert checked.text == "" and checked.problem.reply


@pytest.mark.parametrize("text, passed_on", [
    ("/restart", "restart"), ("//back", "back"), ("/session_start", "session_start"), ("/RESTART{}", "RESTART{}"),
    ('/choose_audience{"audience": "patient"}', '/choose_audience{"audience": "patient"}'),  # widget buttons
    ("/greet", "/greet"), ("/restartable", "/restartable"), ("a /restart", "a /restart"),
])
def test_rasa_control_intents_cannot_be_typed(text, passed_on):
    assert check_message(text).text == passed_on


def test_the_limit_message_names_the_length_and_the_limit():
    reply = check_message("y" * 2345).problem.reply
    assert "2,345 characters" in reply and "limit is 2,000" in reply


def test_the_limit_can_be_configured(monkeypatch):
    monkeypatch.setenv("NETGUIDE_MAX_MESSAGE_CHARS", "10")
    assert check_message("x" * 11).problem.code == "too_long"
    monkeypatch.setenv("NETGUIDE_MAX_MESSAGE_CHARS", "nonsense")
    assert check_message("x" * 11).problem is None


@pytest.mark.parametrize("sender, ok", [("abc", True), ("a" * 128, True), ("a" * 129, False), ("", False),
                                        ("a\nb", False), (5, False), (None, False), ("\ud800", False)])
def test_valid_sender(sender, ok):
    assert valid_sender(sender) is ok


# --- launcher options ----------------------------------------------------------------------------

BASE = ["--model", "m.tar.gz", "--port", "5005"]


def test_defaults_listen_on_localhost_without_api_or_cors():
    args = rasa_arguments(BASE, env={})
    assert args[args.index("--interface") + 1] == "127.0.0.1"
    assert "--enable-api" not in args and "--cors" not in args and "--auth-token" not in args


def test_host_and_cors_come_from_the_environment():
    args = rasa_arguments(BASE, env={"NETGUIDE_HOST": "0.0.0.0", "NETGUIDE_CORS_ORIGIN": "https://a.example, https://b.example"})
    assert args[args.index("--interface") + 1] == "0.0.0.0"
    assert args[args.index("--cors") + 1: args.index("--cors") + 3] == ["https://a.example", "https://b.example"]


def test_an_explicit_interface_wins():
    args = rasa_arguments(BASE + ["--interface", "10.0.0.5"], env={"NETGUIDE_HOST": "0.0.0.0"})
    assert args.count("--interface") == 1 and "10.0.0.5" in args


@pytest.mark.parametrize("env, extra", [
    ({"NETGUIDE_ENABLE_API": "1"}, []),
    ({"NETGUIDE_ENABLE_API": "true", "NETGUIDE_API_TOKEN": "short"}, []),
    ({}, ["--enable-api"]),
])
def test_the_api_is_refused_without_a_long_token(env, extra):
    with pytest.raises(StartupError, match="NETGUIDE_API_TOKEN"):
        rasa_arguments(BASE + extra, env=env)


def test_the_api_gets_the_token():
    token = "t" * 32
    args = rasa_arguments(BASE, env={"NETGUIDE_ENABLE_API": "1", "NETGUIDE_API_TOKEN": token})
    assert "--enable-api" in args and args[args.index("--auth-token") + 1] == token


@pytest.mark.parametrize("argv, env", [(BASE + ["--cors", "*"], {}), (BASE, {"NETGUIDE_CORS_ORIGIN": "*"})])
def test_cors_for_every_origin_is_refused(argv, env):
    with pytest.raises(StartupError, match="NETGUIDE_CORS_ORIGIN"):
        rasa_arguments(argv, env=env)


def _tar_gz(path, members):
    with tarfile.open(path, "w:gz") as archive:
        for name in members:
            data = b"{}"
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def test_model_checks_name_the_file(tmp_path):
    with pytest.raises(StartupError, match="missing.tar.gz does not exist"):
        check_model(str(tmp_path / "missing.tar.gz"))
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tarball")
    with pytest.raises(StartupError, match="junk.tar.gz is not a readable Rasa model"):
        check_model(str(junk))
    truncated = tmp_path / "cut.tar.gz"
    truncated.write_bytes(gzip.compress(b"x" * 100)[:20])
    with pytest.raises(StartupError, match="cut.tar.gz is not a readable Rasa model"):
        check_model(str(truncated))
    other = tmp_path / "other.tar.gz"
    _tar_gz(other, ["something.json"])
    with pytest.raises(StartupError, match="other.tar.gz is not a Rasa model"):
        check_model(str(other))
    good = tmp_path / "good.tar.gz"
    _tar_gz(good, ["metadata.json", "components/x.json"])
    check_model(str(good))
