"""The dialogue core (bot.conversation.handle_turn): answers at once, asks for one missing value,
reads short replies, corrections, "not known", what-ifs on a copy, explanations, audience, scope.

The last test replays tests/test_stories.yml through handle_turn: `rasa test` only predicts actions,
so this is what checks that the slot_was_set lines written there are the action's real effects.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import yaml

from bot.case_update import reply_entities
from bot.conversation import ConversationState, TurnResult, handle_turn, most_useful_missing
from reply_parts import answer_message, computed, part_of
from bot.understanding import affected_topics
from bot.models import Case, Differentiation, MetastaticSite, Site

ROOT = Path(__file__).resolve().parents[2]
TEST_STORIES = ROOT / "tests" / "test_stories.yml"
UTTERED_BY_RESPONSE = {"greet": "utter_greet", "goodbye": "utter_goodbye", "thanks": "utter_thanks"}
SLOTS = ("case", "audience", "last_topic", "pending_question", "unknown_fields")


def ents(**values: Any) -> List[Dict[str, str]]:
    out = []
    for name, value in values.items():
        for v in value if isinstance(value, list) else [value]:
            out.append({"entity": name, "value": v})
    return out


def turn(state: ConversationState, intent: str, text: str = "", **values: Any) -> TurnResult:
    return handle_turn(state, intent, ents(**values), text, "markdown")


def text_of(result: TurnResult) -> str:
    return "\n".join(m.text for m in result.messages)


# --------------------------------------------------------------------------------------------
# Answer at once, then ask the one most useful missing value
# --------------------------------------------------------------------------------------------


def test_first_question_is_answered_and_one_missing_index_is_asked() -> None:
    result = turn(ConversationState(), "ask_grade", "ki67 12% grade?", ki67="12", site="unknown")
    assert computed(result, "grade")["grade"] == "G2"
    assert result.state.pending == "mitoses"
    asked = result.messages[-1]
    assert "mitotic count" in asked.text and {"title": "Not known", "payload": "not known"} in asked.buttons
    assert result.state.audience == "clinician"
    assert re.search(r"\[\d+(, \d+)*\]", result.messages[0].text), "the answer is cited"


def test_bare_number_answers_the_pending_question() -> None:
    first = turn(ConversationState(), "ask_grade", "ki67 12% grade?", ki67="12", site="unknown")
    second = turn(first.state, "give_values", "3")
    assert second.state.case.mitoses == 3 and second.state.case.ki67_percent == 12
    assert computed(second, "grade")["grade"] == "G2"
    assert second.state.pending == "differentiation"


def test_not_known_is_remembered_and_the_answer_stays_provisional() -> None:
    first = turn(ConversationState(), "ask_grade", "ki67 2% grade?", ki67="2", site="pancreas")
    assert first.state.pending == "mitoses"
    second = turn(first.state, "give_values", "not known")
    assert "mitoses" in second.state.unknown_fields
    assert "not known" in text_of(second) and "provisional" in text_of(second)
    assert computed(second, "grade")["provisional"] is True
    assert second.state.pending != "mitoses", "a value said to be unknown is not asked again"


def test_unknown_for_the_site_means_an_unknown_primary() -> None:
    first = turn(ConversationState(), "ask_stage", "liver mets, stage?", metastasis="liver")
    assert first.state.pending == "site"
    second = turn(first.state, "give_values", "unknown")
    assert second.state.case.site == Site.unknown
    assert computed(second, "stage")["stage_group"] == "IV"


@pytest.mark.parametrize(
    "pending, text, intent, expected, unknown",
    [
        ("ki67_percent", "18", "give_values", [("ki67", "18")], False),
        ("ki67_percent", "2-3%", "nlu_fallback", [("ki67", "2-3")], False),
        ("ki67_percent", "<1%", "give_values", [("ki67", "<1")], False),
        ("mitoses", "3", "give_values", [("mitoses", "3")], False),
        ("tumour_size_cm", "24 mm", "give_values", [("tumour_size", "2.4")], False),
        ("tumour_size_cm", "1.5", "give_values", [("tumour_size", "1.5")], False),
        ("nodes_positive", "no", "deny", [("nodes", "negative")], False),
        ("nodes_positive", "yes", "affirm", [("nodes", "positive")], False),
        ("metastatic_sites", "none", "deny", [("no_metastasis", "any")], False),
        ("metastatic_sites", "yes", "affirm", [], False),  # yes alone does not say where
        ("necrosis", "absent", "give_values", [("necrosis", "absent")], False),
        ("differentiation", "poorly", "nlu_fallback", [("differentiation", "poorly")], False),
        ("bulky_mesenteric_mass", "no", "deny", [("bulky_mesenteric_mass", "no")], False),
        ("mitoses", "not known", "give_values", [], True),
        ("mitoses", "I don't know", "deny", [], True),
        ("invasion", "n/a", "nlu_fallback", [], True),
        ("site", "unknown", "give_values", [("site", "unknown")], False),
        ("mitoses", "what is the prognosis of a NET of unknown primary?", "ask_prognosis", [], False),
    ],
)
def test_short_replies_to_the_question_asked(pending: str, text: str, intent: str, expected: list, unknown: bool) -> None:
    extra, said_unknown = reply_entities(pending, text, intent, [])
    assert [(e["entity"], e["value"]) for e in extra] == expected
    assert said_unknown is unknown


def test_extractor_entities_for_the_field_win_over_the_short_reply_reading() -> None:
    extra, unknown = reply_entities("ki67_percent", "ki67 18", "give_values", [{"entity": "ki67", "value": "18"}])
    assert extra == [] and unknown is False


def test_correction_replaces_the_value_and_says_so() -> None:
    first = turn(ConversationState(), "ask_grade", "ki67 12, 1 mitosis", ki67="12", mitoses="1/2mm2")
    second = turn(first.state, "give_values", "sorry, Ki-67 was 18", ki67="18")
    assert second.state.case.ki67_percent == 18
    assert "Ki-67 18% (was: 12%)" in text_of(second)
    assert computed(second, "grade")["grade"] == "G2"


def test_digression_is_answered_at_once_and_the_question_lapses() -> None:
    first = turn(ConversationState(), "ask_grade", "ki67 15 grade", ki67="15")
    second = turn(first.state, "ask_prognosis", "what is the prognosis?")
    assert second.topics == ["prognosis"] and second.state.pending is None
    assert second.state.case.ki67_percent == 15, "the case is kept"


def test_several_values_at_once_answer_grade_and_stage() -> None:
    result = turn(ConversationState(), "give_values", "pNET 2.4 cm, node neg, ki-67 2 %",
                  site="pancreas", tumour_size="2.4", nodes="negative", ki67="2")
    assert result.topics == ["grade", "stage"]
    assert computed(result, "grade")["grade"] == "G1" and computed(result, "stage")["n"] == "N0"


# --------------------------------------------------------------------------------------------
# Context: what-if, why, start over
# --------------------------------------------------------------------------------------------


def test_what_if_answers_on_a_copy_and_keeps_the_recorded_case() -> None:
    first = turn(ConversationState(), "ask_grade", "", ki67="8", mitoses="3/2mm2", site="unknown", metastasis="liver")
    what_if = turn(first.state, "what_if", "what if the Ki-67 were 25?", ki67="25")
    assert computed(what_if, "grade")["grade"] == "G3"
    assert what_if.state.case == first.state.case and what_if.state.case.ki67_percent == 8
    assert "recorded case is unchanged" in text_of(what_if)
    bone = turn(what_if.state, "what_if", "and if there are bone mets too?", metastasis="bone")
    assert computed(bone, "stage")["m"] == "M1c"
    assert bone.state.case.metastatic_sites == [MetastaticSite.liver]


def test_what_if_without_a_value_asks_which_value() -> None:
    first = turn(ConversationState(), "ask_grade", "", ki67="8", mitoses="1/2mm2")
    result = turn(first.state, "what_if", "what if it were different?")
    assert "Which value should I change" in text_of(result) and result.state.case == first.state.case


def test_why_shows_the_rules_of_the_last_result() -> None:
    first = turn(ConversationState(), "ask_stage", "", site="unknown", metastasis="liver")
    why = turn(first.state, "explain", "why?")
    assert "AJCC8-M1-STAGE-IV" in text_of(why) and "AJCC8-M1A" in text_of(why)
    assert turn(ConversationState(), "explain", "why?").messages[0].text.startswith("There is no result to explain")


def test_start_over_clears_the_case_but_keeps_the_audience() -> None:
    state = ConversationState(case=Case(ki67_percent=5), audience="patient", last_topic="grade",
                              pending="mitoses", unknown_fields=["mitoses"])
    result = turn(state, "start_over", "start over")
    assert result.state == ConversationState(audience="patient")


@pytest.mark.parametrize(
    "changed, last, topics",
    [
        ({"ki67_percent"}, None, ["grade"]),
        ({"ki67_percent"}, "stage", ["grade"]),
        ({"metastatic_sites"}, "grade", ["stage"]),
        ({"ki67_percent", "tumour_size_cm"}, None, ["grade", "stage"]),
        ({"ki67_percent", "tumour_size_cm"}, "stage", ["stage", "grade"]),
        ({"site"}, "stage", ["stage"]),
        ({"site"}, None, []),
        ({"tests_done"}, None, ["workup"]),
        ({"ki67_percent"}, "workup", ["workup"]),
        (set(), "grade", []),
    ],
)
def test_which_computations_new_values_reanswer(changed: set, last: Any, topics: List[str]) -> None:
    assert affected_topics(changed, last) == topics


def test_most_useful_missing_follows_the_ask_order_and_skips_unknown() -> None:
    missing = {"stage": ["differentiation", "invasion", "metastatic_sites"]}
    assert most_useful_missing(missing, []) == "invasion"
    assert most_useful_missing(missing, ["invasion"]) == "metastatic_sites"
    assert most_useful_missing({"grade": ["differentiation", "mitoses"]}, []) == "mitoses"
    assert most_useful_missing({"grade": []}, []) is None


def test_question_without_values_explains_the_rules_and_asks_the_first_value() -> None:
    result = turn(ConversationState(), "ask_grade", "How do I grade a NET from Ki-67 and mitoses?")
    assert result.topics == ["grading_gep"] and result.state.pending == "ki67_percent"
    staged = turn(ConversationState(), "ask_stage", "How are NETs of unknown primary staged?")
    assert staged.topics == ["staging_unknown_primary"] and staged.state.pending == "site"


@pytest.mark.parametrize(
    "intent, text, values, asked",
    [
        # primary not found: T is TX, no chapter gives a group; size, depth and node details change nothing
        ("ask_stage", "how do you stage a net cup", {"site": "unknown"}, "metastatic_sites"),
        ("ask_stage", "cup, ki67 5, stage?", {"site": "unknown", "ki67": "5"}, "metastatic_sites"),
        ("ask_stage", "nodal NET, cup, no other disease, stage?",
         {"site": "unknown", "nodes": "positive", "no_metastasis": "any"}, "differentiation"),
        ("ask_stage", "nodal NET, cup, well diff, no other disease, stage?",
         {"site": "unknown", "nodes": "positive", "no_metastasis": "any", "differentiation": "well"}, None),
        # a known site still asks for its size first
        ("ask_stage", "pNET, stage?", {"site": "pancreas", "differentiation": "well"}, "tumour_size_cm"),
    ],
)
def test_unknown_primary_staging_never_asks_for_size_or_depth(intent: str, text: str, values: dict, asked: Any) -> None:
    result = turn(ConversationState(), intent, text, **values)
    assert result.state.pending == asked


def test_nodal_disease_without_a_primary_and_nothing_else_is_tx_m0_without_a_stage_group() -> None:
    # "NET in a lymph node, primary not found despite workup, no other disease - what stage" (the classifier
    # may call it a workup question: the words ask for the stage)
    result = turn(ConversationState(), "ask_workup",
                  "NET in a lymph node, primary not found despite workup, no other disease - what stage",
                  site="unknown", nodes="positive", no_metastasis="any")
    assert result.topics == ["stage"]
    stage = computed(result, "stage")
    assert stage["t"] == "TX" and stage["m"] == "M0" and stage["stage_group"] is None
    assert result.state.case.nodes_positive is True and result.state.case.metastatic_sites == []


@pytest.mark.parametrize(
    "intent, text, values, topic",
    [
        # where does the stain point -> the IHC topic, whichever intent the classifier picked
        ("ask_workup", "satb2 positive, where to look", {"ihc": "satb2:positive"}, "ihc_site_of_origin"),
        ("ask_ihc", "satb2 positive, where to look", {"ihc": "satb2:positive"}, "ihc_site_of_origin"),
        ("ask_workup", "TTF1 neg CDX2 pos liver bx, likely primary?",
         {"ihc": ["ttf1:negative", "cdx2:positive"], "metastasis": "liver"}, "ihc_site_of_origin"),
        ("ask_ihc", "isl1+ pax8+ liver met, which primary", {"ihc": ["isl1:positive", "pax8:positive"]},
         "ihc_site_of_origin"),
        # which test comes next -> the workup, whichever intent; also when the classifier was unsure
        ("ask_ihc", "NET of unknown primary, CDX2+ — which test next to find it",
         {"site": "unknown", "ihc": "cdx2:positive"}, "workup"),
        ("nlu_fallback", "NET of unknown primary, CDX2+ — which test next to find it",
         {"site": "unknown", "ihc": "cdx2:positive"}, "workup"),
        ("nlu_fallback", "cdx2 pos islet1 neg, where is the primary likely",
         {"ihc": ["cdx2:positive", "isl1:negative"]}, "ihc_site_of_origin"),
        ("ask_workup", "cdx2 positive cup what next", {"site": "unknown", "ihc": "cdx2:positive"}, "workup"),
        # no site-of-origin stain: the intent decides as before
        ("ask_ihc", "what does synaptophysin positive mean", {"ihc": "synaptophysin:positive"}, "ihc_differentiation"),
        ("ask_workup", "liver mets no primary, what next", {"site": "unknown", "metastasis": "liver"}, "workup"),
    ],
)
def test_a_stain_with_a_question_gets_where_it_points_or_the_next_test(intent: str, text: str, values: dict,
                                                                      topic: str) -> None:
    topics = turn(ConversationState(), intent, text, **values).topics
    # the stage the values decide ("liver mets" -> stage IV) comes first, then the question asked
    assert topics[-1] == topic and set(topics[:-1]) <= {"stage"}


def test_two_mitotic_counts_are_both_shown_and_the_grade_uses_the_higher() -> None:
    result = turn(ConversationState(), "ask_grade", "ki67 10%, mitoses 3/2mm2 and 8/2mm2, grade?",
                  ki67="10", mitoses=["3/2mm2", "8/2mm2"])
    assert result.state.case.mitoses == 8
    shown = text_of(result)
    assert "3 per 2 mm²" in shown and "8 per 2 mm²" in shown and "highest" in shown


# --------------------------------------------------------------------------------------------
# Audience, scope, fallback, robustness
# --------------------------------------------------------------------------------------------


def test_audience_change_reanswers_the_last_topic_in_plain_language() -> None:
    first = turn(ConversationState(), "ask_grade", "", ki67="3", mitoses="2/2mm2")
    patient = turn(first.state, "choose_audience", "I'm a patient", audience="patient")
    assert patient.state.audience == "patient" and patient.topics == ["grade"]
    assert "In short" in text_of(patient) and "In short" not in text_of(first)
    assert computed(patient, "grade") == computed(first, "grade"), "wording changes, never the numbers"


def test_audience_in_a_question_never_blocks_the_answer() -> None:
    result = turn(ConversationState(), "ask_definition", "I'm a patient, what is a NET of unknown primary?", audience="patient")
    assert result.state.audience == "patient" and result.topics == ["net_cup"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I have chest pain and can't breathe", "emergency"),
        ("what dose of lanreotide should my patient get?", "drug doses"),
        ("best chemo for breast cancer?", "different kind of tumour"),
        ("what's the weather", "outside what I cover"),
    ],
)
def test_out_of_scope_says_what_is_covered(text: str, expected: str) -> None:
    result = turn(ConversationState(case=Case(ki67_percent=4)), "out_of_scope", text)
    reply = result.messages[0].text
    assert expected in reply and ("neuroendocrine" in reply or "emergency" in reply)
    assert result.state.case.ki67_percent == 4 and len(result.messages) == 1


def test_low_confidence_gets_a_clarifying_question_with_buttons() -> None:
    result = turn(ConversationState(), "nlu_fallback", "blorp")
    assert "not sure" in result.messages[0].text and len(result.messages[0].buttons) == 3


@pytest.mark.parametrize("text", ["👍", "🙂", "???", "👍👍", "...", "🙏 !"])
@pytest.mark.parametrize("intent", ["affirm", "thanks", "out_of_scope", "nlu_fallback", "ask_grade"])
def test_emoji_or_punctuation_alone_gets_what_is_covered(text: str, intent: str) -> None:
    state = ConversationState(case=Case(ki67_percent=12), last_topic="grade")
    result = turn(state, intent, text)
    assert "not sure what you are asking" in result.messages[0].text and len(result.messages[0].buttons) == 3
    assert result.state.case == state.case and result.state.pending is None


@pytest.mark.parametrize(
    "pending, case",
    [
        ("nodes_positive", Case(site=Site.jejunum_ileum, tumour_size_cm=1.5)),  # a yes/no question
        ("metastatic_sites", Case(site=Site.pancreas, tumour_size_cm=3)),
        ("necrosis", Case(site=Site.lung, mitoses=3)),
        ("mitoses", Case(ki67_percent=12)),  # a number question
    ],
)
@pytest.mark.parametrize("text", ["👍", "👎", "✅"])
def test_emoji_reply_to_a_pending_question_records_nothing_and_asks_again(pending: str, case: Case, text: str) -> None:
    # 👍 may mean "yes" or only "seen"; a node status or a metastasis changes the stage, so ask in words
    result = turn(ConversationState(case=case, pending=pending), "affirm", text)
    assert result.state.case == case
    assert result.state.pending == pending
    assert "nothing was recorded" in result.messages[0].text
    assert result.messages[-1].custom == {"asks": pending} and result.messages[-1].buttons


def test_a_word_with_an_emoji_is_still_read() -> None:
    state = ConversationState(case=Case(site=Site.jejunum_ileum, tumour_size_cm=1.5), pending="nodes_positive")
    result = turn(state, "affirm", "yes 👍")
    assert result.state.case.nodes_positive is True


def test_two_ki67_values_are_both_shown_and_the_grade_uses_the_higher() -> None:
    result = turn(ConversationState(), "ask_grade", "Ki-67 5% on biopsy, 15% on resection. grade?", ki67=["5", "15"])
    assert result.state.case.ki67_percent == 15
    assert computed(result, "grade")["grade"] == "G2"
    shown = text_of(result)
    assert "5%" in shown and "15%" in shown and "highest" in shown


def test_a_negative_reply_to_the_ki67_question_is_refused_naming_the_field() -> None:
    result = turn(ConversationState(case=Case(mitoses=1), pending="ki67_percent"), "give_values", "-5")
    assert result.state.case.ki67_percent is None
    assert "Ki-67" in result.messages[0].text and "not possible" in result.messages[0].text


def test_a_negative_ki67_is_refused_naming_the_field() -> None:
    result = turn(ConversationState(), "ask_grade", "ki67 -5% grade?", ki67="-5")
    assert result.state.case.ki67_percent is None
    assert "Ki-67" in result.messages[0].text and "not possible" in result.messages[0].text


@pytest.mark.parametrize("intent", ["nlu_fallback", "out_of_scope"])
def test_a_wording_request_the_classifier_missed_still_switches_the_audience(intent: str) -> None:
    first = turn(ConversationState(), "ask_grade", "ki67 12 grade?", ki67="12")
    result = turn(first.state, intent, "can u put that in lay terms", audience="patient")
    assert result.state.audience == "patient"
    assert "plain language" in result.messages[0].text and "grade" in result.topics


def test_an_emergency_with_an_audience_stays_out_of_scope() -> None:
    result = turn(ConversationState(), "nlu_fallback", "my mother has chest pain", audience="patient")
    assert "emergency" in result.messages[0].text and not result.topics


def test_low_confidence_with_clinical_values_still_uses_them() -> None:
    result = turn(ConversationState(), "nlu_fallback", "ki67 40 poorly diff", ki67="40", differentiation="poorly")
    assert result.topics == ["grade"] and computed(result, "grade")["category"] == "NEC"


@pytest.mark.parametrize(
    "intent, entities, text",
    [
        ("ask_grade", ents(ki67="abc"), "ki67 abc"),
        ("ask_grade", ents(ki67="150"), "ki67 150%"),
        ("ask_stage", ents(tumour_size="-3", site="spleen"), "spleen -3 cm"),
        ("give_values", ents(node_count="x/y", test_result="nonsense"), "???"),
        ("what_if", ents(mitoses="lots/2mm2"), "what if lots of mitoses"),
        ("no_such_intent", [], "\x00\x01"),
        ("", [{"entity": None}], ""),
        ("ask_imaging", [], "x" * 5000),
        ("choose_audience", ents(audience="robot"), "I'm a robot"),
    ],
)
def test_nothing_the_user_types_raises(intent: str, entities: list, text: str) -> None:
    result = handle_turn(ConversationState(), intent, entities, text, "markdown")
    assert result.messages and all(m.text for m in result.messages)


def test_slack_channel_gets_slack_formatting() -> None:
    result = handle_turn(ConversationState(), "ask_grade", ents(ki67="12", mitoses="1/2mm2"), "grade?", "slack")
    assert "*" in result.messages[0].text and "**" not in result.messages[0].text


# --------------------------------------------------------------------------------------------
# tests/test_stories.yml: the slot_was_set lines are the action's real effects
# --------------------------------------------------------------------------------------------

ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<entity>\w+)\)|(?P<json>\{[^}]*\}))")


def parse_user(annotated: str) -> Tuple[str, List[Dict[str, str]]]:
    """Rasa's inline annotations -> plain text and entities: [12](ki67) or [text]{"entity": .., "value": ..}."""
    entities: List[Dict[str, str]] = []

    def plain(match: "re.Match[str]") -> str:
        if match.group("entity"):
            entities.append({"entity": match.group("entity"), "value": match.group("text")})
        else:
            data = json.loads(match.group("json"))
            entities.append({"entity": data["entity"], "value": str(data.get("value", match.group("text")))})
        return match.group("text")

    return ANNOTATION.sub(plain, annotated).strip(), entities


