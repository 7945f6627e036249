"""The words that ask: what a message's statements are ranked against, without the case it asks about."""

from __future__ import annotations

from typing import List

import pytest

from bot.conversation import ConversationState
from bot.understanding import _Reading, clause_spans


def span(text: str, part: str, entity: str, value: str) -> dict:
    start = text.index(part)
    return {"entity": entity, "value": value, "start": start, "end": start + len(part)}


def ask(text: str, entities: List[dict], without_computed_asks: bool = False) -> str:
    turn = _Reading(ConversationState(), "ask_treatment", entities, text)
    return " ".join(turn.ask_text(without_computed_asks).split())


@pytest.mark.parametrize(
    "text, parts, expected",
    [
        # the trailing clauses without a value are the question; the site named says what it is about
        ("pNET 1.5cm ki67 2%, surgery or surveillance?",
         [("pNET", "site", "pancreas"), ("1.5cm", "tumour_size", "1.5"), ("ki67 2%", "ki67", "2")],
         "surgery or surveillance pNET"),
        ("72M gastric NET 8mm multiple polyps, atrophic gastritis, ki67 1%. what type and how to manage",
         [("gastric", "site", "stomach"), ("8mm", "tumour_size", "0.8"), ("ki67 1%", "ki67", "1")],
         "what type and how to manage gastric"),
        ("62F corpus polyps, WD NET, ki67 1%. resect or surveil?",
         [("corpus", "site", "stomach"), ("ki67 1%", "ki67", "1")], "resect or surveil corpus"),
        # the last clause asks too, question mark or not
        ("pNET 1.6cm ki67 1%, no mets. T? stage? and can we just watch him",
         [("pNET", "site", "pancreas"), ("1.6cm", "tumour_size", "1.6"), ("ki67 1%", "ki67", "1")],
         "T stage and can we just watch him pNET"),
        # no clause without a value: the whole message without the values' spans
        ("ki67 2% pancreatic NET what next",
         [("ki67 2%", "ki67", "2"), ("pancreatic", "site", "pancreas")],
         "pancreatic NET what next"),
        # a trial name with a digit is not a clinical value
        ("ileal NET ki67 15% liver mets, NETTER-2 eligible?",
         [("ileal", "site", "jejunum_ileum"), ("ki67 15%", "ki67", "15"), ("liver mets", "metastasis", "liver")],
         "NETTER-2 eligible ileal"),
    ],
)
def test_the_question_is_read_without_the_case(text: str, parts: list, expected: str) -> None:
    assert ask(text, [span(text, *p) for p in parts]) == expected


def test_the_words_asking_for_the_stage_are_left_out_of_another_ask() -> None:
    text = "jejunal NET 3cm, liver mets ki67 8% - stage, treatment options"
    entities = [span(text, "jejunal", "site", "jejunum_ileum"), span(text, "3cm", "tumour_size", "3"),
                span(text, "liver mets", "metastasis", "liver"), span(text, "ki67 8%", "ki67", "8")]
    assert ask(text, entities) == "stage treatment options jejunal"
    assert ask(text, entities, without_computed_asks=True) == "treatment options jejunal"


def test_a_question_without_values_is_taken_whole() -> None:
    assert ask("what did CLARINET show, and who was in it?", []) == "what did CLARINET show, and who was in it?"


@pytest.mark.parametrize(
    "text, clauses",
    [
        ("a, b. c - d? e", ["a", " b", " c", "d", " e"]),
        ("ki67 2.5%, 1,2 nodes", ["ki67 2.5%", " 1,2 nodes"]),  # decimals and number lists are not clause ends
        ("NETTER-2 results", ["NETTER-2 results"]),  # an unspaced dash is a word's
    ],
)
def test_clauses(text: str, clauses: List[str]) -> None:
    assert [text[a:b] for a, b in clause_spans(text)] == clauses
