"""Clinical vignettes typed the way clinicians type (several values and several questions in one message),
played through bot.conversation.handle_turn with the entities the extractor reads from them.

Each row: the message, the intent the classifier gives, the entities, then what the reply must do:
the topics answered in order (every question asked gets its answer, computed results first), the
computed values, and the words the direct answer of a topic must lead with.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest

from bot.conversation import ConversationState, TurnResult, handle_turn
from reply_parts import answer_message, bottom_line, bottom_lines, computed, part_text


def ents(**values: Any) -> List[Dict[str, str]]:
    return [{"entity": name, "value": v} for name, value in values.items()
            for v in (value if isinstance(value, list) else [value])]


def play(intent: str, text: str, **values: Any) -> TurnResult:
    return handle_turn(ConversationState(), intent, ents(**values), text, "markdown")


def answer_of(result: TurnResult, topic: str) -> str:
    """The text of the one reply that answers the topic (with the message's other asks)."""
    return answer_message(result, topic).text


def direct_answer(result: TurnResult, topic: str) -> str:
    """The first line of the topic's bottom line: what a clinician reads first."""
    return bottom_line(result, topic)


# message | intent | entities | topics answered, in order | computed subset per topic
SEVERAL_QUESTIONS = [
    ("58F, incidental 1.4cm ileal NET at colonoscopy, ki67 4%, mitoses 1/10hpf, 3/14 LN+, small liver lesion on CT. "
     "grade, stage and what next?", "ask_grade",
     dict(site="jejunum_ileum", tumour_size="1.4", ki67="4", mitoses="1/10hpf", node_count="3/14", nodes="positive",
          metastasis="liver"),
     ["grade", "stage", "workup"],
     {"grade": {"grade": "G2"}, "stage": {"n": "N1", "m": "M1a", "stage_group": "IV"}}),
    ("jejunal NET 3cm into subserosa w/ mesenteric mass, 5 LN+ of 20, liver mets bilobar ki67 8% - stage, "
     "treatment options", "ask_treatment",
     dict(site="jejunum_ileum", tumour_size="3", invasion="subserosa", node_count="5/20", nodes="positive",
          metastasis="liver", ki67="8"),
     ["grade", "stage", "treatment_well_differentiated"],
     {"stage": {"t": "T3", "n": "N1", "m": "M1a", "stage_group": "IV"}}),
    # follow-up has no reviewed statement for a pancreatic NET: the grade and stage asked are still answered
    ("pNET 2.0cm ki67 8% no nodes no mets incidental on CT. grade, stage, surveillance or surgery?", "ask_follow_up",
     dict(site="pancreas", tumour_size="2", ki67="8", nodes="negative", no_metastasis="any"),
     ["grade", "stage", "small_pnet"],
     {"grade": {"grade": "G2"}, "stage": {"n": "N0", "m": "M0"}}),
    ("ki67 18 mitoses 3/2mm2 ileum 2.5cm subserosa 0/12 LN no mets grade stage prognosis", "ask_prognosis",
     dict(ki67="18", mitoses="3/2mm2", site="jejunum_ileum", tumour_size="2.5", invasion="subserosa",
          node_count="0/12", nodes="negative", no_metastasis="any"),
     ["grade", "stage", "prognosis"],
     {"grade": {"grade": "G2"}, "stage": {"t": "T3", "n": "N0", "m": "M0", "stage_group": "II"}}),
    ("pt with CUP NET ki67 10%, PAX8+ ISL1+, ga68 avid liver mets. likely primary and tx?", "ask_treatment",
     dict(site="unknown", ki67="10", ihc=["pax8:positive", "isl1:positive"], test_result="sstr_pet:positive",
          metastasis="liver"),
     ["grade", "stage", "treatment_well_differentiated", "ihc_site_of_origin"],
     {"grade": {"grade": "G2"}, "stage": {"t": "TX", "m": "M1a", "stage_group": "IV"}}),
    # survival as the outcome of a treatment is part of that question, not a prognosis question
    ("does debulking improve survival?", "ask_surgery", {}, ["surgery_debulking"], {}),
    # a NEC's category comes from its morphology: shown first, with the stage, before the treatment asked
    ("liver mets: poorly diff large cell NEC, primary unknown. grade? stage? chemo?", "ask_treatment",
     dict(metastasis="liver", differentiation="poorly", site="unknown", nec_subtype="large_cell"),
     ["grade", "stage", "treatment_nec"], {"grade": {"category": "NEC"}}),
    ("colonic small cell NEC with liver mets. stage it? first-line chemo?", "ask_treatment",
     dict(site="colon", differentiation="poorly", metastasis="liver", nec_subtype="small_cell"),
     ["grade", "stage", "treatment_nec"], {"grade": {"category": "NEC"}}),
    # a question clause no ask word names, beside computed asks: answered from the topic that answers it
    ("pNET tail 1.2cm on CT, EUS-FNA ki 1%. grade? stage? can we just watch it?", "ask_grade",
     dict(site="pancreas", tumour_size="1.2", ki67="1"), ["grade", "stage", "small_pnet"], {}),
    ("ileal NET 3 cm, liver only mets, ki67 3% - grade? stage? does CLARINET apply to him?", "ask_grade",
     dict(site="jejunum_ileum", tumour_size="3", metastasis="liver", no_metastasis="extrahepatic", ki67="3"),
     ["grade", "stage", "treatment_well_differentiated"], {"stage": {"m": "M1a", "stage_group": "IV"}}),
    ("liver mets from SI-NET, ki67 5%. debulking - survival benefit? stage?", "ask_surgery",
     dict(site="jejunum_ileum", metastasis="liver", ki67="5"), ["grade", "stage", "surgery_debulking"],
     {"stage": {"m": "M1a", "stage_group": "IV"}}),
    # no values: the grading rules, then the other question
    ("how are NETs graded and what is the prognosis?", "ask_grade", {}, ["grading_gep", "prognosis"], {}),
    # a value-giving message whose question the classifier did not name
    ("NSE high in pt with NEC - meaningful? follow up marker?", "give_values",
     dict(differentiation="poorly"),
     ["labs_cga", "follow_up"], {}),
]


@pytest.mark.parametrize("text, intent, values, topics, expected", SEVERAL_QUESTIONS,
                         ids=[row[0][:45] for row in SEVERAL_QUESTIONS])
def test_every_question_of_a_vignette_is_answered(text: str, intent: str, values: dict, topics: list,
                                                  expected: dict) -> None:
    result = play(intent, text, **values)
    assert result.topics == topics
    for topic, fields in expected.items():
        assert {k: computed(result, topic).get(k) for k in fields} == fields
    assert "None of the reviewed statements" not in "\n".join(m.text for m in result.messages)


# message | intent | entities | topic | the direct answer contains | it must not contain
LEADS = [
    # a G3 index is not answered with the SSA label, and a stated NET G3 is not treated as NEC
    ("pt with NET of unknown primary, ga68 pet neg, fdg avid liver mets, ki67 25% - how to treat", "ask_treatment",
     dict(site="unknown", test_result=["sstr_pet:negative", "fdg_pet:positive"], metastasis="liver", ki67="25"),
     "treatment_net_g3", "NET G3", "Lanreotide"),
    ("well diff NET G3 pancreas ki67 35%, ga68 avid liver mets. treatment options? is it like NEC?", "ask_treatment",
     dict(differentiation="well", site="pancreas", ki67="35", metastasis="liver"),
     "treatment_net_g3", "NET G3", "carboplatin"),
    # the computed grade picks the prognosis statements: no NEC survival figure for an ileal NET G2
    ("ki67 18 mitoses 3/2mm2 ileum 2.5cm subserosa 0/12 LN no mets grade stage prognosis", "ask_prognosis",
     dict(ki67="18", mitoses="3/2mm2", site="jejunum_ileum"), "prognosis", "", "NEC"),
    ("NET cup liver mets ki67 12% ga68 pos fdg pos - prognosis?", "ask_prognosis",
     dict(site="unknown", metastasis="liver", ki67="12", test_result=["sstr_pet:positive", "fdg_pet:positive"]),
     "prognosis", "NETPET", "NEC"),
    # the stain named leads the IHC answer (not the unconfirmed NCCN list)
    ("liver met NET ISL1+ PAX8+ CDX2- TTF1-. likely primary?", "ask_ihc",
     dict(metastasis="liver", ihc=["isl1:positive", "pax8:positive", "cdx2:negative", "ttf1:negative"]),
     "ihc_site_of_origin", "PAX8", "Not yet confirmed"),
    ("SATB2 positive NET in liver, CDX2 weak. what primary?", "ask_ihc",
     dict(metastasis="liver", ihc="satb2:positive"), "ihc_site_of_origin", "SATB2", "Not yet confirmed"),
    ("bone bx shows NET, primary unknown, ttf-1 positive. where is primary likely?", "ask_ihc",
     dict(site="unknown", metastasis="bone", ihc="ttf1:positive"), "ihc_site_of_origin", "TTF-1", "Not yet confirmed"),
    ("pt on omeprazole 40 bd, CgA 5x ULN, CT clear. stop ppi? how long?", "ask_labs", {}, "labs_cga",
     "2 weeks", ""),
    # a named drug leads with its trial
    ("progressive pNET on lanreotide ki67 12%. everolimus or sunitinib or captem?", "ask_treatment",
     dict(site="pancreas", ki67="12"), "treatment_well_differentiated", "E2211", "Not yet confirmed"),
    ("everolimus for lung carcinoid?", "ask_treatment", dict(site="lung"),
     "lung_carcinoid", "RADIANT-4", "Lanreotide"),
    ("liver mets from SI-NET 80% resectable. debulking worth it?", "ask_surgery",
     dict(site="jejunum_ileum", metastasis="liver"), "surgery_debulking", "hepatectomy", ""),
    # a known primary: the workup answer leads with the plan, not with NET-CUP guideline gaps
    ("insulinoma 1.2cm pancreatic head, ki67 1%. grade and next step?", "ask_grade",
     dict(syndrome="insulinoma", tumour_size="1.2", site="pancreas", ki67="1"), "workup",
     "Recommended next steps for this case", "NET-CUP"),
]


@pytest.mark.parametrize("text, intent, values, topic, leads_with, never", LEADS, ids=[row[0][:45] for row in LEADS])
def test_the_direct_answer_is_the_one_the_question_asks_for(text: str, intent: str, values: dict, topic: str,
                                                            leads_with: str, never: Optional[str]) -> None:
    result = play(intent, text, **values)
    direct = direct_answer(result, topic)
    assert leads_with in direct
    if never:
        assert never not in direct


def test_a_known_primary_is_not_offered_unknown_primary_follow_ups() -> None:
    result = play("ask_grade", "ileal NET ki67 4% grade?", site="jejunum_ileum", ki67="4")
    titles = [b["title"] for m in result.messages for b in m.buttons]
    assert titles and not any("staged" in t or "find the primary" in t for t in titles)
    unknown = play("ask_grade", "NET unknown primary ki67 4% grade?", site="unknown", ki67="4")
    assert any("unknown primary staged" in b["title"] for m in unknown.messages for b in m.buttons)


# message | intent the classifier gives | topic answered
ROUTED = [
    ("pt on omeprazole 40 bd, CgA 5x ULN, CT clear. stop ppi? how long?", "ask_workup", "labs_cga"),
    ("VIPoma watery diarrhea hypokalemia - what level diagnostic?", "ask_workup", "labs_hormones"),
    ("glucagonoma suspected, rash, DM, pancreatic mass 4cm. labs?", "ask_workup", "labs_hormones"),
    ("NET in a lymph node, primary not found despite workup, what next?", "ask_workup", "workup"),
]


# the same messages when the classifier reads them as values (the syndrome or the test changes the workup)
ROUTED += [
    ("VIPoma watery diarrhea hypokalemia - what level diagnostic?", "give_values", "labs_hormones"),
]


@pytest.mark.parametrize("text, intent, topic", ROUTED, ids=[row[0][:45] for row in ROUTED])
def test_a_lab_question_classified_as_workup_gets_the_lab_answer(text: str, intent: str, topic: str) -> None:
    values = {"syndrome": "vipoma"} if "VIPoma" in text else {}
    assert play(intent, text, **values).topics[0] == topic


def test_typical_or_atypical_is_answered_with_the_stage() -> None:
    result = play("ask_stage", "thymic carcinoid 5cm 1 mitosis/2mm2 no necrosis. typical? stage?",
                  site="thymus", tumour_size="5", mitoses="1/2mm2", necrosis="absent")
    assert result.topics == ["grade", "stage"]
    assert computed(result, "grade")["category"] == "typical carcinoid"


def test_a_workup_question_without_a_site_leads_with_the_guideline_elements() -> None:
    direct = direct_answer(play("ask_workup", "what is the workup?"), "workup")
    assert "No ENETS guidance paper" not in direct


# Titles and buttons fit the case: unknown-primary wording only when the site is unknown or not given.
# message | intent | entities | title of the answer | wording that must not appear in its title or buttons
CASE_WORDING = [
    ("ileal NET ki67 4%, liver mets - prognosis?", "ask_prognosis",
     dict(site="jejunum_ileum", ki67="4", metastasis="liver"), "What is the outlook for this NET?", "unknown primary"),
    ("ileal NET ki67 4% grade?", "ask_grade", dict(site="jejunum_ileum", ki67="4"),
     "What is the WHO grade of this tumour?", "unknown primary"),
    ("NET cup liver mets ki67 12% - prognosis?", "ask_prognosis", dict(site="unknown", metastasis="liver", ki67="12"),
     "What is the outlook for a NET of unknown primary?", None),
    ("prognosis of a NET?", "ask_prognosis", {}, "What is the outlook for a NET of unknown primary?", None),
]


@pytest.mark.parametrize("text, intent, values, title, never", CASE_WORDING, ids=[row[0][:45] for row in CASE_WORDING])
def test_titles_and_follow_ups_fit_the_primary_site(text: str, intent: str, values: dict, title: str,
                                                   never: Optional[str]) -> None:
    result = play(intent, text, **values)
    # the asked answer (after any result the values decide, which comes first)
    first = answer_message(result, result.topics[-1])
    assert first.text.startswith(f"### {title}\n") or f"\n### {title}\n" in first.text
    if never:
        assert not any(never in m.text.split("\n", 1)[0] for m in result.messages)
        assert not any(never in b["title"] for m in result.messages for b in m.buttons)


def test_a_known_primary_is_offered_the_workup_in_its_own_words() -> None:
    known = play("ask_grade", "ileal NET ki67 4% grade?", site="jejunum_ileum", ki67="4")
    assert "What are the next steps in the workup?" in [b["title"] for b in known.messages[0].buttons]
    unknown = play("ask_grade", "NET unknown primary ki67 4% mitoses 1/2mm2 grade?", site="unknown", ki67="4",
                   mitoses="1/2mm2")
    assert "What is the workup for a NET of unknown primary?" in [b["title"] for b in unknown.messages[0].buttons]


# Questions no reviewed statement answers: the values given are still graded and staged, then the gap is
# said plainly, and no statement about something else (the lanreotide label, grading reproducibility)
# is presented as the answer.
# message | intent | entities | topics answered, in order | the gap names | never anywhere in the gap answer
NOT_COVERED = [
    ("MEN1 pt w/ multiple pNETs largest 2.5cm ki67 3%. manage?", "ask_treatment",
     dict(site="pancreas", tumour_size="2.5", ki67="3"),
     ["grade", "treatment_well_differentiated"], "MEN1", "Lanreotide"),
    ("NET G2 pancreas 3cm ki67 10% 0/15 LN no mets. stage, need adjuvant?", "ask_stage",
     dict(site="pancreas", tumour_size="3", ki67="10", node_count="0/15", nodes="negative", no_metastasis="any"),
     ["grade", "stage", "treatment_well_differentiated"], "adjuvant", "Lanreotide"),
    ("NET G2 pancreas 3cm ki67 10% 0/15 LN no mets. stage, need adjuvant?", "ask_treatment",
     dict(site="pancreas", tumour_size="3", ki67="10", node_count="0/15", nodes="negative", no_metastasis="any"),
     ["grade", "stage", "treatment_well_differentiated"], "adjuvant", "Lanreotide"),
    ("what is the 5yr survival for pNET stage IV", "ask_prognosis", dict(site="pancreas"),
     ["prognosis"], "5-year survival", None),
]


@pytest.mark.parametrize("text, intent, values, topics, gap, never", NOT_COVERED, ids=[r[0][:45] for r in NOT_COVERED])
def test_a_question_the_statements_do_not_cover_is_said_first(text: str, intent: str, values: dict, topics: list,
                                                              gap: str, never: Optional[str]) -> None:
    result = play(intent, text, **values)
    assert result.topics == topics
    said = bottom_lines(result, topics[-1])
    assert "do not cover" in said[0] and gap in said[0]
    assert len(said) == 1, "nothing else is presented as the answer"
    if len(topics) == 1:
        assert "#### Answer" not in answer_of(result, topics[-1])
    if never:
        assert never not in part_text(result, topics[-1])


# Questions about one site, asked with its case values, are answered from the statements written for that site
# (bot/ranking.best_topic), whatever topic the classifier's intent or a keyword would route them to.
# message | intent | entities | topics answered | words the answer must have
SITE_QUESTIONS = [
    ("72M gastric NET 8mm multiple polyps, atrophic gastritis, high gastrin, ki67 1%. what type and how to manage",
     "ask_treatment", dict(site="stomach", tumour_size="0.8", ki67="1"), ["grade", "gastric_net"], "type 1"),
    ("gastric net type 1 or 3? 6mm, ki67 2%", "ask_definition", dict(site="stomach", tumour_size="0.6", ki67="2"),
     ["grade", "gastric_net"], "type 3"),
    ("pancreatic NET 1.5cm, ki67 2% - surgery or surveillance?", "ask_follow_up", dict(site="pancreas", ki67="2"),
     ["grade", "small_pnet"], "2 cm"),
]


@pytest.mark.parametrize("text, intent, values, topics, words", SITE_QUESTIONS, ids=[r[0][:45] for r in SITE_QUESTIONS])
def test_a_site_question_is_answered_from_the_statements_for_that_site(text: str, intent: str, values: dict,
                                                                       topics: list, words: str) -> None:
    result = play(intent, text, **values)
    assert result.topics == topics
    assert words in answer_of(result, topics[-1])


def test_related_prognosis_facts_follow_the_gap() -> None:
    result = play("ask_prognosis", "what is the 5yr survival for pNET stage IV", site="pancreas")
    text = answer_of(result, "prognosis")
    assert text.index("do not cover") < text.index("#### From the")
    assert result.statement_ids, "the related reviewed statements are listed and cited"


def test_a_covered_question_in_the_same_topic_still_gets_its_answer() -> None:
    result = play("ask_treatment", "progressive pNET on lanreotide ki67 12%. everolimus or sunitinib or captem?",
                  site="pancreas", ki67="12")
    assert "do not cover" not in answer_of(result, "treatment_well_differentiated")
    assert "do not cover" not in answer_of(play("ask_prognosis", "prognosis of NET cup?", site="unknown"), "prognosis")


# "% of NETs that are cup?": how common an unknown primary is, whichever way the classifier reads it
@pytest.mark.parametrize("intent", ["nlu_fallback", "ask_definition", "ask_workup"])
def test_how_common_an_unknown_primary_is(intent: str) -> None:
    result = play(intent, "% of NETs that are cup?")
    assert result.topics == ["net_cup"]
    assert "share of all NETs" in direct_answer(result, "net_cup")


def test_values_with_a_question_no_intent_names_get_the_site_answer_after_the_results() -> None:
    # "give_values" with a question the words clearly ask: graded and staged, then the site topic's answer
    text = "gastric NET 8mm, ki67 1%, pernicious anaemia - resect or watch?"
    spans = [("site", "stomach", "gastric"), ("tumour_size", "0.8", "8mm"), ("ki67", "1", "ki67 1%")]
    entities = [{"entity": name, "value": value, "start": text.index(words), "end": text.index(words) + len(words)}
                for name, value, words in spans]  # with their spans, as the extractor gives them
    result = handle_turn(ConversationState(), "give_values", entities, text, "markdown")
    assert result.topics == ["grade", "stage", "gastric_net"]
    assert "10 mm" in answer_of(result, "gastric_net")