def slot_values(state: ConversationState) -> Dict[str, Any]:
    """The slots as actions/actions.py sets them."""
    return {
        "case": state.case.model_dump(mode="json", exclude_defaults=True),
        "audience": state.audience,
        "last_topic": state.last_topic,
        "pending_question": state.pending,
        "unknown_fields": list(state.unknown_fields),
    }


def replay(story: Dict[str, Any]) -> None:
    """Play a test story through handle_turn; every slot_was_set must match, and no other slot may change."""
    state = ConversationState()
    steps = story["steps"]
    index = 0
    while index < len(steps):
        step = steps[index]
        index += 1
        if "intent" not in step:
            continue
        intent = step["intent"]
        if "user" in step:
            text, entities = parse_user(step["user"])
        else:
            text = ""
            entities = [{"entity": k, "value": str(v)} for e in step.get("entities", []) for k, v in e.items()]
        action = steps[index]["action"]
        index += 1
        if intent in UTTERED_BY_RESPONSE:
            assert action == UTTERED_BY_RESPONSE[intent], story["story"]
            continue
        assert action == "action_answer", story["story"]
        before = slot_values(state)
        state = handle_turn(state, intent, entities, text, "markdown").state
        after = slot_values(state)
        recorded: Dict[str, Any] = {}
        while index < len(steps) and "slot_was_set" in steps[index]:
            for item in steps[index]["slot_was_set"]:
                recorded.update(item)
            index += 1
        where = f"{story['story']!r}, after {text or intent!r}"
        for slot, value in recorded.items():
            assert after[slot] == value, f"{where}: slot {slot} is {after[slot]!r}, the story says {value!r}"
        changed = {slot for slot in SLOTS if after[slot] != before[slot]}
        assert changed <= set(recorded), f"{where}: slots changed but not written in the story: {changed - set(recorded)}"


def _test_stories() -> List[Dict[str, Any]]:
    return yaml.safe_load(TEST_STORIES.read_text())["stories"]


def test_there_are_at_least_40_test_stories() -> None:
    assert len(_test_stories()) >= 40


@pytest.mark.parametrize("story", _test_stories(), ids=lambda s: s["story"][:60])
def test_test_story_slot_effects_are_what_the_action_does(story: Dict[str, Any]) -> None:
    replay(story)


def test_depth_question_uses_the_chapter_terms_and_its_buttons_set_the_value():
    from bot.conversation import ConversationState, handle_turn

    first = handle_turn(ConversationState(), "ask_stage",
                        [{"entity": "site", "value": "pancreas"}, {"entity": "tumour_size", "value": "2.4"},
                         {"entity": "nodes", "value": "negative"}, {"entity": "no_metastasis", "value": "any"}],
                        "pNET 2.4 cm node neg no mets, stage?", "markdown")
    asked = first.messages[-1]
    assert "limited to the pancreas" in asked.text
    limited = next(b for b in asked.buttons if b["title"] == "Limited to the pancreas")
    assert limited["payload"] == '/give_values{"invasion": "confined"}'
    second = handle_turn(first.state, "give_values", [{"entity": "invasion", "value": "confined"}], limited["payload"], "markdown")
    assert second.state.case.invasion.value == "confined"
    assert any("Stage II" in m.text or "stage II" in m.text for m in second.messages), [m.text[:200] for m in second.messages]


