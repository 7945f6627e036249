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
        if isinstance(custom, dict) and custom.get("topic") == topic:
            return custom.get("computed") or {}
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
