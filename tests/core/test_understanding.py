"""The understanding step, as a table: a message (its intent and the extractor's entities) in a conversation
-> the typed Request (what the turn does, each value with its status, the asks in answer order)."""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import pytest

from bot.conversation import ConversationState
from reply_parts import computed
from bot.models import Case, MetastaticSite, Site
from bot.understanding import Act, Request, ValueStatus, understand

# A recorded case the follow-up rows speak about: ileal NET, Ki-67 2 %, 1.8 cm into the muscularis propria, N0 M0
RECORDED = ConversationState(
    case=Case(site=Site.jejunum_ileum, ki67_percent=2, tumour_size_cm=1.8, invasion="muscularis_propria",
              nodes_positive=False, metastatic_sites=[]),
    last_topic="stage",
)


def entities(text: str, *parts: Tuple[str, str, str]) -> List[Dict[str, object]]:
    """Entities as the extractor gives them: (words in the text, entity, value)."""
    out = []
    for words, entity, value in parts:
        start = text.index(words)
        out.append({"entity": entity, "value": value, "start": start, "end": start + len(words)})
    return out


def read(text: str, intent: str, *parts: Tuple[str, str, str], state: Optional[ConversationState] = None) -> Request:
    return understand(state or ConversationState(), intent, entities(text, *parts), text)


# message | intent | entities (words, entity, value) | state | act | asks in order
ACTS = [
    ("start over please", "start_over", [], None, Act.start_over, []),
    # a classifier's guess never clears the case: the words must ask for it
    ("ok", "start_over", [], None, Act.clarify, []),
    ("👍", "affirm", [], None, Act.no_words, []),
    ("what can you do?", "ask_capabilities", [], None, Act.capabilities, []),
    ("hello", "greet", [], None, Act.greet, []),
    # values with a grade question: the grade; the staging values given too: both, the grade first
    ("ileal NET ki67 4%, grade?", "ask_grade", [("ileal", "site", "jejunum_ileum"), ("ki67 4%", "ki67", "4")],
     None, Act.answer, ["grade"]),
    ("ileal NET ki67 4%, 0/12 LN, CT clear, stage?", "ask_stage",
     [("ileal", "site", "jejunum_ileum"), ("ki67 4%", "ki67", "4"), ("0/12 LN", "node_count", "0/12"),
      ("0/12 LN", "nodes", "negative"), ("CT", "test_result", "ct:negative")], None, Act.answer, ["grade", "stage"]),
    # several asks: computed results first, then the rest
    ("ileal NET ki67 4%, 3/14 LN+, liver mets. grade, stage and what next?", "ask_grade",
     [("ileal", "site", "jejunum_ileum"), ("ki67 4%", "ki67", "4"), ("3/14 LN+", "node_count", "3/14"),
      ("3/14 LN+", "nodes", "positive"), ("liver", "metastasis", "liver")], None, Act.answer,
     ["grade", "stage", "workup"]),
    # a vignette with another ask: the results its values decide come first
    ("liver mets, NET G2 ki67 10%, primary unknown - next step?", "ask_workup",
     [("liver", "metastasis", "liver"), ("ki67 10%", "ki67", "10"), ("primary unknown", "site", "unknown")],
     None, Act.answer, ["grade", "stage", "workup"]),
    # no values: the rules, not an empty computation
    ("how are NETs graded?", "ask_grade", [], None, Act.answer, ["grading_gep"]),
    # a hypothetical on a recorded case is computed on a copy
    ("and if it were node positive?", "give_values", [("node positive", "nodes", "positive")], RECORDED,
     Act.what_if, ["stage"]),
    # a classifier's what-if without hypothetical words is an ordinary message; with them, a copy even of nothing
    ("what if the Ki-67 were 30%?", "what_if", [("30%", "ki67", "30")], None, Act.what_if, ["grade"]),
    ("appy NET 1.5cm, perforates the peritoneum, ki67 3%", "what_if",
     [("appy", "site", "appendix"), ("ki67 3%", "ki67", "3")], None, Act.answer, ["grade"]),
    ("sorry, nodes were 1/14", "what_if", [("1/14", "node_count", "1/14"), ("1/14", "nodes", "positive")], RECORDED,
     Act.answer, ["stage"]),
    # back to the recorded case after a what-if
    ("ok, and as it actually is?", "nlu_fallback", [], RECORDED, Act.back_to_recorded, ["grade", "stage"]),
    ("ok, real one again pls", "nlu_fallback", [], RECORDED, Act.back_to_recorded, ["grade", "stage"]),
    # a result that says "clear" is never a start over, whatever the classifier guessed
    ("staging CT clear", "start_over", [("staging CT clear", "no_metastasis", "any")], RECORDED, Act.answer, ["stage"]),
    # a correction re-answers what it changes
    ("sorry ki67 was 12 not 2", "give_values", [("12", "ki67", "12")], RECORDED, Act.answer, ["grade"]),
    # a syndrome is read by the workup; a site alone computes nothing and asks nothing: noted
    ("pt has carcinoid syndrome", "give_values", [("carcinoid syndrome", "syndrome", "carcinoid")], None,
     Act.answer, ["workup"]),
    ("ileal NET", "give_values", [("ileal", "site", "jejunum_ileum")], None, Act.values_noted, []),
    # a question that only names what it is about asks for knowledge, whatever the classifier guessed
    ("quick one - type 1 gastric NET, whats the mechanism? is acid high or low and what's it associated with",
     "what_if", [("gastric", "site", "stomach")], None, Act.answer, ["gastric_net"]),
    ("De Dosso meta-analysis - what was the detection rate for the unknown primary, and how often did SSTR PET "
     "change management?", "nlu_fallback", [("unknown primary", "site", "unknown")], None, Act.answer, ["sstr_pet"]),
    # the name given before a short question says what it asks about
    ("PAX6 IHC for pancreatic origin of a NET met - how good?", "ask_ihc", [("pancreatic", "site", "pancreas")],
     None, Act.answer, ["ihc_site_of_origin"]),
    # a conditional with no case to change is a question, not a what-if
    ("secretin test: gastrin rose by 150 pg/mL. positive or not? and if it had been neg w high suspicion, then what",
     "what_if", [], None, Act.answer, ["gastrinoma"]),
]


