"""A conversation of 500+ turns over REST against the real servers (started once for this module): the case
given at turn 1 is still there at turn 500, and a correction, a "why?", a what-if and start over work
there as they do at turn 2.

Rasa works on the latest turns of a conversation only (bot/runtime/tracker_window.py) while the database
keeps them all; this proves that nothing the dialogue needs was in the turns left out. The turn cost at
that length is measured by bench/long_conversation.py, not here.
"""

from __future__ import annotations

import uuid

from servers import text_of
from test_conversations import answers_of, asked_field

CASE = "ileal NET 1.4 cm into MP, Ki67 2%, mitoses 1/2mm2, LN 0/12, no mets. grade and stage?"
# ordinary questions that give no case value: the case of turn 1 must survive them unchanged
FILLER = [
    "is octreoscan still used?",
    "CgA on a PPI, is it reliable?",
    "how to prepare for 24h urine 5-HIAA",
    "which IHC markers point to the site of origin?",
]
FILLER_TURNS = 494


def computed(replies, topic: str) -> dict:
    found = [a.get("computed") or {} for a in answers_of(replies) if a["topic"] == topic]
    assert found, f"no {topic} answer in: {text_of(replies)[:2000]}"
    return found[-1]


def test_corrections_why_what_ifs_and_start_over_still_work_after_500_turns(servers):
    sender = f"long-{uuid.uuid4().hex[:8]}"
    first = servers.say(sender, CASE)
    assert computed(first, "grade")["category"] == "NET G1"
    assert computed(first, "stage")["stage_group"] == "II"

    for number in range(FILLER_TURNS):
        replies = servers.say(sender, FILLER[number % len(FILLER)])
        assert text_of(replies).strip(), f"no reply at turn {number + 2}"
    turn = 1 + FILLER_TURNS

    # the case of turn 1 is still the recorded case
    replies = servers.say(sender, "what stage?")
    turn += 1
    assert computed(replies, "stage") == {**computed(first, "stage"), **computed(replies, "stage")}
    assert computed(replies, "stage")["stage_group"] == "II"

    # a correction of a value given ~500 turns ago says what changed
    replies = servers.say(sender, "sorry ki67 was 12 not 2")
    turn += 1
    assert "What changed in the results: NET G1 → NET G2." in text_of(replies), text_of(replies)[:2000]
    assert computed(replies, "grade")["category"] == "NET G2"

    # "why?" explains the last result with its rules
    replies = servers.say(sender, "why?")
    turn += 1
    assert "WHO2019-GEP-KI67" in text_of(replies), text_of(replies)[:2000]
    assert [a["topic"] for a in answers_of(replies)] == ["grade"]

    # a what-if is computed on a copy, and the recorded case comes back afterwards
    replies = servers.say(sender, "and if it were node positive?")
    turn += 1
    assert "Computed on a copy" in text_of(replies), text_of(replies)[:2000]
    assert computed(replies, "stage")["stage_group"] == "III"  # node positive, count not given: N?, stage III
    assert [a["what_if"] for a in answers_of(replies)] == [True]
    replies = servers.say(sender, "what stage?")
    turn += 1
    assert computed(replies, "stage")["n"] == "N0" and computed(replies, "stage")["stage_group"] == "II"

    # start over clears the case
    replies = servers.say(sender, "start over")
    turn += 1
    assert "Cleared" in text_of(replies)
    replies = servers.say(sender, "what grade?")
    turn += 1
    assert "Ki-67 12%" not in text_of(replies)
    assert asked_field(replies) == "ki67_percent"
    assert turn >= 500
