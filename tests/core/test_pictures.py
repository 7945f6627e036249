"""Pictures of computed results (bot/pictures.py): the band marked is the band the grading scale gives, at and
around every cut-off; the stage row marks what is not known; the workup pathway marks each step done, next or
later as the workup rules decided, labelled with the step titles of the knowledge base; self-contained SVG with
alt text, made only of what the chat page lets through."""

from __future__ import annotations

import re
from pathlib import Path
import xml.etree.ElementTree as ET

import pytest

from bot.grading import GEP_MITOSES_SCALE, KI67_SCALE, grade
from bot.knowledge import load_knowledge
from bot.models import Case, Differentiation, MetastaticSite, Site, Syndrome, TestDone, TestKind, TestOutcome
from bot.pictures import PATHWAY_PLACE, grade_picture, stage_picture, workup_picture
from bot.staging import stage
from bot.workup import CONSIDER, DONE, RECOMMENDED, STEP_CATALOGUE, plan_workup
from bot.workup_wording import step_title

ROOT = Path(__file__).resolve().parents[2]

SVG = "{http://www.w3.org/2000/svg}"


def marked(svg: str, index: str) -> str:
    root = ET.fromstring(svg)
    group = next(g for g in root.iter(f"{SVG}g") if g.get("data-index") == index)
    bands = [r.get("data-band") for r in group.iter(f"{SVG}rect") if r.get("data-marked") == "true"]
    assert len(bands) == 1
    return bands[0]


# value | band (literal, WHO 2019 digestive: < 3 G1, 3-20 G2 both inclusive, > 20 G3)
KI67_BOUNDARIES = [(0, "G1"), (2.9, "G1"), (3, "G2"), (12, "G2"), (20, "G2"), (20.1, "G3"), (95, "G3")]
MITOSES_BOUNDARIES = [(1.9, "G1"), (2, "G2"), (20, "G2"), (21, "G3")]


@pytest.mark.parametrize("ki67, band", KI67_BOUNDARIES)
def test_the_ki67_band_marked_at_each_cut_off(ki67: float, band: str) -> None:
    case = Case(ki67_percent=ki67)
    picture = grade_picture(case, grade(case))
    assert marked(picture.svg, "Ki-67") == band == KI67_SCALE.classify(ki67)
    assert f"({band})" in picture.alt and f"Ki-67 {ki67:g}%" in picture.alt


@pytest.mark.parametrize("mitoses, band", MITOSES_BOUNDARIES)
def test_the_mitoses_band_marked_at_each_cut_off(mitoses: float, band: str) -> None:
    case = Case(ki67_percent=5, mitoses=mitoses)
    picture = grade_picture(case, grade(case))
    assert marked(picture.svg, "Mitoses") == band == GEP_MITOSES_SCALE.classify(mitoses)
    assert marked(picture.svg, "Ki-67") == "G2"


def test_the_cut_offs_drawn_are_the_rules_own() -> None:
    case = Case(ki67_percent=12, mitoses=3)
    svg = grade_picture(case, grade(case)).svg
    root = ET.fromstring(svg)
    for index, scale in (("Ki-67", KI67_SCALE), ("Mitoses", GEP_MITOSES_SCALE)):
        group = next(g for g in root.iter(f"{SVG}g") if g.get("data-index") == index)
        texts = [t.text for t in group.iter(f"{SVG}text")]
        assert f"{scale.low:g}" in texts and f"{scale.high:g}" in texts
        assert [r.get("data-band") for r in group.iter(f"{SVG}rect")] == list(scale.labels)


def test_a_mitotic_count_per_10_hpf_is_drawn_per_2_mm2() -> None:
    case = Case(ki67_percent=5, mitoses=10, mitoses_unit="per_10hpf")
    picture = grade_picture(case, grade(case))
    value = float(next(g for g in ET.fromstring(picture.svg).iter(f"{SVG}g") if g.get("data-index") == "Mitoses").get("data-value"))
    assert value != 10 or "per 2 mm²" in picture.alt


def test_no_picture_without_an_index_or_for_a_nec() -> None:
    empty = Case(site=Site.pancreas)
    assert grade_picture(empty, grade(empty)) is None
    nec = Case(differentiation="poorly", ki67_percent=80)
    assert grade_picture(nec, grade(nec)) is None


def test_the_stage_row_marks_what_is_not_known() -> None:
    picture = stage_picture(stage(Case(site=Site.pancreas, tumour_size_cm=1.5, invasion="confined", nodes_positive=False)))
    cells = {g.get("data-cell"): g.get("data-missing") for g in ET.fromstring(picture.svg).iter(f"{SVG}g")}
    assert cells == {"T": "false", "N": "false", "M": "true", "Stage": "true"}
    assert picture.alt == "Stage row: T1, N0, M not known, Stage not known."
    full = stage_picture(stage(Case(site=Site.unknown, metastatic_sites=[MetastaticSite.liver])))
    assert "stage IV" in full.alt and 'data-cell="Stage" data-missing="false"' in full.svg


def all_pictures():
    case = Case(ki67_percent=20, mitoses=1)
    cup = WORKUP_CASES[1]
    return (grade_picture(case, grade(case)),
            stage_picture(stage(Case(site=Site.unknown, metastatic_sites=[MetastaticSite.liver]))),
            workup_picture(plan_workup(cup), titles_of(cup)))


def test_pictures_are_self_contained_with_alt_text() -> None:
    for picture in all_pictures():
        root = ET.fromstring(picture.svg)
        assert root.get("role") == "img" and root.get("aria-label") == picture.alt
        assert root.find(f"{SVG}title").text == picture.alt
        assert "\n" not in picture.svg, "one line: one fenced block line in the chat markdown"
        assert not re.search(r"href|<script|<image|<foreignObject|url\(| on[a-z]+=", picture.svg)
        assert re.findall(r"https?://[^\"]+", picture.svg) == ["http://www.w3.org/2000/svg"]