@pytest.mark.parametrize("text, intent, parts, state, act, asks", ACTS, ids=[row[0][:40] for row in ACTS])
def test_a_message_is_read_into_an_act_and_its_asks(text: str, intent: str, parts: list,
                                                    state: Optional[ConversationState], act: Act, asks: list) -> None:
    request = read(text, intent, *parts, state=state)
    assert request.act == act
    assert request.topics == asks


# message | entities | (entity, value, status) of each value read
STATUSES = [
    ("0/11 LN, CT CAP no mets", [("0/11 LN", "nodes", "negative"), ("mets", "no_metastasis", "any")],
     [("nodes", "negative", ValueStatus.absent), ("no_metastasis", "any", ValueStatus.absent)]),
    ("necrosis present, 3/14 LN+", [("necrosis present", "necrosis", "present"), ("3/14 LN+", "nodes", "positive")],
     [("necrosis", "present", ValueStatus.present), ("nodes", "positive", ValueStatus.present)]),
    ("no necrosis, liver mets", [("no necrosis", "necrosis", "absent"), ("liver", "metastasis", "liver")],
     [("necrosis", "absent", ValueStatus.absent), ("metastasis", "liver", ValueStatus.present)]),
    ("CDX2 negative, ki67 3%", [("CDX2 negative", "ihc", "cdx2:negative"), ("ki67 3%", "ki67", "3")],
     [("ihc", "cdx2:negative", ValueStatus.absent), ("ki67", "3", ValueStatus.stated)]),
]


@pytest.mark.parametrize("text, parts, expected", STATUSES, ids=[row[0] for row in STATUSES])
def test_each_value_keeps_its_status_and_its_words(text: str, parts: list, expected: list) -> None:
    request = read(text, "give_values", *parts)
    assert [(v.entity, v.value, v.status) for v in request.values] == expected
    for value, (words, _, _) in zip(request.values, parts):
        assert value.words == words and text[value.start:value.end] == words


def test_an_absent_finding_is_never_applied_as_present() -> None:
    request = read("no liver mets, CT CAP no mets", "give_values", ("liver", "no_metastasis", "liver"),
                   ("mets", "no_metastasis", "any"))
    assert request.case.metastatic_sites == []
    assert all(v.status == ValueStatus.absent for v in request.values)


def test_a_hypothetical_is_marked_and_leaves_the_recorded_case() -> None:
    request = read("what if liver mets?", "what_if", ("liver", "metastasis", "liver"), state=RECORDED)
    assert request.hypothetical and all(v.hypothetical for v in request.values)
    assert request.case.metastatic_sites == [MetastaticSite.liver]
    assert request.previous == RECORDED.case  # the copy is computed on; the state is not touched


