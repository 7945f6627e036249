"""`python -m bot kb ...` and `python -m bot answer`: registered in bot/cli.py's SUBCOMMANDS.

kb check: validate the knowledge base, print counts by tier, topic and effective review status and
list stale statements; exit 0 when valid, 1 with one line per problem (file, id, field) when not.
kb review: the review queue (bot/kb_review.py): pending, changed since approval (with a diff),
citing a source with a newer edition.
kb approve ID --reviewer NAME [--source SID] | --reject --reason TEXT: record a review in the files.
kb record-approved: keep the approved copy of statements approved by hand.
kb policy-page: regenerate web/editorial-policy.html from docs/EDITORIAL_POLICY.md.
answer: compose and render the cited answer for a topic and an optional case.

Exit status: 0 done, 1 knowledge base invalid, 2 bad input (unknown id, empty reviewer or reason),
3 refused by the editorial policy (e.g. a FROM MEMORY fact without a verified source).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import List, Optional

from bot.knowledge import STATUS_ORDER, KnowledgeBase, KnowledgeError, clear_knowledge_cache, load_knowledge
from bot.models import CHECKED_STATUSES, ReviewStatus
from bot.computed_wording import StatementFacts, unbacked_figures
from bot.result_wording import WORDING_SPECS

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_BAD_INPUT = 2
EXIT_REFUSED = 3
AUDIENCE_CHOICES = ("clinician", "patient")
FORMAT_CHOICES = ("markdown", "slack", "text", "json")


def _load(root: Optional[str]) -> KnowledgeBase:
    clear_knowledge_cache()  # a command line run always reads the files as they are now
    return load_knowledge(Path(root) if root else None)


def _print_problems(error: KnowledgeError) -> None:
    print(f"Knowledge base INVALID: {len(error.problems)} problem(s)", file=sys.stderr)
    for problem in error.problems:
        print(f"  {problem}", file=sys.stderr)


# --------------------------------------------------------------------------------------------
# kb
# --------------------------------------------------------------------------------------------


def add_kb_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="kb_command", metavar="KB_COMMAND", required=True)
    check = sub.add_parser("check", help="validate knowledge/ and report counts and stale statements")
    check.add_argument("--root", help="knowledge directory (default: <repo>/knowledge)")
    review = sub.add_parser(
        "review", help="list what needs review: pending, changed since approval (with a diff), newer source editions"
    )
    review.add_argument("--root", help="knowledge directory (default: <repo>/knowledge)")
    review.add_argument("--templates", action="store_true",
                        help="also list every result template (knowledge/computed/*.yml) with its review status")
    approve = sub.add_parser(
        "approve",
        help="approve a statement as it reads now, or reject it with --reject --reason",
        description="Approve a statement (records reviewer, date and content hash in its file and its approved "
        "copy in knowledge/approvals.yml), or reject it with a reason. See docs/EDITORIAL_POLICY.md.",
    )
    approve.add_argument("statement_id", metavar="ID", help="statement id, e.g. sstr_pet.cup_detection_rates")
    approve.add_argument("--reviewer", required=True, metavar="NAME", help="who reviewed it (name and role)")
    approve.add_argument(
        "--source-check", action="store_true",
        help="record a team check of the wording and figures against the cited sources (status source_checked), "
        "not a clinical approval; answers show it as source-checked, not approved")
    approve.add_argument("--source", metavar="SOURCE_ID", help="add a verified source that shows the fact (required for a FROM MEMORY fact)")
    approve.add_argument("--reject", action="store_true", help="reject instead of approving (needs --reason)")
    approve.add_argument("--reason", metavar="TEXT", help="why it is rejected: what is wrong and what to change")
    approve.add_argument("--date", metavar="YYYY-MM-DD", help="review date (default: today)")
    approve.add_argument("--root", help="knowledge directory (default: <repo>/knowledge)")
    record = sub.add_parser(
        "record-approved", help="copy statements approved by hand into knowledge/approvals.yml (no new approval)"
    )
    record.add_argument("--root", help="knowledge directory (default: <repo>/knowledge)")
    sub.add_parser("policy-page", help="regenerate web/editorial-policy.html from docs/EDITORIAL_POLICY.md")


def check_report(kb: KnowledgeBase) -> List[str]:
    counts = kb.counts()
    lines = [
        f"Knowledge base OK: {len(kb.statements)} statements, {len(kb.sources)} sources; "
        f"version {kb.version}, last updated {kb.last_updated.isoformat() if kb.last_updated else 'unknown'}",
        "By tier: " + ", ".join(f"{k} {v}" for k, v in counts["tier"].items()),
        "By effective review status: " + ", ".join(f"{k} {v}" for k, v in counts["status"].items()),
        "By topic:",
    ]
    lines += [f"  {topic:32} {n}" for topic, n in counts["topic"].items()]
    stale = kb.stale_statements()
    lines.append(f"Stale (checked or approved, but the content hash was not recorded or no longer matches): {len(stale)}")
    for statement in stale:
        recorded = statement.review.content_hash
        why = f"recorded {recorded}, now {statement.current_hash}" if recorded else f"no hash recorded; now {statement.current_hash}"
        lines.append(f"  {statement.id} ({kb.statement_files[statement.id]}): {why}")
    return lines + wording_check_report(kb)


def wording_check_report(kb: KnowledgeBase) -> List[str]:
    """Per result-template file (knowledge/computed/*.yml): counts by effective status, the stale templates with
    their hashes, and the figures of templates under review that no cited statement holds (allowed while under
    review, listed so they are seen)."""
    facts = {s.id: StatementFacts(s.text, s.review.status, frozenset(
        kb.sources[sid].year for sid in s.sources if sid in kb.sources and kb.sources[sid].year)) for s in kb.statements}
    lines: List[str] = []
    for spec in WORDING_SPECS:
        wording = kb.wording(spec.name)
        if wording is None:
            lines.append(f"Templates of {spec.name}: no {spec.file} in {kb.root} (the shipped knowledge base has one)")
            continue
        items = [(spec.key(kind, tid), template) for kind, tid, template in wording.items()]
        by_status = {s.value: 0 for s in STATUS_ORDER}
        for _, template in items:
            by_status[template.effective_status.value] += 1
        lines.append(
            f"Templates of {spec.name} ({spec.file}): {len(items)}, every code the {spec.name} engine can emit has one; "
            "by effective review status: " + ", ".join(f"{k} {v}" for k, v in by_status.items()))
        stale = [(key, t) for key, t in items if t.is_stale]
        lines.append(f"  stale (checked, but the content hash was not recorded or no longer matches): {len(stale)}")
        lines += [f"    {key}: recorded {t.review.content_hash or 'no hash'}, now {t.current_hash}" for key, t in stale]
        unbacked = [(key, unbacked_figures(t, facts)) for key, t in items if t.review.status not in CHECKED_STATUSES]
        unbacked = [(key, figures) for key, figures in unbacked if figures]
        lines.append(f"  figures in templates under review that no cited statement holds: {len(unbacked)}")
        lines += [f"    {key}: {', '.join(figures)}" for key, figures in unbacked]
    return lines


def run_kb(ns: argparse.Namespace) -> int:
    handlers = {
        "check": _run_check,
        "review": _run_review,
        "approve": _run_approve,
        "record-approved": _run_record_approved,
        "policy-page": _run_policy_page,
    }
    try:
        return handlers[ns.kb_command](ns)
    except KnowledgeError as error:
        _print_problems(error)
        return EXIT_INVALID


def _run_check(ns: argparse.Namespace) -> int:
    kb = _load(ns.root)
    print("\n".join(check_report(kb)))
    from bot.safety import SAFETY_FILE, check_safety_table

    if not (Path(kb.root) / SAFETY_FILE).exists():
        print(f"Safety table: no {SAFETY_FILE} in {kb.root} (the shipped knowledge base has one)")
        return EXIT_OK
    problems = check_safety_table(Path(kb.root))
    for problem in problems:
        print(f"safety.yml: {problem}")
    if problems:
        return EXIT_INVALID
    print("Safety table, known names and synonyms: OK")
    return EXIT_OK


def _run_review(ns: argparse.Namespace) -> int:
    from bot.kb_review import queue_report, review_queue

    kb = _load(ns.root)
    print("\n".join(queue_report(kb, review_queue(kb), every_template=ns.templates)))
    return EXIT_OK


def _review_date(text: Optional[str]) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--date: '{text}' is not a date; use YYYY-MM-DD, e.g. 2026-12-01") from None


def _run_approve(ns: argparse.Namespace) -> int:
    from bot import kb_review

    prefix = "python -m bot kb approve: "
    try:
        if ns.reject and not (ns.reason or "").strip():
            raise kb_review.ReviewInputError("--reject needs --reason TEXT saying what is wrong and what to change")
        if not ns.reject and ns.reason is not None:
            raise kb_review.ReviewInputError("--reason is only used with --reject")
        if ns.reject and ns.source:
            raise kb_review.ReviewInputError("--source adds a source to an approval; it cannot be used with --reject")
        try:
            on = _review_date(ns.date)
        except ValueError as error:
            raise kb_review.ReviewInputError(str(error)) from None
        root = Path(ns.root) if ns.root else None
        if ns.reject:
            outcome = kb_review.reject(ns.statement_id, ns.reviewer, ns.reason, on, root=root)
        else:
            level = ReviewStatus.source_checked if ns.source_check else ReviewStatus.approved
            outcome = kb_review.approve(ns.statement_id, ns.reviewer, on, source_id=ns.source, root=root, level=level)
    except kb_review.ReviewInputError as error:
        print(f"{prefix}error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except kb_review.ReviewRefused as error:
        print(f"{prefix}refused: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except kb_review.ReviewError as error:
        print(f"{prefix}error: {error}", file=sys.stderr)
        return EXIT_INVALID
    print(outcome.message)
    return EXIT_OK


def _run_record_approved(ns: argparse.Namespace) -> int:
    from bot.kb_review import ReviewError, record_approved

    try:
        outcome = record_approved(Path(ns.root) if ns.root else None)
    except ReviewError as error:
        print(f"python -m bot kb record-approved: error: {error}", file=sys.stderr)
        return EXIT_INVALID
    print(outcome.message)
    return EXIT_OK


def _run_policy_page(ns: argparse.Namespace) -> int:
    from bot.editorial_policy import POLICY_DOC, write_policy_page

    try:
        page = write_policy_page()
    except OSError as error:
        print(f"python -m bot kb policy-page: error: cannot write the page from {POLICY_DOC}: {error}", file=sys.stderr)
        return EXIT_INVALID
    print(f"Wrote {page} from {POLICY_DOC}.")
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# answer
# --------------------------------------------------------------------------------------------


def add_answer_arguments(parser: argparse.ArgumentParser) -> None:
    from bot.answer_tables import ANSWERABLE_TOPICS
    from bot.cli import add_case_arguments  # lazy: bot.cli imports this module

    parser.add_argument("--topic", required=True, metavar="TOPIC", help="grade, stage, workup or a knowledge topic: " + ", ".join(ANSWERABLE_TOPICS[3:]))
    parser.add_argument("--audience", choices=AUDIENCE_CHOICES, default="clinician")
    parser.add_argument("--format", choices=FORMAT_CHOICES, default="text", dest="output_format")
    parser.add_argument("--root", help="knowledge directory (default: <repo>/knowledge)")
    parser.add_argument("--full", action="store_true",
                        help="the whole answer (how it was worked out, caveats, what would change it, guideline and "
                             "research bullets, every reference); default: the short form a clinician reads first "
                             "(bottom line, key points, compact references). JSON always holds everything")
    add_case_arguments(parser)


def run_answer(ns: argparse.Namespace) -> int:
    from bot.answer import compose_answer
    from bot.cli import case_from_args
    from bot.render import render

    case = case_from_args(ns)
    try:
        kb = _load(getattr(ns, "root", None))
    except KnowledgeError as error:
        _print_problems(error)
        return EXIT_INVALID
    answer = compose_answer(ns.topic, case=case, audience=ns.audience, kb=kb)
    text = render(answer, ns.output_format, short=not ns.full)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK
