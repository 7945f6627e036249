"""Renderers: 'cites or stays silent' on the rendered text, one chat bubble, reproducible bytes."""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

import pytest

from bot.answer import BANNER_TEXT, DISCLAIMERS, Answer, compose_answer
from bot.answer_tables import ANSWERABLE_TOPICS, COMPUTED_TOPICS
from bot.knowledge import DEFAULT_ROOT, KnowledgeBase, clear_knowledge_cache, load_knowledge
from bot.models import Case
from bot.render import RENDERERS, follow_up_buttons, render_for_channel, render_markdown, render_slack, slack_blocks
from bot.render.layout import HEADINGS, layout
from bot.render.markdown import without_pictures
from kb_builder import write_kb
from test_answer import COMPUTED_CASES


@pytest.fixture(scope="module")
def small_kb(tmp_path_factory) -> KnowledgeBase:
    clear_knowledge_cache()
    return load_knowledge(write_kb(tmp_path_factory.mktemp("render") / "knowledge"))


def _real_kb() -> Optional[KnowledgeBase]:
    return load_knowledge() if (DEFAULT_ROOT / "sources.yml").exists() else None


KB_NAMES = ["small", "real"]


@pytest.fixture(params=KB_NAMES)
def kb(request, small_kb) -> KnowledgeBase:
    if request.param == "small":
        return small_kb
    real = _real_kb()
    if real is None:
        pytest.fail("knowledge/sources.yml is missing: the shipped knowledge base must load")
    return real


# every information topic without a case, plus the computed cases
QUESTIONS: Dict[str, Tuple[str, Optional[Case]]] = {
    **{f"topic {t}": (t, None) for t in ANSWERABLE_TOPICS if t not in COMPUTED_TOPICS},
    **COMPUTED_CASES,
    "grade without values": ("grade", None),
    "out of scope": ("lanreotide_dose", None),
}

# --------------------------------------------------------------------------------------------
# Cites or stays silent, checked on the markdown users see
# --------------------------------------------------------------------------------------------

CITATION_TAIL = re.compile(r"^(?P<body>.*?)(?: \((?P<label>[^()]*)\))? \\\[(?P<refs>\d+(?:, \d+)*)\](?: _\((?P<tag>[^)]*)\)_)?$")
REFERENCE_LINE = re.compile(r"^- \\\[(\d+)\] ")
BLOCK_BREAK_LINE = " "  # ends a list without an empty line (bot/render/markdown.py)
RULE_LINE = "___"


def markdown_lines(markdown: str) -> List[str]:
    """The widget markdown's lines without hard breaks, block breaks, the rule before the footer and the picture
    blocks (a computed result drawn: tests/core/test_pictures.py)."""
    markdown = without_pictures(markdown)
    return [line.removesuffix("  ") for line in markdown.split("\n") if line not in (BLOCK_BREAK_LINE, RULE_LINE, "")]


def _unescape(text: str) -> str:
    return re.sub(r"\\([\\`*_#>+\-.)\[\]=|])", r"\1", text)


def _boilerplate(answer: Answer) -> List[str]:
    """Lines that are fixed wording (no citation needed)."""
    headings = {f"#### {h}" for pair in HEADINGS.values() for h in pair}
    fixed = headings | {f"### {answer.question}", f"_{DISCLAIMERS[answer.audience]}_"}
    fixed |= {f"- {n.question}" for n in answer.needs}
    if answer.abstain_reason:
        fixed.add(answer.abstain_reason.message)
    return sorted(fixed)


