"""`python -m bot kb check` and `python -m bot answer`: registered in bot/cli.py's SUBCOMMANDS.

kb check: validate the knowledge base, print counts by tier, topic and effective review status and
list stale statements; exit 0 when valid, 1 with one line per problem (file, id, field) when not.
answer: compose and render the cited answer for a topic and an optional case.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from bot.knowledge import KnowledgeBase, KnowledgeError, clear_knowledge_cache, load_knowledge

EXIT_OK = 0
EXIT_INVALID = 1
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
    lines.append(f"Stale (approved, but the content hash was not recorded or no longer matches): {len(stale)}")
    for statement in stale:
        recorded = statement.review.content_hash
        why = f"recorded {recorded}, now {statement.current_hash}" if recorded else f"no hash recorded; now {statement.current_hash}"
        lines.append(f"  {statement.id} ({kb.statement_files[statement.id]}): {why}")
    return lines


def run_kb(ns: argparse.Namespace) -> int:
    if ns.kb_command != "check":  # argparse only lets known subcommands through
        return EXIT_INVALID
    try:
        kb = _load(getattr(ns, "root", None))
    except KnowledgeError as error:
        _print_problems(error)
        return EXIT_INVALID
    print("\n".join(check_report(kb)))
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
    text = render(answer, ns.output_format)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK
