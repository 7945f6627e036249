"""The foundation promise: over the REST webhook, a grading question gets the computed grade and its rule."""

import re
import uuid

from servers import text_of


def test_grading_question_gets_computed_grade_with_rule(servers):
    replies = servers.say(f"e2e-{uuid.uuid4()}", "Ki-67 is 12% and 1 mitosis per 2 mm², what grade?")
    text = text_of(replies)
    assert "G2" in text, text
    assert "12" in text and re.search(r"3\s*(–|-|to)\s*20", text), text  # the rule that fired, with its numbers
    assert re.search(r"\[\d+\]", text), "the answer cites numbered references"


def test_changing_ki67_changes_the_grade(servers):
    sender = f"e2e-{uuid.uuid4()}"
    text = text_of(servers.say(sender, "pancreatic NET, Ki-67 25%, 3 mitoses per 2 mm2 - grade?"))
    assert "G3" in text, text
    text = text_of(servers.say(sender, "Ki67 2%, 1 mitosis/2mm2, what grade?"))
    assert "G1" in text, text


def test_staging_question_for_unknown_primary_with_liver_metastases(servers):
    text = text_of(servers.say(f"e2e-{uuid.uuid4()}", "unknown primary NET with liver mets, what stage?"))
    assert "M1a" in text and re.search(r"\bIV\b", text), text


def test_impossible_value_gets_a_clear_message_not_an_error(servers):
    replies = servers.say(f"e2e-{uuid.uuid4()}", "Ki-67 150%, what grade?")
    text = text_of(replies)
    assert replies, "the bot answers"
    assert "Ki-67" in text and "150" in text, text
    assert "Traceback" not in text
