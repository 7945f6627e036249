"""The NLU evaluation's scoring and its held-out sets (the model run itself is tests/nlu/evaluate.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import evaluate as ev  # noqa: E402

INTENTS = {
    "greet", "goodbye", "thanks", "affirm", "deny", "ask_capabilities", "out_of_scope", "choose_audience",
    "start_over", "ask_grade", "ask_stage", "ask_workup", "ask_imaging", "ask_labs", "ask_ihc", "ask_treatment",
    "ask_prognosis", "ask_definition", "ask_molecular", "ask_surgery", "ask_germline", "ask_follow_up",
    "ask_review_process", "give_values", "what_if", "explain",
}
ENTITIES = {
    "ki67", "mitoses", "site", "tumour_size", "differentiation", "necrosis", "invasion", "nodes", "node_count",
    "metastasis", "no_metastasis", "syndrome", "test_result", "ihc", "audience",
}
S = frozenset


def test_macro_f1_averages_over_true_intents_and_fallback_costs_recall() -> None:
    pairs = [("a", "a"), ("a", "a"), ("b", "b"), ("b", "nlu_fallback")]
    scores = ev.score_intents(pairs)
    # a: P=1 R=1 F=1; b: P=1 R=0.5 F=2/3 -> macro 5/6; nlu_fallback adds no label of its own
    assert scores.macro_f1 == pytest.approx(5 / 6)
    assert scores.accuracy == pytest.approx(0.75)
    assert set(scores.per_intent) == {"a", "b"}
    assert scores.confusions == [("b", "nlu_fallback", 1)]


def test_a_wrong_prediction_costs_precision_of_the_predicted_intent() -> None:
    scores = ev.score_intents([("a", "b"), ("b", "b")])
    assert scores.per_intent["b"][0] == pytest.approx(0.5)  # precision
    assert scores.per_intent["a"][2] == 0.0


@pytest.mark.parametrize(
    "expected, found, exact",
    [
        ({"ki67": S({"8"})}, {"ki67": S({"8"})}, True),
        ({"ki67": S({"8"})}, {"ki67": S({"8", "3"})}, False),  # a spurious extra value is wrong
        ({"ki67": S({"8"})}, {}, False),  # a missed value is wrong
        ({}, {"ki67": S({"3"})}, False),  # a value where none was expected is wrong
    ],
)
def test_entity_accuracy_needs_the_exact_set(expected, found, exact) -> None:
    score = ev.score_entity_group([("t", expected, found)], ("ki67",))
    assert (score.judged, score.exact) == (1, int(exact))


def test_messages_without_the_entity_are_not_judged() -> None:
    score = ev.score_entity_group([("t", {"site": S({"lung"})}, {"site": S({"lung"})})], ("ki67",))
    assert score.judged == 0 and score.accuracy == 1.0


def test_metastatic_sites_are_judged_with_their_negation() -> None:
    names = ev.GATED_GROUPS["metastatic sites (+negation)"]
    right = ({"metastasis": S({"liver"}), "no_metastasis": S({"bone"})},) * 2
    flipped = ({"metastasis": S({"liver"}), "no_metastasis": S({"bone"})}, {"metastasis": S({"liver", "bone"})})
    assert ev.score_entity_group([("t", *right)], names).exact == 1
    assert ev.score_entity_group([("t", *flipped)], names).exact == 0


def test_near_copies_are_found_but_different_questions_are_not() -> None:
    held = ["what exactly is a NET of unknown primary", "hey"]
    assert ev.near_copies(["What exactly is a NET of unknown primary?"], held)
    assert ev.near_copies(["Hey!"], held)  # same words after normalising
    assert not ev.near_copies(["how is a NET of unknown primary staged"], held)
    assert not ev.near_copies(["hey there"], held)  # too short to judge by overlap


@pytest.fixture(scope="module")
def heldout_sets() -> dict:
    return {path.name: ev.load_examples(path) for path in ev.HELDOUT_FILES}


def test_heldout_sets_are_large_enough_and_use_the_fixed_vocabularies(heldout_sets) -> None:
    examples = [e for group in heldout_sets.values() for e in group]
    assert len(heldout_sets["heldout.yml"]) >= 150
    assert {e.intent for e in examples} == INTENTS  # every intent is tested
    assert {name for e in examples for name in e.entities} <= ENTITIES
    texts = [e.text for e in examples]
    assert len(texts) == len(set(texts)), "a held-out message appears twice"
    counts = {intent: sum(e.intent == intent for e in examples) for intent in INTENTS}
    assert min(counts.values()) >= 3, counts


def test_heldout_sets_cover_the_gated_entities(heldout_sets) -> None:
    examples = [e for group in heldout_sets.values() for e in group]
    for group, names in ev.GATED_GROUPS.items():
        with_group = [e for e in examples if any(e.entities.get(n) for n in names)]
        assert len(with_group) >= 15, group
    assert any(e.entities.get("no_metastasis") for e in examples)


def test_every_button_text_has_a_known_intent() -> None:
    rows = ev.button_texts()
    assert len(rows) >= 20
    unknown = [(text, intent) for text, intent in rows if intent not in INTENTS]
    assert not unknown, "a button in knowledge/topics.yml names an intent the domain does not have"


def test_missing_model_is_a_clear_error(capsys, tmp_path) -> None:
    assert ev.main(["--model", str(tmp_path / "none.tar.gz")]) == 2
    assert "no trained model" in capsys.readouterr().err


def test_bad_heldout_row_names_the_row(tmp_path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text("examples:\n  - text: hi\n    intent: greet\n  - text: oops\n", encoding="utf-8")
    with pytest.raises(ValueError, match="example 2"):
        ev.load_examples(path)


def test_generated_training_file_matches_its_generator() -> None:
    import generate_mixed

    assert generate_mixed.OUT.read_text(encoding="utf-8") == generate_mixed.render(), (
        "data/nlu/mixed.yml was edited by hand: edit tests/nlu/generate_mixed.py and rerun it"
    )
