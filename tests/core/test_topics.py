"""Which topic answers a question: fixed by intent, or chosen by the words and the case."""

import pytest

from bot.models import Case, Differentiation
from bot.topics import topic_for


@pytest.mark.parametrize(
    "intent, text, topic",
    [
        ("ask_grade", "ki67 12% grade?", "grade"),
        ("ask_stage", "what stage", "stage"),
        ("ask_workup", "what next", "workup"),
        ("ask_imaging", "is FDG PET useful here", "fdg_pet"),
        ("ask_imaging", "is octreoscan still used", "srs_octreoscan"),
        ("ask_imaging", "DOTATATE PET for unknown primary?", "sstr_pet"),
        ("ask_imaging", "which CT protocol", "imaging_cross_sectional"),
        ("ask_labs", "how to prepare for urine 5-HIAA", "labs_5hiaa"),
        ("ask_labs", "does omeprazole affect chromogranin", "labs_cga"),
        ("ask_labs", "which hormones for insulinoma", "labs_hormones"),
        ("ask_ihc", "which stains for site of origin", "ihc_site_of_origin"),
        ("ask_ihc", "is synaptophysin enough", "ihc_differentiation"),
        ("ask_definition", "what is MiNEN", "definitions"),
        ("ask_definition", "what is a NET of unknown primary", "net_cup"),
        ("ask_surgery", "does debulking help", "surgery_debulking"),
        ("ask_surgery", "should we explore to find the primary", "surgery_exploration"),
        ("ask_treatment", "platinum etoposide?", "treatment_nec"),
        # a comparison of NET G3 with NEC is answered by the NET G3 topic (how they differ)
        ("ask_treatment", "is NET G3 the same as NEC for treatment?", "treatment_net_g3"),
        ("ask_treatment", "grade 3 net vs nec chemo", "treatment_net_g3"),
        ("ask_treatment", "nec first line", "treatment_nec"),
        # workup questions that are only about endoscopy, or how common NET-CUP is, or ask for the stage
        ("ask_workup", "Which endoscopy helps find the primary?", "endoscopy"),
        ("ask_workup", "capsule endoscopy or double balloon for occult primary", "endoscopy"),
        ("ask_workup", "is EUS useful to find the primary", "endoscopy"),
        ("ask_workup", "how many NETs present without a known primary", "net_cup"),
        ("ask_workup", "NET in a lymph node, primary not found despite workup, no other disease - what stage", "stage"),
        # ... but a request for the plan stays the computed workup
        ("ask_workup", "liver mets unknown primary ki67 5, what next? colonoscopy?", "workup"),
        ("ask_workup", "workup after staging CT showed liver mets", "workup"),
        ("ask_review_process", "who reviews this", "editorial"),
    ],
)
def test_topic_table(intent, text, topic):
    assert topic_for(intent, text) == topic


def test_treatment_topic_follows_the_case():
    assert topic_for("ask_treatment", "what treatment", Case(differentiation=Differentiation.poorly)) == "treatment_nec"
    assert topic_for("ask_treatment", "what treatment", Case(differentiation=Differentiation.well, ki67_percent=30)) == "treatment_net_g3"
    assert topic_for("ask_treatment", "what treatment", Case(differentiation=Differentiation.well, ki67_percent=5)) == "treatment_well_differentiated"


def test_chitchat_has_no_topic():
    assert topic_for("greet", "hello") is None


@pytest.mark.parametrize("text, asked", [
    ("5-yr OS for stage IV small intestine NET", ["prognosis"]),  # "stage IV" is a value here
    ("median OS in NET G3?", ["prognosis"]),
    ("10 year survival ileal NET", ["prognosis"]),
    ("does debulking improve survival?", []),
    ("Ki-67 5 % on biopsy, what grade", ["grade"]),
    # the T, N and M letters asked for are a stage question; values such as "N1 M0" are not
    ("ileal NET 2cm into subserosa, 2/10 LN: T, N and what next?", ["stage", "workup"]),
    ("what's the T?", ["stage"]),
    ("T category? ki67 5", ["stage"]),
    ("N1 M0", []),
    ("grade and stage?", ["grade", "stage"]),
])
def test_the_questions_a_message_asks(text, asked):
    from bot.topics import asked_topics

    assert asked_topics(text, Case()) == asked
