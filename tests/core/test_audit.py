"""The audit trail: one record per answer, read back by conversation, printed by `python -m bot audit`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.audit import AuditRecord, append_record, file_for, format_records, read_records, record_answer
from bot.conversation import ConversationState, handle_turn
from bot.knowledge import load_knowledge

ROOT = Path(__file__).resolve().parents[2]


def record(conversation_id: str, n: int) -> AuditRecord:
    return AuditRecord(time=f"2024-01-01T00:00:0{n}Z", conversation_id=conversation_id, intent="ask_grade",
                       topics=["grade"], statement_ids=[f"grading_gep.s{n}"], rule_ids=[f"RULE-{n}"], kb_version="abc123")


def test_records_are_read_back_in_order_per_conversation(tmp_path):
    for n in range(3):
        append_record(record("alice", n), tmp_path)
        append_record(record("bob", n), tmp_path)
    records, bad = read_records("alice", tmp_path)
    assert [r.rule_ids for r in records] == [["RULE-0"], ["RULE-1"], ["RULE-2"]]
    assert {r.conversation_id for r in records} == {"alice"} and bad == 0
    assert read_records("nobody", tmp_path) == ([], 0)


@pytest.mark.parametrize("conversation_id", ["../../etc/passwd", "/abs/path", "a\0b", "x" * 5000, "\U0001F600", "..", ""])
def test_a_conversation_id_never_becomes_a_path(tmp_path, conversation_id):
    path = file_for(conversation_id, tmp_path)
    assert path.parent == tmp_path and len(path.name) == 32 + len(".jsonl")
    append_record(record(conversation_id, 1), tmp_path)
    assert read_records(conversation_id, tmp_path)[0][0].conversation_id == conversation_id


def test_a_damaged_line_is_skipped_and_counted(tmp_path):
    append_record(record("alice", 1), tmp_path)
    with file_for("alice", tmp_path).open("a") as handle:
        handle.write('{"time": "half a line\n')
    append_record(record("alice", 2), tmp_path)
    records, bad = read_records("alice", tmp_path)
    assert len(records) == 2 and bad == 1
    assert "1 line(s) of the audit file could not be read" in format_records("alice", records, bad)


def test_record_answer_stores_the_statements_rules_and_kb_version_of_a_real_turn(tmp_path, monkeypatch):
    monkeypatch.setenv("NETGUIDE_AUDIT_DIR", str(tmp_path))
    entities = [{"entity": "ki67", "value": "12"}, {"entity": "mitoses", "value": "1/2mm2"}]
    result = handle_turn(ConversationState(), "ask_grade", entities, "Ki-67 12%, 1 mitosis per 2 mm2, what grade?")
    record_answer("conv-1", "ask_grade", result, message_id="m1", channel="rest")
    (stored,), _ = read_records("conv-1", tmp_path)
    assert stored.statement_ids == result.statement_ids and stored.statement_ids
    assert stored.rule_ids == result.rule_ids and "WHO2019-GEP-KI67" in stored.rule_ids
    assert stored.kb_version == load_knowledge().version
    assert stored.message_id == "m1" and stored.channel == "rest" and stored.topics == ["grade"]
    assert "12%" not in stored.model_dump_json(), "the audit trail holds no message text"


def test_record_answer_never_raises_when_the_folder_is_unwritable(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("NETGUIDE_AUDIT_DIR", str(blocker / "audit"))  # a folder below a file cannot exist
    result = handle_turn(ConversationState(), "ask_grade", [{"entity": "ki67", "value": "12"}], "Ki-67 12%")
    record_answer("conv-2", "ask_grade", result)
    assert "could not write the audit record for conversation conv-2" in caplog.text


def run_cli(*args: str, env_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "audit", *args, "--dir", str(env_dir)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_cli_prints_the_trail(tmp_path):
    append_record(record("conv-9", 1), tmp_path)
    append_record(record("conv-9", 2), tmp_path)
    done = run_cli("conv-9", env_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "2 answer(s)" in done.stdout and "RULE-1" in done.stdout and "grading_gep.s2" in done.stdout
    assert "knowledge base version: abc123" in done.stdout
    as_json = run_cli("conv-9", "--json", env_dir=tmp_path)
    assert [AuditRecord.model_validate_json(line).rule_ids for line in as_json.stdout.splitlines()] == [["RULE-1"], ["RULE-2"]]


def test_cli_says_when_there_is_no_trail(tmp_path):
    done = run_cli("unknown-conversation", env_dir=tmp_path)
    assert done.returncode == 1 and "no audit records for conversation 'unknown-conversation'" in done.stderr
    assert "Traceback" not in done.stderr
