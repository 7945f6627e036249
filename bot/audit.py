"""The audit trail: per answer, which knowledge statements and rules produced it, and the KB version.

One JSON line per answered turn, in one file per conversation under NETGUIDE_AUDIT_DIR (default
var/audit). The file name is a hash of the conversation id, because the id comes from the client and
must never become a path. Records hold no message text: the tracker store keeps the conversation;
the audit trail says where each answer came from. `python -m bot audit CONVERSATION_ID` prints it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import logging
import os
import sys
from pathlib import Path
from typing import List, Optional, Tuple

from pydantic import BaseModel, Field, ValidationError

ROOT = Path(__file__).resolve().parent.parent
logger = logging.getLogger(__name__)


class AuditRecord(BaseModel):
    time: str  # UTC, ISO 8601
    conversation_id: str
    message_id: Optional[str] = None  # the user message's id in the tracker store
    intent: str
    channel: Optional[str] = None
    topics: List[str] = Field(default_factory=list)
    statement_ids: List[str] = Field(default_factory=list)
    rule_ids: List[str] = Field(default_factory=list)
    kb_version: str


def audit_dir() -> Path:
    return Path(os.environ.get("NETGUIDE_AUDIT_DIR") or ROOT / "var" / "audit")


def file_for(conversation_id: str, folder: Optional[Path] = None) -> Path:
    digest = hashlib.sha256(conversation_id.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return (folder or audit_dir()) / f"{digest}.jsonl"


def append_record(record: AuditRecord, folder: Optional[Path] = None) -> Path:
    """Append one record. A single short write in append mode, so concurrent writers do not interleave."""
    path = file_for(record.conversation_id, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = record.model_dump_json() + "\n"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line)
    return path


def record_answer(conversation_id: str, intent: str, result: object, message_id: Optional[str] = None,
                  channel: Optional[str] = None) -> None:
    """Record one answered turn (a bot.conversation.TurnResult). Never raises: a failed write is logged
    as an error and the user still gets the answer."""
    try:
        from bot.knowledge import load_knowledge

        record = AuditRecord(
            time=dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"),
            conversation_id=conversation_id, message_id=message_id, intent=intent, channel=channel,
            topics=list(getattr(result, "topics", [])), statement_ids=list(getattr(result, "statement_ids", [])),
            rule_ids=list(getattr(result, "rule_ids", [])), kb_version=load_knowledge().version,
        )
        append_record(record)
    except Exception as error:  # noqa: BLE001 - the audit must not take the answer down
        logger.error("could not write the audit record for conversation %s: %s: %s",
                     conversation_id, type(error).__name__, error)


def read_records(conversation_id: str, folder: Optional[Path] = None) -> Tuple[List[AuditRecord], int]:
    """The conversation's records in order, and how many lines could not be read."""
    path = file_for(conversation_id, folder)
    if not path.exists():
        return [], 0
    records: List[AuditRecord] = []
    bad = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            record = AuditRecord.model_validate_json(line)
        except ValidationError:
            bad += 1
            continue
        if record.conversation_id == conversation_id:  # a hash collision would be astronomically rare
            records.append(record)
    return records, bad


def format_records(conversation_id: str, records: List[AuditRecord], bad_lines: int = 0) -> str:
    lines = [f"Audit trail of conversation {conversation_id}: {len(records)} answer(s)"]
    for number, r in enumerate(records, 1):
        lines.append("")
        lines.append(f"{number}. {r.time}  intent {r.intent}" + (f"  channel {r.channel}" if r.channel else "")
                     + (f"  message {r.message_id}" if r.message_id else ""))
        lines.append(f"   topics: {', '.join(r.topics) or '-'}")
        lines.append(f"   statements: {', '.join(r.statement_ids) or '-'}")
        lines.append(f"   rules: {', '.join(r.rule_ids) or '-'}")
        lines.append(f"   knowledge base version: {r.kb_version}")
    if bad_lines:
        lines += ["", f"Warning: {bad_lines} line(s) of the audit file could not be read."]
    return "\n".join(lines)


# --- command line: `python -m bot audit CONVERSATION_ID [--json] [--dir DIR]` --------------------


def add_audit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("conversation_id", metavar="CONVERSATION_ID", help="the conversation (sender) id")
    parser.add_argument("--dir", type=Path, default=None, help="audit folder (default: NETGUIDE_AUDIT_DIR or var/audit)")
    parser.add_argument("--json", action="store_true", help="print the records as JSON lines")


def run_audit(ns: argparse.Namespace) -> int:
    folder = ns.dir or audit_dir()
    records, bad = read_records(ns.conversation_id, folder)
    if not records:
        print(f"python -m bot audit: no audit records for conversation {ns.conversation_id!r} in {folder}",
              file=sys.stderr)
        return 1
    if ns.json:
        print("\n".join(r.model_dump_json() for r in records))
    else:
        print(format_records(ns.conversation_id, records, bad))
    return 0