def test_pictures_use_only_what_the_chat_page_lets_through() -> None:
    """web/netguide.js draws a picture only if every element and attribute is on its lists: a picture using
    anything else would silently not be drawn."""
    script = (ROOT / "web" / "netguide.js").read_text()
    elements = re.compile(re.search(r"PICTURE_ELEMENTS = /(.+)/;", script).group(1))
    attributes = re.compile(re.search(r"PICTURE_ATTRIBUTES = /(.+)/;", script).group(1))
    for picture in all_pictures():
        for element in ET.fromstring(picture.svg).iter():
            assert elements.match(element.tag.replace(SVG, "")), element.tag
            for name in element.attrib:
                assert attributes.match(name), (picture.kind, name)


# ------------------------------------------------------------------------------------------------
# The workup pathway
# ------------------------------------------------------------------------------------------------

KB = load_knowledge()

WORKUP_CASES = [
    Case(site=Site.unknown),
    Case(site=Site.unknown, differentiation=Differentiation.well, ki67_percent=8, metastatic_sites=[MetastaticSite.liver],
         tests_done=[TestDone(test=TestKind.ct, outcome=TestOutcome.positive)]),
    Case(site=Site.unknown, differentiation=Differentiation.well, ki67_percent=15,
         tests_done=[TestDone(test=TestKind.sstr_pet, outcome=TestOutcome.negative),
                     TestDone(test=TestKind.colonoscopy, outcome=TestOutcome.negative)]),
    Case(site=Site.unknown, differentiation=Differentiation.poorly, ki67_percent=70),
    Case(site=Site.pancreas, differentiation=Differentiation.well, ki67_percent=4, functional_syndrome=Syndrome.insulinoma),
]


def titles_of(case: Case):
    return {s.id: step_title(s, KB.workup_wording).text for s in plan_workup(case).steps}


def places(svg: str):
    return [(g.get("data-step"), g.get("data-place")) for g in ET.fromstring(svg).iter(f"{SVG}g") if g.get("data-step")]


@pytest.mark.parametrize("case", WORKUP_CASES)
def test_the_pathway_marks_each_step_as_the_workup_rules_decided_it(case: Case) -> None:
    result = plan_workup(case)
    picture = workup_picture(result, titles_of(case))
    assert picture.kind == "workup_pathway"
    expected = [(s.id, {DONE: "done", RECOMMENDED: "next", CONSIDER: "later"}[s.status]) for s in result.steps]
    assert places(picture.svg) == expected
    order = list(STEP_CATALOGUE)
    assert [order.index(step) for step, _ in expected] == sorted(order.index(step) for step, _ in expected), \
        "in the order of the step table"


def test_a_test_reported_done_moves_its_step_from_next_to_done() -> None:
    before = Case(site=Site.unknown, differentiation=Differentiation.well, ki67_percent=8)
    after = before.model_copy(update={"tests_done": [TestDone(test=TestKind.sstr_pet, outcome=TestOutcome.positive)]})
    assert dict(places(workup_picture(plan_workup(before), titles_of(before)).svg))["sstr_pet"] == "next"
    picture = workup_picture(plan_workup(after), titles_of(after))
    assert dict(places(picture.svg))["sstr_pet"] == "done"
    assert picture.alt.startswith("Workup pathway. Done: " + titles_of(after)["sstr_pet"] + ".")


@pytest.mark.parametrize("case", WORKUP_CASES)
def test_each_step_is_labelled_with_its_title_from_the_knowledge_base(case: Case) -> None:
    titles = titles_of(case)
    picture = workup_picture(plan_workup(case), titles)
    for group in ET.fromstring(picture.svg).iter(f"{SVG}g"):
        if group.get("data-step"):
            shown = " ".join(t.text for t in group.iter(f"{SVG}text"))
            assert shown == titles[group.get("data-step")]
            assert all(len(t.text) <= 48 for t in group.iter(f"{SVG}text") if " " in t.text), "wrapped to fit"
    for step, place in places(picture.svg):
        word = place.capitalize()
        section = re.search(word + r": (.*?)\.(?: [A-Z][a-z]+: |$)", picture.alt).group(1)
        assert titles[step] in section.split("; ")
    later_steps = [s for s in plan_workup(case).steps if s.status == CONSIDER]
    assert ("Later: " in picture.alt) == bool(later_steps)


def test_no_pathway_without_a_step_title() -> None:
    assert workup_picture(plan_workup(Case(site=Site.unknown)), {}) is None


def test_a_workup_answer_carries_its_pathway_picture() -> None:
    from bot.answer import compose_answer

    answer = compose_answer("workup", WORKUP_CASES[1], kb=KB)
    assert answer.computed.picture.kind == "workup_pathway"
    assert places(answer.computed.picture.svg) == places(workup_picture(plan_workup(WORKUP_CASES[1]), titles_of(WORKUP_CASES[1])).svg)
    assert PATHWAY_PLACE[DONE] == "done"


def test_without_pictures_gives_the_markdown_as_without_them() -> None:
    from bot.answer import compose_answer, compose_reply
    from bot.render import render_markdown
    from bot.render.markdown import without_pictures

    case = Case(site=Site.unknown, ki67_percent=8, mitoses=3, metastatic_sites=[MetastaticSite.liver])
    reply = compose_reply([compose_answer("grade", case), compose_answer("stage", case)])
    drawn = render_markdown(reply)
    assert drawn.count("```netguide-picture\n<svg") == 2
    for part in reply.parts:
        part.computed.picture = None
    assert without_pictures(drawn) == render_markdown(reply)