def test_values_are_computed_when_the_reviewed_statements_do_not_cover_the_question():
    """'MEN1, pNET 1.5cm ki67 2%, how to manage?': no reviewed statement answers it for this case,
    so the grade of the values given comes first and the gap is still said, last."""
    result = turn(ConversationState(), "ask_treatment", "MEN1 pt, pancreatic NET 1.5cm, ki67 2% - how to manage?",
                  site="pancreas", ki67="2")
    texts = [m.text or "" for m in result.messages]
    answers = [t for t in texts if t.startswith("###")]
    assert "NET G1" in answers[0]
    assert "do not cover the management of NETs in MEN1" in answers[-1]
    assert result.topics[0] == "grade"


def test_values_given_with_an_information_question_are_computed_first():
    # the bottom line of the values given comes first, then the question asked
    result = turn(ConversationState(), "ask_labs", "ki67 2%, pt on omeprazole, is CgA 3x ULN meaningful?",
                  ki67="2", test="cga")
    assert result.topics == ["grade", "labs_cga"]


def test_an_update_that_changes_no_result_says_so_with_every_result() -> None:
    first = handle_turn(ConversationState(), "ask_grade", [{"entity": "ki67", "value": "12"}, {"entity": "site", "value": "pancreas"},
                                                           {"entity": "tumour_size", "value": "1.8"}, {"entity": "invasion", "value": "confined"},
                                                           {"entity": "nodes", "value": "negative"}, {"entity": "no_metastasis", "value": "any"}],
                        "pNET 1.8cm confined, N0 M0, ki67 12%, grade and stage?")
    second = handle_turn(first.state, "give_values", [{"entity": "mitoses", "value": "3/2mm2"}], "and mitoses were 3/2mm2 btw")
    summary = next(m for m in second.messages if m.text.startswith("The results are unchanged:"))
    assert summary.text == "The results are unchanged: NET G2; T1 N0 M0; stage I."
    assert summary.custom["computed"]["stage_group"] == "I" and summary.custom["computed"]["category"] == "NET G2"


def test_a_site_read_from_a_follow_up_question_is_not_reported_as_an_update() -> None:
    first = handle_turn(ConversationState(), "ask_grade", [{"entity": "ki67", "value": "2"}], "ki67 2%, grade?")
    second = handle_turn(first.state, "ask_stage", [{"entity": "site", "value": "unknown"}],
                         "How is a NET of unknown primary staged?")
    assert not any(m.text.startswith(("The results are unchanged", "What changed")) for m in second.messages)


def test_a_correction_shows_what_changed_in_the_results() -> None:
    first = handle_turn(ConversationState(), "ask_grade", [{"entity": "ki67", "value": "2"}, {"entity": "mitoses", "value": "1/2mm2"},
                                                           {"entity": "site", "value": "jejunum_ileum"}], "ki67 2%, 1 mitosis, ileal NET")
    second = handle_turn(first.state, "give_values", [{"entity": "ki67", "value": "12"}], "sorry ki67 was 12 not 2")
    texts = [m.text for m in second.messages]
    assert "What changed in the results: NET G1 → NET G2." in texts
    assert texts.index("What changed in the results: NET G1 → NET G2.") < second.messages.index(answer_message(second, "grade"))


def test_a_what_if_shows_its_changes_and_leaves_the_case() -> None:
    entities = [{"entity": "site", "value": "pancreas"}, {"entity": "tumour_size", "value": "1.5"}, {"entity": "invasion", "value": "confined"},
                {"entity": "nodes", "value": "negative"}, {"entity": "no_metastasis", "value": "any"}]
    first = handle_turn(ConversationState(), "ask_stage", entities, "pNET 1.5 cm N0 M0, stage?")
    what_if = handle_turn(first.state, "what_if", [{"entity": "metastasis", "value": "liver"}], "what if liver mets?")
    # what changed, what did not, and every current result in the structured message
    summary = next(m for m in what_if.messages if m.text.startswith("What changed in the results:"))
    assert summary.text == "What changed in the results: M0 → M1a, stage I → IV. Unchanged: T1 N0."
    assert summary.custom["computed"] == {"t": "T1", "n": "N0", "m": "M1a", "stage_group": "IV"}
    assert what_if.state.case == first.state.case


@pytest.mark.parametrize("intent", ["give_values", "ask_stage", "nlu_fallback"])
def test_a_hypothetical_in_the_words_is_computed_on_a_copy_whatever_the_intent(intent: str) -> None:
    entities = [{"entity": "site", "value": "pancreas"}, {"entity": "tumour_size", "value": "1.5"}, {"entity": "invasion", "value": "confined"},
                {"entity": "nodes", "value": "negative"}, {"entity": "no_metastasis", "value": "any"}]
    first = handle_turn(ConversationState(), "ask_stage", entities, "pNET 1.5 cm N0 M0, stage?")
    hypo = handle_turn(first.state, intent, [{"entity": "nodes", "value": "positive"}], "and if it were node positive?")
    assert hypo.state.case == first.state.case
    assert any(m.custom and m.custom.get("what_if") for m in hypo.messages)
    back = handle_turn(hypo.state, "nlu_fallback", [], "ok, and as it actually is?")
    assert back.messages[0].text.startswith("Back to the recorded case")
    stage_answer = part_of(back, "stage")
    assert stage_answer["computed"]["n"] == "N0" and not stage_answer["what_if"]


@pytest.mark.parametrize("intent", ["start_over", "nlu_fallback", "affirm"])
def test_back_to_the_real_case_is_never_a_start_over(intent: str) -> None:
    first = handle_turn(ConversationState(), "ask_grade", [{"entity": "ki67", "value": "3"}], "ki67 3%, grade?")
    back = handle_turn(first.state, intent, [], "back to the real case please")
    assert back.state.case == first.state.case and back.messages[0].text.startswith("Back to the recorded case")


