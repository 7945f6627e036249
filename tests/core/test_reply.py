"""One reply per user message (bot.answer.compose_reply, bot/render/layout.py): the answers to every ask as
parts of one message, the bottom lines first, references numbered once; the short form (REST `text`, Slack,
CLI) and the full form; what each channel gets (actions/actions.py channel_message)."""

from __future__ import annotations

import re
from typing import Dict, List, Set

import pytest

from bot.answer import Answer, compose_answer, compose_reply
from bot.conversation import ConversationState, handle_turn
from bot.knowledge import DEFAULT_ROOT, KnowledgeBase, load_knowledge
from bot.models import Case, MetastaticSite, Site
from bot.render import render, render_markdown, render_slack, render_text
from bot.render.layout import KEY_POINT_WORDS, MAX_KEY_POINTS, key_points, layout, short_layout, word_count
from bot.render.markdown import without_pictures
from reply_parts import answer_parts

WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
CASE = Case(site=Site.pancreas, ki67_percent=2.9, mitoses=1, tumour_size_cm=1.5, nodes_positive=False)
CUP = Case(site=Site.unknown, ki67_percent=8, mitoses=3, metastatic_sites=[MetastaticSite.liver])


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    assert (DEFAULT_ROOT / "sources.yml").exists()
    return load_knowledge()


def parts(kb: KnowledgeBase, case: Case, *topics: str) -> List[Answer]:
    return [compose_answer(t, case, kb=kb) for t in topics]


def sources_of(refs: List[int], references) -> Set[str]:
    by_number = {r.number: r.source_id for r in references}
    return {by_number[n] for n in refs}


# --------------------------------------------------------------------------------------------
# Composition: one reply, references numbered once
# --------------------------------------------------------------------------------------------


def test_one_answer_is_a_reply_that_renders_exactly_as_the_answer(kb: KnowledgeBase) -> None:
    answer = compose_answer("grade", CASE, kb=kb)
    reply = compose_reply([answer], kb=kb)
    for fmt in ("markdown", "slack", "text"):
        assert render(reply, fmt) == render(answer, fmt)


@pytest.mark.parametrize("topics", [("grade", "stage"), ("grade", "stage", "workup"), ("grade", "prognosis"),
                                    ("stage", "sstr_pet", "labs_cga")])
def test_every_citation_still_names_the_sources_of_its_statements(kb: KnowledgeBase, topics) -> None:
    answers = parts(kb, CUP, *topics)
    reply = compose_reply(answers, kb=kb)
    assert [p.topic for p in reply.parts] == list(topics)
    numbers = [r.number for r in reply.references]
    assert numbers == list(range(1, len(numbers) + 1)), "one numbering across the reply"
    assert len({r.source_id for r in reply.references}) == len(numbers), "a source has one number"
    for before, after in zip(answers, reply.parts):
        for old, new in zip(before.cited_items(), after.cited_items()):
            assert old.text == new.text
            assert sources_of(new.refs, reply.references) == sources_of(old.refs, before.references), new.text
    assert set(reply.statement_ids()) == {sid for a in answers for sid in a.statement_ids()}
    assert sum(reply.review_summary.counts.values()) == len(reply.statement_ids())


def test_the_bottom_line_of_every_part_comes_first(kb: KnowledgeBase) -> None:
    reply = compose_reply(parts(kb, CUP, "grade", "stage", "workup"), kb=kb)
    lines = layout(reply)
    kinds = [line.kind for line in lines]
    first_detail = min(i for i, line in enumerate(lines) if line.kind in ("part", "need"))
    leads = [i for i, line in enumerate(lines) if line.lead]
    assert [lines[i].lead for i in leads] == ["Grade:", "Stage:", "Workup:"]
    assert all(i < first_detail for i in leads), "each result's bottom line before any detail"
    assert lines[leads[0]].text == reply.parts[0].direct_answer[0].text
    assert kinds.count("title") == 1 and kinds.count("disclaimer") == 1 and kinds.count("review") == 1
    assert [line.text for line in lines if line.kind == "part"] == [p.question for p in reply.parts]
    markdown = render_markdown(reply)
    assert re.match(r"### Grade, stage and workup\n(⚠️ [^\n]*\n)?#### Answer\n\*\*Grade:\*\* NET G2", markdown)
    assert "\n\n" not in markdown, "one chat bubble"


def test_a_statement_two_parts_show_is_shown_once(kb: KnowledgeBase) -> None:
    answers = parts(kb, CUP, "workup", "net_cup")
    reply = compose_reply(answers, kb=kb)
    shared = {b.statement_id for b in answers[0].guideline_bullets} & {b.statement_id for b in answers[1].guideline_bullets}
    assert shared, "the two topics share a statement (else this test proves nothing)"
    for sid in shared:
        assert sum(1 for line in layout(reply) if line.kind == "bullet" and line.statement_ids == [sid]) == 1


