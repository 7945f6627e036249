"""The foundation promise: over the REST webhook, a grading question gets the computed grade and its rule.

The grade is read from the structured message of the answer (REST clients get the computed values as
`custom.computed`), never searched for in the whole reply: every grade reply quotes the WHO table and the
what-ifs, so "G2" appears in it whatever grade was computed.
"""

import re
import uuid

from servers import text_of


def computed(replies, topic):
    """The computed values of one answer (grade / stage) in a turn's replies."""
    for reply in replies:
        custom = reply.get("custom")
        for part in (custom.get("answers") or [custom]) if isinstance(custom, dict) else []:
            if part.get("topic") == topic:
                return part.get("computed") or {}
    raise AssertionError(f"no {topic} answer in {replies!r}")


def test_grading_question_gets_computed_grade_with_rule(servers):
    replies = servers.say(f"e2e-{uuid.uuid4()}", "Ki-67 is 12% and 1 mitosis per 2 mm², what grade?")
    text = text_of(replies)
    assert computed(replies, "grade")["grade"] == "G2", text
    assert "12" in text and re.search(r"3\s*(–|-|to)\s*20", text), text  # the rule that fired, with its numbers
    assert re.search(r"\[\d+\]", text), "the answer cites numbered references"


def test_changing_ki67_changes_the_grade(servers):
    sender = f"e2e-{uuid.uuid4()}"
    first = servers.say(sender, "pancreatic NET, Ki-67 25%, 3 mitoses per 2 mm2 - grade?")
    assert computed(first, "grade")["grade"] == "G3", text_of(first)
    second = servers.say(sender, "Ki67 2%, 1 mitosis/2mm2, what grade?")
    assert computed(second, "grade")["grade"] == "G1", text_of(second)


def test_staging_question_for_unknown_primary_with_liver_metastases(servers):
    replies = servers.say(f"e2e-{uuid.uuid4()}", "unknown primary NET with liver mets, what stage?")
    stage = computed(replies, "stage")
    assert (stage["m"], stage["stage_group"]) == ("M1a", "IV"), text_of(replies)


def test_impossible_value_gets_a_clear_message_not_an_error(servers):
    replies = servers.say(f"e2e-{uuid.uuid4()}", "Ki-67 150%, what grade?")
    text = text_of(replies)
    assert replies, "the bot answers"
    assert "Ki-67" in text and "150" in text, text
    assert "Traceback" not in text


def test_rest_text_is_the_short_form_and_the_full_answer_comes_alongside(servers):
    """One reply for 'grade and stage?': `text` is the bottom line of both, key points and a compact reference
    line; `custom.full_text` holds the whole answer (how it was worked out, references); `custom.answers` one
    entry per ask; `custom.computed` the values."""
    replies = servers.say(f"e2e-{uuid.uuid4()}", "58F, liver mets, no primary found, Ki67 8%, 3 mitoses/2mm2 - grade and stage?")
    answers = [(i, r) for i, r in enumerate(replies) if isinstance(r.get("custom"), dict) and "answers" in r["custom"]]
    assert len(answers) == 1, replies
    index, structured = answers[0]
    custom = structured["custom"]
    short = replies[index - 1]["text"]
    assert [a["topic"] for a in custom["answers"]] == ["grade", "stage"]
    assert custom["answers"][0]["computed"]["grade"] == "G2" and custom["answers"][1]["computed"]["stage_group"] == "IV"
    assert custom["computed"]["grade"] == "G2" and custom["computed"]["stage_group"] == "IV"
    assert re.search(r"\*\*Grade:\*\* NET G2[^\n]*\\\[\d", short) and re.search(r"\*\*Stage:\*\* Stage IV", short), short
    assert "How it was worked out" not in short and "_References:_ \\[1] " in short and "_Review status:_" in short, short
    full = custom["full_text"]
    assert "How it was worked out" in full and "#### References" in full and short.split("\n", 3)[2] in full
    assert len(short.split()) < len(full.split()) / 2, (len(short.split()), len(full.split()))