def check_cites_or_silent(answer: Answer, markdown: str) -> None:
    fixed = set(_boilerplate(answer))
    reference_numbers = {r.number for r in answer.references}
    cited_texts = {}
    for item in answer.cited_items():
        cited_texts.setdefault(item.text, []).append(item)
        if getattr(item, "conflict", None):
            cited_texts.setdefault(item.conflict, []).append(item)
    for line in markdown_lines(markdown):
        if line in fixed or line.startswith("⚠️ **" + BANNER_TEXT) or line.startswith("_Review status:_ "):
            continue
        if line.startswith("I can answer questions on: "):
            continue
        if REFERENCE_LINE.match(line):
            assert int(REFERENCE_LINE.match(line).group(1)) in reference_numbers
            continue
        match = CITATION_TAIL.match(line)
        assert match, f"uncited line: {line!r}"
        refs = [int(r) for r in match.group("refs").split(", ")]
        assert set(refs) <= reference_numbers, f"citation without reference: {line!r}"
        body = _unescape(match.group("body"))
        body = body[2:] if body.startswith("- ") else body
        body = body.removeprefix("_Sources disagree:_ ")
        assert body in cited_texts, f"line not traceable to a statement: {line!r}"
        assert any(item.refs == refs for item in cited_texts[body])
        for item in cited_texts[body]:
            assert item.statement_ids if hasattr(item, "statement_ids") else item.statement_id


@pytest.mark.parametrize("audience", ["clinician", "patient"])
@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_every_rendered_sentence_cites_or_is_boilerplate(kb: KnowledgeBase, name: str, audience: str) -> None:
    topic, case = QUESTIONS[name]
    answer = compose_answer(topic, case, audience=audience, kb=kb)
    check_cites_or_silent(answer, render_markdown(answer))


def test_the_checker_catches_an_uncited_line(small_kb: KnowledgeBase) -> None:
    answer = compose_answer("sstr_pet", kb=small_kb)
    markdown = render_markdown(answer)
    with pytest.raises(AssertionError, match="uncited line"):
        check_cites_or_silent(answer, markdown + "  \nSSTR PET finds every primary.")
    with pytest.raises(AssertionError, match="citation without reference"):
        check_cites_or_silent(answer, markdown + "\n- Something \\[99]")


# --------------------------------------------------------------------------------------------
# One bubble, reproducible, banner
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_chat_text_is_one_block(kb: KnowledgeBase, name: str) -> None:
    topic, case = QUESTIONS[name]
    answer = compose_answer(topic, case, kb=kb)
    markdown, slack = render_markdown(answer), render_slack(answer)
    for text in (markdown, slack):
        assert "\n\n" not in text  # Rasa's socketio and Slack channels split messages there
    assert all(line.strip() for line in slack.split("\n"))
    # the widget markdown's only whitespace line is the one-space block break
    assert all(line.strip() or line == BLOCK_BREAK_LINE for line in markdown.split("\n"))
    for block in slack_blocks(answer):
        if block["type"] == "section":
            assert "\n\n" not in block["text"]["text"] and len(block["text"]["text"]) <= 3000


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
@pytest.mark.parametrize("name", sorted(COMPUTED_CASES))
def test_same_inputs_give_byte_identical_output(small_kb: KnowledgeBase, name: str, fmt: str) -> None:
    topic, case = COMPUTED_CASES[name]
    first = RENDERERS[fmt](compose_answer(topic, case, kb=small_kb)).encode("utf-8")
    second = RENDERERS[fmt](compose_answer(topic, case.model_copy(deep=True), kb=small_kb)).encode("utf-8")
    assert first == second


@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_banner_shown_exactly_when_answer_has_one(kb: KnowledgeBase, name: str) -> None:
    topic, case = QUESTIONS[name]
    answer = compose_answer(topic, case, kb=kb)
    for text in (render_markdown(answer), render_slack(answer), RENDERERS["text"](answer)):
        assert (BANNER_TEXT in text) is (answer.banner is not None)
    if answer.banner:
        for pending in answer.pending_review:
            assert pending in render_markdown(answer)


def test_markdown_layout_for_the_widget(small_kb: KnowledgeBase) -> None:
    answer = compose_answer("grade", COMPUTED_CASES["grade G2"][1], kb=small_kb)
    markdown = render_markdown(answer)
    lines = markdown_lines(markdown)
    assert lines[0] == "### What is the WHO grade of this tumour?"
    assert "#### Answer" in lines and "#### From the guidelines" in lines and "#### References" in lines
    assert any(line.startswith("- ") for line in lines)
    assert "- \\[1] Doe J, Roe R. Test source 1. J Test Med 2001;1(2):3-4. PMID 1001. doi:10.1000/test.1. [link](https://doi.org/10.1000/test.1)" in lines
    assert lines[-1] == f"_{DISCLAIMERS['clinician']}_"


def _block(line: str) -> str:
    if line in (BLOCK_BREAK_LINE, RULE_LINE) or line.startswith("#"):
        return "break"
    return "list" if line.startswith("- ") else "paragraph"


@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_widget_markdown_keeps_each_block_apart(kb: KnowledgeBase, name: str) -> None:
    """What react-markdown 4 needs (measured in the browser): a paragraph line straight under a list item
    is glued to that item, and a list straight under a paragraph line may run into it."""
    topic, case = QUESTIONS[name]
    markdown = render_markdown(compose_answer(topic, case, kb=kb))
    lines = markdown.split("\n")
    for above, below in zip(lines, lines[1:]):
        kinds = (_block(above), _block(below))
        assert kinds not in (("list", "paragraph"), ("paragraph", "list")), (above, below)
    # every citation shows its brackets in the widget: "[" escaped, so it is no link reference
    assert not re.search(r"(?<!\\)\[\d+(?:, \d+)*\]", markdown)
    assert lines[-1].startswith("_") and RULE_LINE in lines, "review status and disclaimer close the answer"


def test_patient_headings_are_simpler_but_citations_identical(small_kb: KnowledgeBase) -> None:
    topic, case = COMPUTED_CASES["stage CUP M1"]
    clinician = render_markdown(compose_answer(topic, case, kb=small_kb))
    patient = render_markdown(compose_answer(topic, case, audience="patient", kb=small_kb))
    assert "#### From the guidelines" in clinician and "#### What guidelines say" in patient
    assert re.findall(r"\[\d+(?:, \d+)*\]", clinician) == re.findall(r"\[\d+(?:, \d+)*\]", patient)


# --------------------------------------------------------------------------------------------
# Slack and buttons
# --------------------------------------------------------------------------------------------


def test_slack_mrkdwn_and_blocks(small_kb: KnowledgeBase) -> None:
    answer = compose_answer("workup", COMPUTED_CASES["workup NEC"][1], kb=small_kb)
    text = render_slack(answer)
    assert text.startswith("*What is the next workup for this NET?*")
    assert "\n• " in text and "**" not in text
    blocks = slack_blocks(answer)
    actions = [b for b in blocks if b["type"] == "actions"]
    assert [e["value"] for e in actions[0]["elements"]] == [f.question for f in answer.follow_ups]
    assert blocks[-2]["type"] == "context"


def test_slack_escapes_angle_brackets(small_kb: KnowledgeBase) -> None:
    answer = compose_answer("grade", COMPUTED_CASES["grade G3"][1], kb=small_kb)
    assert "&gt;" in render_slack(answer) or ">" not in "".join(i.text for i in answer.cited_items())
    assert " -> " not in render_slack(answer)


def test_follow_up_buttons_send_the_question_text(small_kb: KnowledgeBase) -> None:
    answer = compose_answer("sstr_pet", kb=small_kb)
    buttons = follow_up_buttons(answer)
    assert buttons and all(b["title"] == b["payload"] == f.question for b, f in zip(buttons, answer.follow_ups))
    text, channel_buttons = render_for_channel(answer, "socketio")
    assert text == render_markdown(answer) and channel_buttons == buttons
    assert render_for_channel(answer, "slack")[0] == render_slack(answer)


# --------------------------------------------------------------------------------------------
# Patient reading level (needs textstat in .venv/actions)
# --------------------------------------------------------------------------------------------


def test_patient_wording_reads_easier_than_clinician_wording() -> None:
    import textstat

    real = _real_kb()
    if real is None:
        pytest.fail("knowledge/sources.yml is missing: the shipped knowledge base must load")
    with_patient = [s for s in real.statements if s.patient_text]
    clinician = " ".join(s.text for s in with_patient)
    patient = " ".join(s.patient_text for s in with_patient)
    # measured 2026-11-25: patient 7.5, clinician 11.7 (Flesch-Kincaid grade; reading ease 71 vs 50)
    assert textstat.flesch_kincaid_grade(patient) <= 9.0
    assert textstat.flesch_kincaid_grade(patient) < textstat.flesch_kincaid_grade(clinician) - 2
