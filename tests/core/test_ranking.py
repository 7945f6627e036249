"""Statement ranking (bot/ranking.py): the statement that answers a question's words leads, across the whole
knowledge base; one shared word is not an answer; a routed topic keeps the question unless another topic
clearly answers it."""

from __future__ import annotations

import pytest

from bot.answer import compose_answer
from bot.ranking import MIN_SCORE, best_topic, question_parts, rank_statements, statement_index, tokens
from bot.knowledge import DEFAULT_ROOT

RANKING_TABLE = [
    # question, a statement that must be among the three best
    ("does omeprazole affect chromogranin?", "labs_cga.ppi_effect_korse"),
    ("how long off the PPI before a CgA?", "labs_cga.ppi_two_week_washout"),
    ("ga68 dotatate negative, does it rule out a NET?", "sstr_pet.pitfalls"),
    ("who should get MEN1 testing?", "germline.eviq_men1_testing_criteria"),
    ("options after progression on lanreotide", "treatment_well_differentiated.netter1"),
]


@pytest.mark.parametrize("question, statement_id", RANKING_TABLE)
def test_the_statement_that_answers_is_among_the_best(question: str, statement_id: str) -> None:
    assert statement_id in [sid for sid, _ in rank_statements(question, limit=3)]


def test_synonyms_meet_in_questions_and_statements() -> None:
    root = str(DEFAULT_ROOT)
    assert tokens("Ga-68 DOTATATE scan", root)[0] == tokens("SSTR PET", root)[0]
    assert tokens("omeprazole", root) == tokens("PPI", root)


def test_a_surveillance_question_on_an_unresected_tumour_is_answered_by_its_own_statements() -> None:
    # "surveillance" also matches the follow-up schedules after resection, which do not answer it
    best = rank_statements("pNET 2.0cm incidental, surveillance?", limit=1)
    assert best and best[0][0].startswith("small_pnet.")


def test_scores_below_the_floor_are_dropped() -> None:
    assert all(score >= MIN_SCORE for _, score in rank_statements("what is a NET of unknown primary?", limit=5))


def test_a_routed_topic_keeps_a_question_it_answers() -> None:
    assert best_topic("how are statements reviewed before they are shown?", "editorial") == "editorial"


def test_a_ranked_statement_leads_an_information_answer() -> None:
    question = "ga68 dotatate negative, does it rule out a NET?"
    assert compose_answer("sstr_pet", question=question).statement_ids()[0] == "sstr_pet.pitfalls"
    assert compose_answer("sstr_pet").statement_ids()[0] != "sstr_pet.pitfalls"  # not the topic's first statement


def test_a_trial_name_matches_whatever_its_dash() -> None:
    for question in ("netter 1 entry criteria?", "NETTER-1 population", "who was in netter-1"):
        assert rank_statements(question, limit=1)[0][0].startswith("treatment_well_differentiated.netter1")
    assert rank_statements("blorp the thing") == []  # one common word is not a match, however rare


# message | the names it gives (a trial, stain, tracer, drug or a cited first author, as written)
NAMES = [
    ("PAX6 IHC for pancreatic origin of a NET met - how good?", ["PAX6"]),
    ("RADIANT-4 - were pts with carcinoid syndrome allowed? and PFS?", ["RADIANT-4"]),
    ("De Dosso meta-analysis - detection rate?", ["Dosso"]),
    ("netter 2 population?", ["netter 2"]),
    # an author's name is a name only as written ("hope" is a word); bodies and abbreviations are not subjects
    ("i hope the WHO grade is G1, PFS?", []),
]


@pytest.mark.parametrize("text, names", NAMES)
def test_the_names_a_message_gives_are_found(text: str, names: list) -> None:
    assert statement_index().names_in(text) == names


def test_a_cited_first_author_names_the_statements_citing_them() -> None:
    best = rank_statements("what did De Dosso find?", limit=1)
    assert best and best[0][0].startswith("sstr_pet.de_dosso")


@pytest.mark.parametrize("text, parts", [
    ("pooled detection rate of SSTR PET for unknown primary NET? does it change mgmt", 2),
    ("De Dosso: what was the detection rate, and how often did SSTR PET change management?", 2),
    ("which tracer for an unknown primary NET?", 1),
])
def test_a_message_is_split_into_its_questions(text: str, parts: int) -> None:
    assert len(question_parts(text)) == parts


def test_each_question_of_a_message_gets_the_statement_that_answers_it() -> None:
    answer = compose_answer("sstr_pet", question="pooled detection rate of SSTR PET for unknown primary NET? "
                                                 "does it change mgmt")
    direct = [sid for sentence in answer.direct_answer for sid in sentence.statement_ids]
    assert "sstr_pet.de_dosso_cup_detection" in direct
    assert "sstr_pet.de_dosso_management_change" in direct