def test_not_known_answers_the_pending_question_with_its_status() -> None:
    state = RECORDED.model_copy(update={"pending": "differentiation"})
    request = understand(state, "give_values", [], "not known")
    assert request.said_unknown == "differentiation"
    assert [(v.entity, v.status) for v in request.values] == [("differentiation", ValueStatus.not_known)]


def test_a_safety_sensitive_message_is_read_before_anything_else() -> None:
    request = read("my husband has collapsed and is not responding", "ask_workup")
    assert request.safety is not None and request.safety.kind == "emergency"
    assert request.act == Act.safety_only and request.asks == []


def test_the_state_is_never_changed_by_reading() -> None:
    before = RECORDED.model_copy(deep=True)
    read("sorry ki67 was 12 not 2", "give_values", ("12", "ki67", "12"), state=RECORDED)
    assert RECORDED == before


def test_a_finding_not_assessed_is_never_applied_and_never_asked_again() -> None:
    from bot.conversation import handle_turn

    lung = [{"entity": "site", "value": "lung"}, {"entity": "mitoses", "value": "1/2mm2"},
            {"entity": "not_assessed", "value": "necrosis"}]
    request = understand(ConversationState(), "ask_grade", lung, "RUL carcinoid, 1 mitosis/2mm2, necrosis n/a. TC or AC?")
    assert request.case.necrosis is None and request.not_assessed == ["necrosis"]
    assert ("not_assessed", "necrosis", ValueStatus.not_known) in [(v.entity, v.value, v.status) for v in request.values]
    result = handle_turn(ConversationState(), "ask_grade", lung, "RUL carcinoid, 1 mitosis/2mm2, necrosis n/a. TC or AC?")
    assert "necrosis" in result.state.unknown_fields
    assert result.state.pending != "necrosis", "a finding said to be not assessed is not asked for"
    assert any("necrosis was not assessed" in m.text for m in result.messages)


def test_a_next_step_ask_about_a_site_with_its_own_topic_is_answered_from_it() -> None:
    text = "2.5cm appendix net found after appendectomy - next step?"
    request = read(text, "ask_workup", ("appendix", "site", "appendix"), ("2.5cm", "tumour_size", "2.5"))
    assert "workup" in request.topics and "appendix_net" in request.topics


def test_a_question_after_a_comma_is_a_question() -> None:
    # "..., does that rule out a small bowel primary": a question word opening a clause asks
    from bot.understanding import QUESTION_FORM

    assert QUESTION_FORM.search("biopsy proven NET liver mets. does that rule out a small bowel primary")
    assert not QUESTION_FORM.search("ileal NET 2cm, ki67 3%, 0/12 LN")


def test_a_case_that_asks_nothing_gets_its_t_and_n_even_without_m() -> None:
    text = "anterior resection for rectal NET 2.2 cm in submucosa, LN 0/3, ki67 7%"
    parts = [("rectal", "site", "rectum"), ("2.2 cm", "tumour_size", "2.2"), ("submucosa", "invasion", "confined"),
             ("LN 0/3", "node_count", "0/3"), ("LN 0/3", "nodes", "negative"), ("ki67 7%", "ki67", "7")]
    # the classifier guessed a follow-up question; the words ask nothing: the values are graded and staged
    assert read(text, "ask_follow_up", *parts).topics[:2] == ["grade", "stage"]


def test_nodes_not_assessed_are_staged_nx_and_not_asked_for() -> None:
    from bot.conversation import handle_turn

    entities = [{"entity": "site", "value": "appendix"}, {"entity": "tumour_size", "value": "1.2"},
                {"entity": "invasion", "value": "confined"}, {"entity": "not_assessed", "value": "nodes"}]
    result = handle_turn(ConversationState(), "ask_stage", entities, "appy NET tip 1.2 cm, confined, no LN in specimen. T?")
    stage = computed(result, "stage")
    assert (stage["t"], stage["n"], stage["stage_group"]) == ("T1", "NX", None)
    assert result.state.pending != "nodes_positive" and "nodes_positive" in result.state.unknown_fields
    # nodes given later replace the NX
    later = handle_turn(result.state, "give_values", [{"entity": "node_count", "value": "0/4"},
                                                      {"entity": "nodes", "value": "negative"}], "actually 0/4 nodes")
    assert later.state.case.nodes_assessed is None and later.state.case.nodes_positive is False