# --------------------------------------------------------------------------------------------
# The short form
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("topics", [("grade",), ("stage",), ("workup",), ("prognosis",), ("grade", "stage"),
                                    ("grade", "stage", "workup")])
def test_the_short_form_is_the_bottom_line_key_points_and_their_references(kb: KnowledgeBase, topics) -> None:
    reply = compose_reply(parts(kb, CUP, *topics), kb=kb)
    short = short_layout(reply)
    kinds = [line.kind for line in short]
    headings = [line.text for line in short if line.kind == "heading"]
    assert headings[0] in ("Answer", "Not answered yet") and set(headings) <= {"Answer", "Not answered yet", "Key points"}
    points = short[kinds.index("heading", 1) + 1:] if "Key points" in headings else []
    assert sum(1 for line in points if line.kind == "bullet") <= MAX_KEY_POINTS
    shown_refs = {r for line in short if line.kind in ("sentence", "bullet") for r in line.refs}
    refline = next(line.text for line in short if line.kind == "refline")
    listed = [int(n) for n in re.findall(r"\[(\d+)\]", refline)]
    assert listed == sorted(shown_refs), "the compact line lists exactly the references of what is shown"
    by_number = {r.number: r for r in reply.references}
    for number in listed:
        assert f"[{number}] {by_number[number].short}" in refline
    assert kinds[-2:] == ["review", "disclaimer"]
    full_words = len(WORD.findall(render_markdown(reply)))
    short_words = len(WORD.findall(render_markdown(reply, short=True)))
    assert short_words < full_words
    text = render_text(reply, short=True)
    assert "How it was worked out" not in text and "References: [" in text


@pytest.mark.parametrize("topics", [("grade",), ("stage",), ("sstr_pet",), ("grade", "stage"), ("grade", "stage", "workup")])
def test_key_points_fit_their_word_budget_in_order_passing_over_a_long_one(kb: KnowledgeBase, topics) -> None:
    reply = compose_reply(parts(kb, CUP, *topics), kb=kb)
    candidates = [line.text for line in key_points(reply, limit=100, words=10**6)]
    chosen = [line.text for line in key_points(reply)]
    assert chosen and sum(word_count(t) for t in chosen) <= KEY_POINT_WORDS
    positions = [candidates.index(t) for t in chosen]
    assert positions == sorted(positions), "the points keep their order of importance"
    # every candidate passed over before the last one chosen was too long for the room left at that point
    room = KEY_POINT_WORDS
    for text in candidates[:positions[-1] + 1]:
        if text in chosen:
            room -= word_count(text)
        else:
            assert word_count(text) > room, text


def test_a_point_too_long_for_the_room_left_is_passed_over_for_a_shorter_one(kb: KnowledgeBase) -> None:
    reply = compose_reply(parts(kb, CUP, "grade"), kb=kb)
    candidates = [line.text for line in key_points(reply, limit=100, words=10**6)]
    chosen = [line.text for line in key_points(reply)]
    assert candidates[:2] != chosen[:2] and chosen[0] == candidates[0], "a longer second point was passed over"
    assert chosen[1] in candidates[2:]


def test_compact_reference_names_author_year_and_journal(kb: KnowledgeBase) -> None:
    reply = compose_reply(parts(kb, CASE, "grade"), kb=kb)
    shorts = {r.source_id: r.short for r in reply.references}
    nagtegaal = next(s for s in shorts.values() if s.startswith("Nagtegaal"))
    assert nagtegaal == "Nagtegaal 2020, Histopathology"
    assert all(s and len(s) < 80 for s in shorts.values())


def test_slack_short_form_has_no_markdown_headings(kb: KnowledgeBase) -> None:
    reply = compose_reply(parts(kb, CUP, "grade", "stage"), kb=kb)
    text = render_slack(reply, short=True)
    assert "####" not in text and "*Grade:* NET G2" in text and "_References:_ [1] " in text


# --------------------------------------------------------------------------------------------
# A turn: one reply per message
# --------------------------------------------------------------------------------------------

MULTI_ASK = [
    ("58F, liver mets, no primary found, Ki67 8%, 3 mitoses/2mm2 - grade and stage?", "ask_grade",
     [{"entity": "site", "value": "unknown"}, {"entity": "metastasis", "value": "liver"},
      {"entity": "ki67", "value": "8"}, {"entity": "mitoses", "value": "3/2mm2"}], ["grade", "stage"]),
    ("NET cup liver mets ki67 12% - grade, and what is the prognosis?", "ask_prognosis",
     [{"entity": "site", "value": "unknown"}, {"entity": "metastasis", "value": "liver"},
      {"entity": "ki67", "value": "12"}], None),
]