def test_a_start_over_guess_without_its_words_keeps_the_case() -> None:
    first = handle_turn(ConversationState(), "ask_grade", [{"entity": "ki67", "value": "3"}], "ki67 3%, grade?")
    guessed = handle_turn(first.state, "start_over", [], "screening for carcinoid heart disease - how")
    assert guessed.state.case == first.state.case and "Cleared" not in guessed.messages[0].text
    cleared = handle_turn(first.state, "start_over", [], "let's start over with a new patient")
    assert cleared.state.case == Case() and "Cleared" in cleared.messages[0].text


def test_a_question_the_classifier_could_not_place_is_answered_from_the_ranked_topic() -> None:
    result = handle_turn(ConversationState(), "nlu_fallback", [], "netter 1 entry criteria?")
    assert result.topics == ["treatment_well_differentiated"]
    assert "NETTER-1" in result.messages[0].text
    gibberish = handle_turn(ConversationState(), "nlu_fallback", [], "blorp the thing")
    assert "not sure what you are asking" in gibberish.messages[0].text


def test_a_question_about_one_test_asked_with_no_case_gets_that_tests_statements() -> None:
    result = handle_turn(ConversationState(), "ask_workup", [],
                         "realistically in what % of net-cup does ga68 sstr pet find the primary")
    assert result.topics == ["sstr_pet"]
    plan = handle_turn(ConversationState(), "ask_workup", [], "NET of unknown primary, what next?")
    assert plan.topics == ["workup"]


