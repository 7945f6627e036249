"""The editorial workflow: what needs review, and approving or rejecting a statement in the files.

Approval is recorded in two places, both plain YAML that reads well in a git diff:
- the statement's `review` block (status, reviewed_by, date, content_hash; `rejected` for a rejection),
  rewritten in place so the rest of the file (comments, folding, order) stays byte for byte;
- knowledge/approvals.yml, the approved copy (text, patient_text, sources) of every approved statement,
  which `kb review` diffs a changed statement against. It is regenerated as a whole on every write.

Policy enforced here: a FROM MEMORY fact is approved only together with a verified source that shows it
(`--source`), and never while it cites a source whose citation is itself from memory. After a write the
knowledge base is loaded again; if it does not validate, the files are restored and nothing changes.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

from bot.content_hash import content_hash
from bot.knowledge import (
    APPROVALS_FILE,
    DEFAULT_ROOT,
    Approval,
    FactStatus,
    KnowledgeBase,
    KnowledgeError,
    Statement,
    Verification,
    clear_knowledge_cache,
    load_knowledge,
)
from bot.models import CHECKED_STATUSES, ReviewStatus
from bot.computed_wording import EngineWording, Template
from bot.result_wording import WORDING_SPECS

FOLD_WIDTH = 100  # approved copies are folded like the statement files
MAX_IDS_SHOWN = 10
APPROVE_HINT = "python -m bot kb approve ID --reviewer NAME"
REJECT_HINT = "python -m bot kb approve ID --reject --reason TEXT --reviewer NAME"


class ReviewError(Exception):
    """The review action could not be done; the message says what is wrong and what to do."""


class ReviewInputError(ReviewError):
    """Bad input: an unknown statement or source id, an empty reviewer or reason."""


class ReviewRefused(ReviewError):
    """The editorial policy forbids the action (e.g. approving a FROM MEMORY fact without a source)."""


# --------------------------------------------------------------------------------------------
# The review queue
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingItem:
    statement: Statement
    file: str
    notes: List[str]  # what stands in the way of approval, or the rejection


@dataclass(frozen=True)
class ChangedItem:
    statement: Statement
    file: str
    approval: Optional[Approval]  # None: approved before approved copies were kept
    diff: List[str]


@dataclass(frozen=True)
class EditionItem:
    statement: Statement
    file: str
    source_id: str
    newer_edition: str


@dataclass
class ReviewQueue:
    pending: List[PendingItem] = field(default_factory=list)
    changed: List[ChangedItem] = field(default_factory=list)
    newer_editions: List[EditionItem] = field(default_factory=list)
    orphan_approvals: List[str] = field(default_factory=list)  # approved copies without a statement
    without_copy: List[str] = field(default_factory=list)  # approved and current, no approved copy kept

    def ids(self) -> List[str]:
        """Statement ids that need a reviewer (pending or changed since approval)."""
        return [i.statement.id for i in self.pending] + [i.statement.id for i in self.changed]


def approval_blockers(kb: KnowledgeBase, statement: Statement, added_source: Optional[str] = None) -> List[str]:
    """Why the policy refuses to approve this statement (empty: it may be approved)."""
    blockers = []
    if statement.fact_status == FactStatus.from_memory and added_source is None:
        blockers.append(
            "it is a FROM MEMORY fact: approve it only together with a verified source that shows it, "
            "`--source SOURCE_ID` (its fact_status then becomes verified)"
        )
    unverified = [
        sid
        for sid in statement.sources + ([added_source] if added_source else [])
        if sid in kb.sources and kb.sources[sid].verification == Verification.from_memory
    ]
    for sid in dict.fromkeys(unverified):
        blockers.append(
            f"it cites {sid}, whose citation is from memory: verify {sid} in knowledge/sources.yml or cite a verified source"
        )
    return blockers


def review_queue(kb: KnowledgeBase) -> ReviewQueue:
    queue = ReviewQueue()
    for statement in kb.statements:
        file = kb.statement_files[statement.id]
        approval = kb.approvals.get(statement.id)
        if statement.is_stale:
            diff = statement_diff(approval, statement) if approval else []
            queue.changed.append(ChangedItem(statement, file, approval, diff))
        elif statement.review.status not in CHECKED_STATUSES:
            queue.pending.append(PendingItem(statement, file, _pending_notes(kb, statement)))
        elif approval is None or approval.content_hash != statement.review.content_hash:
            queue.without_copy.append(statement.id)
        for source_id in statement.sources:
            source = kb.sources.get(source_id)
            if source is not None and source.newer_edition:
                queue.newer_editions.append(EditionItem(statement, file, source_id, source.newer_edition))
    queue.orphan_approvals = [sid for sid in kb.approvals if sid not in kb.statement_files]
    return queue


def _pending_notes(kb: KnowledgeBase, statement: Statement) -> List[str]:
    notes = []
    rejection = statement.review.rejected
    if rejection is not None:
        revised = "revised since" if rejection.content_hash != statement.current_hash else "not revised since"
        notes.append(
            f"rejected {rejection.date.isoformat()} by {rejection.by} ({revised}; withheld from answers): {rejection.reason}"
        )
    notes += ["cannot be approved yet: " + b for b in approval_blockers(kb, statement)]
    return notes


# --------------------------------------------------------------------------------------------
# Diff against the approved copy
# --------------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+(?=\S)")


def _sentences(text: Optional[str]) -> List[str]:
    """One sentence a line, so a changed figure shows as one changed line."""
    return _SENTENCE_END.split(" ".join(text.split())) if text else []


def _field_diff(name: str, old: List[str], new: List[str]) -> List[str]:
    if old == new:
        return []
    lines = [f"{name}:"]
    hunks = 0
    for line in difflib.unified_diff(old, new, lineterm="", n=1):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            hunks += 1
            if hunks > 1:
                lines.append("  ...")
            continue
        lines.append(f"  {line}")
    return lines


def statement_diff(approved: Approval, statement: Statement) -> List[str]:
    """Lines `-` (approved) and `+` (now) for text, patient_text and sources, sentence by sentence."""
    return (
        _field_diff("text", _sentences(approved.text), _sentences(statement.text))
        + _field_diff("patient_text", _sentences(approved.patient_text), _sentences(statement.patient_text))
        + _field_diff("sources", list(approved.sources), list(statement.sources))
    )


def wording_templates(kb: KnowledgeBase) -> List[Tuple[EngineWording, List[Tuple[str, Template]]]]:
    """Every result template of knowledge/computed/*.yml, per file (bot/result_wording.py WORDING_SPECS order), as
    (key, template); a file the knowledge base does not have is left out."""
    out = []
    for spec in WORDING_SPECS:
        wording = kb.wording(spec.name)
        if wording is not None:
            out.append((spec, [(spec.key(kind, tid), template) for kind, tid, template in wording.items()]))
    return out


def wording_pending(kb: KnowledgeBase) -> List[Tuple[str, Template]]:
    """Result templates (knowledge/computed/*.yml) not checked against their statements, or changed since."""
    return [(key, template) for _, items in wording_templates(kb) for key, template in items
            if template.effective_status not in CHECKED_STATUSES]


def _template_state(template: Template) -> str:
    if template.is_stale:
        recorded = template.review.content_hash or "no hash"
        return f"changed since its check: recorded {recorded}, now {template.current_hash}"
    return template.review.status.value


def _template_citation(template: Template) -> str:
    by_chapter = {tuple(ids) for ids in template.statements_by_chapter.values()}
    if by_chapter:
        return "cites per chapter " + ", ".join(template.all_statements)
    return "cites " + ", ".join(template.statements)


def wording_report(kb: KnowledgeBase, every_template: bool = False) -> List[str]:
    """The result templates beside the statements: per file, the count by effective review status; then each
    template under review or changed since its check, with what it cites and its words (`every_template`: every
    template of every file, with its status)."""
    files = wording_templates(kb)
    total = sum(len(items) for _, items in files)
    lines = [f"Result templates (knowledge/computed/*.yml): {total} in {len(files)} files"]
    for spec, items in files:
        by_status: Dict[str, int] = {}
        for _, template in items:
            by_status[template.effective_status.value] = by_status.get(template.effective_status.value, 0) + 1
        counts = ", ".join(f"{status.value} {by_status.get(status.value, 0)}" for status in ReviewStatus)
        lines.append(f"  knowledge/{spec.file}: {len(items)} ({counts})")
    pending = wording_pending(kb)
    lines += ["", f"Result templates under review or changed since their check ({len(pending)}):"]
    for key, template in pending:
        lines.append(f"  {key} [{_template_state(template)}] {_template_citation(template)}")
        lines.append(f"      {template.text}")
    if pending:
        lines.append("  (a template passes review only when every fact it states is VERIFIED and every figure is in a "
                     "checked statement it cites: then set its review block by hand to source_checked with reviewed_by "
                     "and date; `kb check` lists it as stale with the content hash to record. approved needs a named "
                     "clinical reviewer)")
    if every_template:
        lines += ["", "Every result template, with its review status:"]
        for spec, items in files:
            lines.append(f"  knowledge/{spec.file}:")
            lines += [f"    {key} [{_template_state(template)}]" for key, template in items]
    return lines


def queue_report(kb: KnowledgeBase, queue: ReviewQueue, every_template: bool = False) -> List[str]:
    lines = [
        f"Review queue (knowledge base {kb.version}): {len(queue.pending)} submitted or under review, "
        f"{len(queue.changed)} changed since approval, {len(queue.newer_editions)} citing a source with a newer edition",
        "",
        f"Submitted or under review ({len(queue.pending)}):",
    ]
    for item in queue.pending:
        memory = ", FROM MEMORY" if item.statement.fact_status == FactStatus.from_memory else ""
        lines.append(f"  {item.statement.id} [{item.statement.review.status.value}{memory}] {item.file}")
        lines += [f"      {note}" for note in item.notes]
    lines += ["", f"Changed since approval ({len(queue.changed)}):"]
    for item in queue.changed:
        review = item.statement.review
        recorded = review.content_hash or "no hash"
        who = f" by {review.reviewed_by}" if review.reviewed_by else ""
        when = f" on {review.date.isoformat()}" if review.date else ""
        lines.append(f"  {item.statement.id} {item.file}: approved{when}{who} as {recorded}, now {item.statement.current_hash}")
        if item.approval is None:
            lines.append(f"      no approved copy in knowledge/{APPROVALS_FILE}; compare with `git log -p {item.file}`")
        lines += [f"    {line}" for line in item.diff]
    lines += ["", f"Citing a source with a newer edition ({len(queue.newer_editions)}), by source:"]
    by_source: Dict[str, List[str]] = {}
    for edition in queue.newer_editions:
        by_source.setdefault(edition.source_id, []).append(edition.statement.id)
    for source_id, statement_ids in by_source.items():
        source = kb.sources[source_id]
        cited = f", {source.edition}" if source.edition else ""
        lines.append(f"  {source_id} ({source.title}{cited}) -> newer edition: {source.newer_edition}")
        lines.append(f"      check against it: {', '.join(statement_ids)}")
    if queue.orphan_approvals:
        lines += ["", f"Approved copies without a statement ({len(queue.orphan_approvals)}): delete them from knowledge/{APPROVALS_FILE}"]
        lines += [f"  {sid}" for sid in queue.orphan_approvals]
    if queue.without_copy:
        shown = ", ".join(queue.without_copy[:MAX_IDS_SHOWN])
        more = f" and {len(queue.without_copy) - MAX_IDS_SHOWN} more" if len(queue.without_copy) > MAX_IDS_SHOWN else ""
        lines += [
            "",
            f"Approved without a matching approved copy in knowledge/{APPROVALS_FILE} ({len(queue.without_copy)}): "
            f"{shown}{more}",
            "  (approved by hand; `python -m bot kb record-approved` copies them so later edits show as a diff)",
        ]
    lines += [""] + wording_report(kb, every_template)
    lines += ["", f"Approve: {APPROVE_HINT} [--source SOURCE_ID]", f"Reject:  {REJECT_HINT}"]
    return lines


# --------------------------------------------------------------------------------------------
# Writing YAML: scalars, folded text, and in-place replacement of one statement's keys
# --------------------------------------------------------------------------------------------

_PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _quoted(value: Optional[str]) -> str:
    """A double-quoted YAML scalar (JSON strings are valid YAML), or null."""
    return "null" if value is None else json.dumps(value, ensure_ascii=False)


def _flow_ids(ids: Sequence[str]) -> str:
    return "[" + ", ".join(i if _PLAIN_ID.fullmatch(i) and i not in ("null", "true", "false") else _quoted(i) for i in ids) + "]"


def _folded(key: str, text: Optional[str], indent: int) -> List[str]:
    """`key: >-` with the text folded at spaces, or a quoted scalar when folding would change it."""
    pad = " " * indent
    foldable = text and text == text.strip() and "  " not in text and all(c.isprintable() for c in text)
    if not foldable:
        return [f"{pad}{key}: {_quoted(text)}"]
    lines, current = [], ""
    for word in text.split(" "):
        if current and len(pad) + 2 + len(current) + 1 + len(word) > FOLD_WIDTH:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return [f"{pad}{key}: >-"] + [f"{pad}  {line}" for line in lines]


def approvals_yaml(kb: KnowledgeBase, approvals: Dict[str, Approval]) -> str:
    """The whole approvals ledger: statements in knowledge-base order, then copies without a statement."""
    order = [s.id for s in kb.statements if s.id in approvals] + [sid for sid in approvals if sid not in kb.statement_files]
    out = [
        "# Checked and approved copies of knowledge statements, written by `python -m bot kb approve` (do not edit by",
        "# hand). Each entry is the wording and sources as checked (status source_checked: the NETguide team against",
        "# the sources) or approved (status approved: a named clinical reviewer), with who, when and the content hash;",
        "# `python -m bot kb review` shows a statement changed since as a diff against this copy.",
        "approvals:" if order else "approvals: {}",
    ]
    for sid in order:
        approval = approvals[sid]
        out += [
            f"  {_quoted(sid) if not _PLAIN_ID.fullmatch(sid) else sid}:",
            f"    reviewed_by: {_quoted(approval.reviewed_by)}",
            f"    date: {_quoted(approval.date.isoformat())}",
            f"    content_hash: {_quoted(approval.content_hash)}",
            f"    status: {approval.status.value}",
            f"    sources: {_flow_ids(approval.sources)}",
        ]
        out += _folded("text", approval.text, 4)
        out += _folded("patient_text", approval.patient_text, 4)
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _statement_node(text: str, path: Path, statement_id: str) -> yaml.MappingNode:
    root = yaml.compose(text)
    statements = next((v for k, v in root.value if k.value == "statements"), None) if isinstance(root, yaml.MappingNode) else None
    for node in getattr(statements, "value", []):
        if isinstance(node, yaml.MappingNode) and any(k.value == "id" and v.value == statement_id for k, v in node.value):
            return node
    raise ReviewError(f"{path}: statement '{statement_id}' not found in the file")


def _key_ranges(lines: List[str], item: yaml.MappingNode) -> Dict[str, Tuple[int, int, int]]:
    """key -> (first line, end line exclusive, key column) of each key of a block-style statement;
    trailing blank and comment lines stay outside the range."""
    ranges: Dict[str, Tuple[int, int, int]] = {}
    for key, value in item.value:
        start, end_mark = key.start_mark, value.end_mark
        before_end = lines[end_mark.line][: end_mark.column] if end_mark.line < len(lines) else ""
        end = end_mark.line if not before_end.strip() else end_mark.line + 1
        while end > start.line + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1
        ranges[key.value] = (start.line, end, start.column)
    return ranges


def replace_keys(text: str, path: Path, statement_id: str, blocks: Dict[str, List[str]]) -> str:
    """Replace the lines of some keys of one statement; `blocks` holds each key's new lines, written at
    indent 0 (they are shifted to the key's column). Every other byte of the file stays as it was."""
    lines = text.split("\n")
    ranges = _key_ranges(lines, _statement_node(text, path, statement_id))
    starts = sorted(r[0] for r in ranges.values())
    if len(set(starts)) != len(starts):
        raise ReviewError(f"{path}: statement '{statement_id}' is not written one key a line; rewrite it in block style")
    for key in sorted(blocks, key=lambda k: -ranges[k][0]):
        start, end, column = ranges[key]
        lines[start:end] = [" " * column + line for line in blocks[key]]
    return "\n".join(lines)


def review_block(
    status: ReviewStatus,
    reviewed_by: Optional[str],
    date: Optional[dt.date],
    hash_value: Optional[str],
    rejection: Optional[Tuple[str, dt.date, str, str]] = None,
) -> List[str]:
    block = [
        "review:",
        f"  status: {status.value}",
        f"  reviewed_by: {_quoted(reviewed_by)}",
        f"  date: {_quoted(date.isoformat() if date else None)}",
        f"  content_hash: {_quoted(hash_value)}",
    ]
    if rejection:
        by, when, reason, rejected_hash = rejection
        block += [
            "  rejected:",
            f"    by: {_quoted(by)}",
            f"    date: {_quoted(when.isoformat())}",
            f"    reason: {_quoted(reason)}",
            f"    content_hash: {_quoted(rejected_hash)}",
        ]
    return block


# --------------------------------------------------------------------------------------------
# Approve, reject, record
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    message: str
    changed_files: List[Path]


def _fresh(root: Optional[Path]) -> KnowledgeBase:
    clear_knowledge_cache()
    return load_knowledge(root)


def _find(kb: KnowledgeBase, statement_id: str) -> Statement:
    if statement_id in kb.statement_files:
        return kb.statement(statement_id)
    close = difflib.get_close_matches(statement_id, list(kb.statement_files), n=3)
    hint = f" Did you mean: {', '.join(close)}?" if close else " `python -m bot kb review` lists statements that need review."
    raise ReviewInputError(f"no statement with id '{statement_id}' in {kb.root}.{hint}")


def _name(value: str, what: str) -> str:
    cleaned = " ".join(value.split())
    if not cleaned:
        raise ReviewInputError(f"{what} must not be empty")
    return cleaned


def _shown_ledger(kb: KnowledgeBase) -> str:
    return f"{Path(kb.root).name}/{APPROVALS_FILE}"


def _statement_path(kb: KnowledgeBase, statement_id: str) -> Path:
    shown = Path(kb.statement_files[statement_id])
    return shown if shown.is_absolute() else Path(kb.root).parent / shown


def _write_and_validate(root: Path, new_texts: Dict[Path, str]) -> KnowledgeBase:
    """Write the files, load the knowledge base again; restore everything if it no longer validates."""
    old_texts = {path: path.read_text(encoding="utf-8") if path.exists() else None for path in new_texts}
    try:
        for path, text in new_texts.items():
            path.write_text(text, encoding="utf-8")
        return _fresh(root)
    except (KnowledgeError, OSError) as error:
        for path, text in old_texts.items():
            if text is None:
                path.unlink(missing_ok=True)
            else:
                path.write_text(text, encoding="utf-8")
        clear_knowledge_cache()
        raise ReviewError("the change would make the knowledge base invalid, nothing was changed:\n" + str(error)) from error


def approve(
    statement_id: str,
    reviewer: str,
    on: dt.date,
    source_id: Optional[str] = None,
    root: Optional[Path] = None,
    level: ReviewStatus = ReviewStatus.approved,
) -> Outcome:
    """Approve the statement as it reads now (level approved: a named clinical reviewer; level source_checked:
    the NETguide team checked it against its sources): review block + checked copy; `source_id` adds a
    verified source (required for a FROM MEMORY fact, whose fact_status becomes verified)."""
    if level not in CHECKED_STATUSES:
        raise ReviewInputError(f"level must be one of {sorted(s.value for s in CHECKED_STATUSES)}, got {level.value}")
    done = "approved" if level == ReviewStatus.approved else "source-checked"
    root = Path(root or DEFAULT_ROOT).resolve()
    kb = _fresh(root)
    statement = _find(kb, statement_id)
    reviewer = _name(reviewer, "--reviewer")
    if source_id is not None:
        if source_id not in kb.sources:
            close = difflib.get_close_matches(source_id, list(kb.sources), n=3)
            hint = f" Did you mean: {', '.join(close)}?" if close else " Add it to knowledge/sources.yml first."
            raise ReviewInputError(f"no source with id '{source_id}' in knowledge/sources.yml.{hint}")
        verification = kb.sources[source_id].verification
        if verification != Verification.verified:
            raise ReviewRefused(
                f"source {source_id} has verification '{verification.value}': only a verified source can show that "
                f"a fact is right. Verify its citation in knowledge/sources.yml, or name a verified source."
            )
    blockers = approval_blockers(kb, statement, source_id)
    if blockers:
        raise ReviewRefused(f"{statement_id} cannot be approved: " + "; ".join(blockers) + ".")

    sources = list(statement.sources) + ([source_id] if source_id and source_id not in statement.sources else [])
    new_hash = content_hash(statement.text, statement.patient_text, sources)
    kept = kb.approvals.get(statement_id)
    if (
        statement.effective_status == level
        and sources == statement.sources
        and kept is not None
        and kept.content_hash == new_hash
    ):
        review = statement.review
        return Outcome(
            f"{statement_id} is already {done} as it reads now ({review.date} by {review.reviewed_by}, "
            f"content hash {review.content_hash}); nothing changed.",
            [],
        )

    path = _statement_path(kb, statement_id)
    blocks = {"review": review_block(level, reviewer, on, new_hash)}
    if sources != statement.sources:
        blocks["sources"] = [f"sources: {_flow_ids(sources)}"]
    if statement.fact_status != FactStatus.verified:
        blocks["fact_status"] = [f"fact_status: {FactStatus.verified.value}"]
    statement_text = replace_keys(path.read_text(encoding="utf-8"), path, statement_id, blocks)
    approvals = dict(kb.approvals)
    approvals[statement_id] = Approval(
        reviewed_by=reviewer, date=on, content_hash=new_hash, status=level, sources=sources, text=statement.text,
        patient_text=statement.patient_text,
    )
    ledger = root / APPROVALS_FILE
    after = _write_and_validate(root, {path: statement_text, ledger: approvals_yaml(kb, approvals)})
    if after.statement(statement_id).effective_status != level:  # a bug, not a user error
        raise ReviewError(f"{statement_id} was written but does not load as {level.value}; check {path}")

    changes = []
    if "sources" in blocks:
        changes.append(f"source {source_id} added")
    if "fact_status" in blocks:
        changes.append(f"fact_status set to verified on the evidence of {source_id}")
    added = f" ({', '.join(changes)})" if changes else ""
    return Outcome(
        f"{done.capitalize()} {statement_id}{added}: reviewed by {reviewer} on {on.isoformat()}, content hash {new_hash}. "
        f"Recorded in {kb.statement_files[statement_id]} and {_shown_ledger(kb)}.",
        [path, ledger],
    )


def reject(statement_id: str, reviewer: str, reason: str, on: dt.date, root: Optional[Path] = None) -> Outcome:
    """Record a rejection with its reason: the statement goes (back) to under_review and is withheld
    from answers until it is approved; the last approval, if any, stays on record."""
    root = Path(root or DEFAULT_ROOT).resolve()
    kb = _fresh(root)
    statement = _find(kb, statement_id)
    reviewer = _name(reviewer, "--reviewer")
    reason = _name(reason, "--reason")
    review = statement.review
    path = _statement_path(kb, statement_id)
    block = review_block(
        ReviewStatus.under_review,
        review.reviewed_by,
        review.date,
        review.content_hash,
        rejection=(reviewer, on, reason, statement.current_hash),
    )
    statement_text = replace_keys(path.read_text(encoding="utf-8"), path, statement_id, {"review": block})
    _write_and_validate(root, {path: statement_text})
    return Outcome(
        f"Rejected {statement_id} (content hash {statement.current_hash}): {reason} (by {reviewer} on {on.isoformat()}). "
        f"It is withheld from answers until it is revised and approved. Recorded in {kb.statement_files[statement_id]}.",
        [path],
    )


def record_approved(root: Optional[Path] = None) -> Outcome:
    """Copy every approved, unchanged statement that has no approved copy yet into approvals.yml, with
    the reviewer, date and hash its review block already records (no new approval is made)."""
    root = Path(root or DEFAULT_ROOT).resolve()
    kb = _fresh(root)
    approvals = dict(kb.approvals)
    added = []
    for statement in kb.statements:
        review = statement.review
        current = statement.effective_status in CHECKED_STATUSES and review.reviewed_by and review.date
        kept = approvals.get(statement.id)
        if current and (kept is None or kept.content_hash != review.content_hash):
            approvals[statement.id] = Approval(
                reviewed_by=review.reviewed_by,
                date=review.date,
                content_hash=statement.current_hash,
                status=review.status,
                sources=list(statement.sources),
                text=statement.text,
                patient_text=statement.patient_text,
            )
            added.append(statement.id)
    if not added:
        return Outcome("Every approved statement already has its approved copy; nothing changed.", [])
    ledger = root / APPROVALS_FILE
    _write_and_validate(root, {ledger: approvals_yaml(kb, approvals)})
    return Outcome(f"Recorded the approved copy of {len(added)} statement(s) in {_shown_ledger(kb)}.", [ledger])