@pytest.mark.parametrize("text, intent, entities, topics", MULTI_ASK, ids=[m[0][:40] for m in MULTI_ASK])
def test_a_message_with_several_asks_gets_one_answer_message(text: str, intent: str, entities, topics) -> None:
    result = handle_turn(ConversationState(), intent, entities, text)
    assert len(result.topics) >= 2
    if topics:
        assert result.topics == topics
    answer_messages = [m for m in result.messages if (m.custom or {}).get("answers")]
    assert len(answer_messages) == 1, [m.text[:80] for m in result.messages]
    message = answer_messages[0]
    assert [p["topic"] for p in message.custom["answers"]] == result.topics
    assert [part["topic"] for _, part in answer_parts(result)] == result.topics
    # computed results first, each with its bottom line in the opening lines
    opening = message.text.split("\n#### ", 2)[1]  # the "Answer" section
    assert opening.startswith("Answer\n")
    assert "**Grade:** NET G2" in opening
    if "stage" in result.topics:
        assert "**Stage:** Stage IV" in opening
    assert message.custom["computed"]["grade"] == "G2"
    assert message.short is not None and len(WORD.findall(message.short)) < len(WORD.findall(message.text))
    assert message.buttons, "the reply carries the follow-up buttons"


def test_an_explained_or_single_ask_keeps_its_own_layout() -> None:
    result = handle_turn(ConversationState(), "ask_grade", [{"entity": "ki67", "value": "2"}], "ki67 2%, grade?")
    message = next(m for m in result.messages if (m.custom or {}).get("answers"))
    assert message.text.startswith("### What is the WHO grade of this tumour?\n#### Answer\nNET G1")
    assert message.custom["topic"] == "grade" and message.custom["computed"]["grade"] == "G1"


# --------------------------------------------------------------------------------------------
# What each channel gets
# --------------------------------------------------------------------------------------------


def test_each_channel_gets_its_form() -> None:
    from actions.actions import channel_message

    result = handle_turn(ConversationState(), "ask_grade", MULTI_ASK[0][2], MULTI_ASK[0][0])
    message = next(m for m in result.messages if (m.custom or {}).get("answers"))
    rest = channel_message(message, "rest")
    assert rest["text"] == message.short
    assert rest["json_message"]["full_text"] == without_pictures(message.text)
    assert "```netguide-picture\n<svg" in message.text and "<svg" not in rest["json_message"]["full_text"]
    assert [p["kind"] for p in rest["json_message"]["pictures"]] == ["grade_bands", "stage_row"]
    assert rest["json_message"]["computed"] == message.custom["computed"]
    assert rest["json_message"]["answers"] == message.custom["answers"]
    widget = channel_message(message, "socketio")
    assert widget["text"] == message.text and "json_message" not in widget
    notes = [m for m in result.messages if not m.short]
    for note in notes:
        assert channel_message(note, "rest")["text"] == note.text
        assert "full_text" not in (channel_message(note, "rest").get("json_message") or {})


def test_slack_gets_the_short_form_and_the_details_for_its_button() -> None:
    from actions.actions import channel_message

    result = handle_turn(ConversationState(), "ask_grade", MULTI_ASK[0][2], MULTI_ASK[0][0], "slack")
    message = next(m for m in result.messages if (m.custom or {}).get("answers"))
    slack = channel_message(message, "slack")
    assert slack["text"] == message.short and "How it was worked out" not in slack["text"]
    assert slack["json_message"] == {"details": message.text} and "How it was worked out" in message.text


# --------------------------------------------------------------------------------------------
# The command line: short by default, --full for everything
# --------------------------------------------------------------------------------------------


def test_cli_answer_is_short_by_default_and_full_on_request(capsys) -> None:
    from bot.cli import main

    args = ["answer", "--topic", "grade", "--ki67", "2.9", "--mitoses", "1"]
    assert main(args) == 0
    short = capsys.readouterr().out
    assert main(args + ["--full"]) == 0
    full = capsys.readouterr().out
    assert short.startswith("What is the WHO grade of this tumour?") and "NET G1" in short
    assert "Key points" in short and "References: [1] Nagtegaal 2020, Histopathology" in short
    assert "How it was worked out" not in short and "How it was worked out" in full and "\nReferences\n" in full
    assert len(short.split()) < len(full.split()) / 2
