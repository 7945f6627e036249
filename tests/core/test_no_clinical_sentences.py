"""No clinical sentence in the core's Python (issue 13): the knowledge base owns every clinical sentence, with its
statements and a review status (knowledge/statements/, knowledge/computed/*.yml); the engines return codes.

The check reads every string literal of the core (bot/*.py and bot/render/*.py; docstrings left out, an f-string
read with its fields as '{}') and flags a sentence in it when all of these hold:
  - it has 4 words or more and is not a question (a question to the user is a question, not a claim);
  - it names something clinical (CLINICAL_TERMS: an index, a category, a site, a test, a drug, a guideline body);
  - it states something: a figure with a clinical unit ('20%', '2 cm', '2 mm²', '5-year', '500 cells'; read by the
    unit reader of `kb check`, bot/computed_wording.py) or a claim ('->', 'is recommended', 'should', 'must',
    'consider', 'means', 'indicates', 'is staged/graded/classified', 'are not staged/graded/covered/used', 'read
    as', 'can only', 'graded on', ...).
Left out as engineering: regular expressions (a literal with regex syntax) and word lists (many lower-case words,
no punctuation); text in double quotes is an example of what a user types and is removed first.

A flagged literal belongs in knowledge/ (a template with its statements, or a statement). The few that are not
clinical claims although they read like one are in ALLOWED, each with its reason; an ALLOWED entry that no longer
matches fails too, so the list stays exact. docs/CONTRIBUTING.md says how to handle a failure.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from bot.computed_wording import template_figures

ROOT = Path(__file__).resolve().parents[2]
CORE = sorted((ROOT / "bot").glob("*.py")) + sorted((ROOT / "bot" / "render").glob("*.py"))

CLINICAL_TERMS = re.compile(
    r"\b(ki-?67|mitos\w*|mitotic|necrosis|carcinoids?|NECs?|NETs?|NENs?|G[123]|grades?|graded|stages?|staged|"
    r"T[0-4X]|N[0-2X]|M0|M1[abc]?|metasta\w*|tumou?rs?|nodes?|invasion|invad\w*|differentiat\w*|PET|SSTR|"
    r"DOTATATE|DOTATOC|octreotide|lanreotide|somatostatin|PRRT|lutetium|everolimus|sunitinib|chromogranin|5-HIAA|"
    r"serotonin|insulinoma|gastrinoma|biops\w*|resection|surgery|chemotherapy|\w*platin|etoposide|capecitabine|"
    r"temozolomide|AJCC|WHO|ENETS|NCCN|ESMO|NANETS|carcinomas?|primary|liver|pancrea\w*|ileum|ileal|appendi\w*|"
    r"rect\w*|colon|duoden\w*|gastric|stomach|lung|thym\w*|surviv\w*)\b", re.IGNORECASE)
CLAIM = re.compile(
    r"->|→|\bis (?:recommended|staged|graded|classified|defined|reported)\b|\bshould\b|\bmust\b|\bconsider\b|"
    r"\bmeans\b|\bindicates?\b|\bsuggests?\b|\bwhich makes\b|\bare (?:not )?(?:staged|graded|covered|used)\b|"
    r"\bis (?:not )?(?:staged|graded|used)\b|\bfirst[- ]line\b|\bsecond[- ]line\b|\b(?:read|taken) as\b|"
    r"\bcan only\b|\bgraded on\b", re.IGNORECASE)
CLINICAL_UNITS = frozenset({"%", "cm", "mm", "mm²", "hpf", "month", "year", "week", "mitosis", "cell", "node",
                            "patient"})
REGEX_SYNTAX = re.compile(r"\\[bdswBDSW]|\(\?[:=!<]|\[\^|\{\d+,\d*\}")
QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”")
SENTENCE_END = re.compile(r"(?<=[.?!;])\s+")

# (file, the literal's start) -> why it is not a clinical sentence
ALLOWED = {
    ("bot/answer_tables.py", "a survival rate at a fixed time"):
        "names a question NETguide does not cover ('I cannot answer ...'), not a claim about survival",
    ("bot/case_update.py", "The Ki-67 value {}% is not possible"):
        "input validation: a percentage lies between 0 and 100 (arithmetic, not a clinical fact)",
    ("bot/cli.py", "mesenteric mass > 2 cm (jejunum/ileum)"):
        "--help text naming a command-line input (the Case field bulky_mesenteric_mass)",
}


def literals(source: str) -> Iterator[Tuple[int, str]]:
    """(line, text) of every string literal except docstrings; an f-string with its fields as '{}'."""
    tree = ast.parse(source)
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                skipped.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skipped.update(id(v) for v in node.values)
            yield node.lineno, "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped:
            yield node.lineno, node.value


def _is_word_list(text: str) -> bool:
    words = text.split()
    return len(words) > 15 and all(re.fullmatch(r"[a-z']+", w) for w in words)


def clinical_sentences(text: str) -> List[str]:
    """The sentences of a literal that read as clinical claims (see the module docstring)."""
    if REGEX_SYNTAX.search(text) or _is_word_list(text):
        return []
    found = []
    for sentence in SENTENCE_END.split(QUOTED.sub(" ", text)):
        sentence = sentence.strip()
        if sentence.endswith("?") or len(re.findall(r"[A-Za-z][\w'-]*", sentence)) < 4:
            continue
        if not CLINICAL_TERMS.search(sentence):
            continue
        figures = [f for f in template_figures(sentence) if f.unit in CLINICAL_UNITS]
        if figures or CLAIM.search(sentence):
            found.append(sentence)
    return found


def _flagged() -> List[Tuple[str, int, str]]:
    out = []
    for path in CORE:
        rel = path.relative_to(ROOT).as_posix()
        for line, text in literals(path.read_text(encoding="utf-8")):
            if clinical_sentences(text):
                out.append((rel, line, text))
    return out


def _allowed(rel: str, text: str) -> bool:
    return any(rel == file and text.startswith(start) for file, start in ALLOWED)


def test_no_clinical_sentence_in_the_core() -> None:
    offending = [f"{rel}:{line}: {text[:160]!r}" for rel, line, text in _flagged() if not _allowed(rel, text)]
    assert not offending, ("clinical sentences in Python; move each to knowledge/ (a template of "
                           "knowledge/computed/*.yml with its statements, or a statement), see docs/CONTRIBUTING.md:\n"
                           + "\n".join(offending))


def test_every_allowed_literal_still_exists() -> None:
    flagged = _flagged()
    stale = [key for key in ALLOWED if not any(rel == key[0] and text.startswith(key[1]) for rel, _, text in flagged)]
    assert not stale, f"ALLOWED entries that no longer match a flagged literal (remove them): {stale}"


@pytest.mark.parametrize("text, flagged", [
    # clinical sentences: a figure with its unit, or a claim, about something clinical
    ("Ki-67 above 20% is G3.", True),
    ("NECs are not graded; they are high grade by definition, which makes them NEC.", True),
    ("Mitotic count converted: {} per 10 HPF = {} per 2 mm².", True),
    ("PRRT should be considered after progression on a somatostatin analogue.", True),
    ("{} -> T2 (invades the muscularis propria or > 1 cm)", True),
    ("A 5-year survival of 80 % is reported for this stage.", True),
    # not: questions to the user, UI and engineering strings, examples of what a user types
    ("What is the mitotic count per 2 mm²?", False),
    ("I need more values before I can grade this tumour.", False),
    ('Give me the values (for example "Ki-67 12%, 1 mitosis per 2 mm2") and ask for the grade.', False),
    (r"\bki-?67\b\s*(\d+)\s*%", False),
    ("the figure {} is in none of the statements it cites", False),
    ("Knowledge base OK: {} statements, {} sources", False),
    ("a an and are as at be been but by can could did do does for from had has have how if in into is it its me my",
     False),
])
def test_the_check_flags_clinical_sentences_and_not_ui_or_engineering_strings(text: str, flagged: bool) -> None:
    assert bool(clinical_sentences(text)) == flagged


def test_a_clinical_sentence_added_to_a_module_is_found() -> None:
    source = 'TEXT = "Ki-67 above 20% means G3."\n\ndef f():\n    """Docstrings may say that Ki-67 above 20% is G3."""\n'
    assert [text for _, text in literals(source) if clinical_sentences(text)] == ["Ki-67 above 20% means G3."]