def test_a_what_if_that_adds_to_the_last_one_builds_on_its_copy() -> None:
    # "suppose it was 2.5cm" then "suppose also 2 nodes positive": the second what-if keeps the first one's size;
    # without an adding word it starts again from the recorded case; any other turn lets the copy lapse
    first = turn(ConversationState(), "ask_stage", "rectal NET 0.8 cm sm, 0/4 LN, M0", site="rectum",
                 tumour_size="0.8", invasion="confined", node_count="0/4", nodes="negative", no_metastasis="any")
    assert computed(first, "stage")["stage_group"] == "I"
    bigger = turn(first.state, "what_if", "suppose it was 2.5cm", tumour_size="2.5")
    assert computed(bigger, "stage")["t"] == "T2" and bigger.state.case == first.state.case
    stacked = turn(bigger.state, "what_if", "suppose also 2 nodes positive", node_count="2", nodes="positive")
    assert (computed(stacked, "stage")["t"], computed(stacked, "stage")["n"]) == ("T2", "N1")
    assert computed(stacked, "stage")["stage_group"] == "IIIB" and stacked.state.case == first.state.case
    fresh = turn(bigger.state, "what_if", "what if 2 nodes were positive?", node_count="2", nodes="positive")
    assert (computed(fresh, "stage")["t"], computed(fresh, "stage")["n"]) == ("T1", "N1")
    back = turn(stacked.state, "ask_stage", "ok, the actual case: what stage?")
    assert back.state.what_if_case is None and computed(back, "stage")["stage_group"] == "I"


@pytest.mark.parametrize("first_intent, first_values, what_if, topic, field, expected", [
    # a what-if that gives only a number: the value the last answer turned on
    ("ask_stage", dict(site="pancreas", tumour_size="2.0", invasion="confined", node_count="0/9", nodes="negative",
                       no_metastasis="any"), "what if it were 1.9?", "stage", "t", "T1"),
    ("ask_grade", dict(site="jejunum_ileum", ki67="8"), "and if it was 25%?", "grade", "grade", "G3"),
    ("ask_grade", dict(site="jejunum_ileum", mitoses="3/2mm2"), "what if it were 25?", "grade", "grade", "G3"),
])
def test_a_bare_number_in_a_what_if_is_the_value_the_last_answer_turned_on(first_intent, first_values, what_if,
                                                                         topic, field, expected) -> None:
    first = turn(ConversationState(), first_intent, "", **first_values)
    result = turn(first.state, "what_if", what_if)
    assert computed(result, topic)[field] == expected
    assert result.state.case == first.state.case


@pytest.mark.parametrize("what_if, values, then, then_intent, field, expected", [
    # a bare number right after a what-if continues it, on the field that what-if changed, whatever the classifier
    # guessed ("and at 19?" read as out of scope, "say it were exactly 20" as an affirmation)
    ("what if the ki-67 had been 25%?", dict(ki67="25"), "and at 19?", "out_of_scope", "grade", "G2"),
    ("say the mitotic count was 22/2mm2", dict(mitoses="22/2mm2"), "say it were exactly 20", "affirm", "grade", "G2"),
    ("say the mitotic count was 22/2mm2", dict(mitoses="22/2mm2"), "and 25?", "nlu_fallback", "grade", "G3"),
])
def test_a_bare_number_after_a_what_if_is_the_next_value_of_the_same_what_if(what_if, values, then, then_intent,
                                                                             field, expected) -> None:
    first = turn(ConversationState(), "ask_grade", "", site="jejunum_ileum", ki67="2", mitoses="1/2mm2")
    hypothetical = turn(first.state, "what_if", what_if, **values)
    assert computed(hypothetical, "grade")["grade"] == "G3" and hypothetical.state.case == first.state.case
    following = turn(hypothetical.state, then_intent, then)
    assert computed(following, "grade")[field] == expected
    assert following.state.case == first.state.case, "a what-if never changes the recorded case"


def test_a_bare_number_without_a_what_if_before_it_is_not_a_what_if() -> None:
    first = turn(ConversationState(), "ask_grade", "", site="jejunum_ileum", ki67="2")
    after = turn(first.state, "out_of_scope", "and at 19?")
    assert after.state.case == first.state.case and not after.state.what_if_case


@pytest.mark.parametrize("message, intent, values", [
    # a finding asked about ("and with ...?") or opened with "say" is computed on a copy, never recorded
    ("and with a liver met?", "nlu_fallback", dict(metastasis="liver")),
    ("say the PET finds a bone met too", "ask_imaging", dict(metastasis="bone")),
    ("with peritoneal deposits instead?", "give_values", dict(metastasis="peritoneum")),
])
def test_a_finding_asked_about_is_hypothetical(message, intent, values) -> None:
    first = turn(ConversationState(), "ask_stage", "", site="stomach", tumour_size="0.5", invasion="confined",
                 nodes="negative", no_metastasis="any")
    result = turn(first.state, intent, message, **values)
    assert result.state.case == first.state.case
    assert computed(result, "stage")["stage_group"] == "IV"


def test_a_finding_reported_is_applied() -> None:
    first = turn(ConversationState(), "ask_stage", "", site="stomach", tumour_size="0.5", invasion="confined",
                 nodes="negative", no_metastasis="any")
    result = turn(first.state, "give_values", "MRI now shows a liver met", metastasis="liver")
    assert result.state.case.metastatic_sites == ["liver"]
