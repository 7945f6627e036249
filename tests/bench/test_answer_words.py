"""bench/answer_words.py counts what the chat page shows before a tap, by the page's own rule."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from answer_words import visible_and_full  # noqa: E402

REPLY = """### What is the WHO grade of this tumour?
#### Answer
NET G2 because Ki-67 is 12 %. \\[1, 2]
#### How it was worked out
- Ki-67 twelve is within three to twenty.
#### References
[1] Nagtegaal 2020.
Review status: source-checked.
_Educational information only._"""


def test_closed_sections_count_only_their_heading() -> None:
    shown, full = visible_and_full(REPLY)
    # title 8, "Answer" 1, the answer 6 (neither "%" nor the citation marker is a word), the two closed
    # headings 5 + 1, the review status 3 and the disclaimer 3
    assert shown == 8 + 1 + 6 + 5 + 1 + 3 + 3
    assert full == shown + 7 + 3  # the worked-out bullet and the reference line


def test_an_answer_counts_its_full_text_once_and_its_short_text_as_the_rest_text() -> None:
    from answer_words import turn_words

    replies = [
        {"text": "Noted: Ki-67 12% (was: 2%)."},
        {"text": "### Grade\n#### Answer\nNET G2 \\[1]", "buttons": [{"title": "Stage?"}]},
        {"custom": {"topic": "grade", "full_text": REPLY}},
        {"text": "One more value: which site?"},
    ]
    visible, full, short = turn_words(replies)
    note, question = 5, 5  # "Noted Ki-67 12 was 2" (Ki-67 is one word), "One more value which site"
    shown_full, whole = visible_and_full(REPLY)
    assert visible == note + shown_full + question
    assert full == note + whole + question
    assert short == note + (1 + 1 + 2) + question  # "Grade", "Answer", "NET G2"
