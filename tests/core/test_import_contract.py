"""The import contract of the house (docs/ARCHITECTURE.md, "Rooms"): the core in bot/*.py never imports Rasa,
spaCy, the rasa-sdk or the Rasa-facing packages, and the engines import nothing of the answer or the dialogue.
Read from the source with ast, so a function-local import counts too."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, Tuple

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"
CORE_MODULES = sorted(p for p in BOT.glob("*.py"))
FORBIDDEN_IN_CORE = ("rasa", "rasa_sdk", "spacy", "medspacy", "tensorflow", "bot.nlu", "bot.channels", "bot.runtime")
ENGINES = ("grading.py", "staging.py", "workup.py")
FORBIDDEN_IN_ENGINES = ("bot.answer", "bot.answer_tables", "bot.conversation", "bot.render", "bot.knowledge",
                        "bot.ranking", "bot.safety", "bot.cli")


def imported_modules(path: Path) -> Iterator[Tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def _hits(path: Path, forbidden: Tuple[str, ...]) -> list:
    return [f"{path.name}:{line} imports {name}" for line, name in imported_modules(path)
            if any(name == f or name.startswith(f + ".") for f in forbidden)]


def test_the_core_modules_are_found() -> None:
    assert {"conversation.py", "grading.py", "staging.py", "safety.py", "ranking.py"} <= {p.name for p in CORE_MODULES}


@pytest.mark.parametrize("path", CORE_MODULES, ids=lambda p: p.name)
def test_the_core_never_imports_rasa_or_the_rasa_facing_packages(path: Path) -> None:
    assert _hits(path, FORBIDDEN_IN_CORE) == []


@pytest.mark.parametrize("name", ENGINES)
def test_the_engines_return_codes_without_the_answer_or_dialogue_layers(name: str) -> None:
    assert _hits(BOT / name, FORBIDDEN_IN_ENGINES) == []


def test_the_contract_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from rasa.core import agent\n    import bot.nlu.extractor\n")
    assert len(_hits(bad, FORBIDDEN_IN_CORE)) == 2
