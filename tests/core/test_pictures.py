"""Pictures of computed results (bot/pictures.py): the band marked is the band the grading scale gives, at and
around every cut-off; the stage row marks what is not known; self-contained SVG with alt text."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from bot.grading import GEP_MITOSES_SCALE, KI67_SCALE, grade
from bot.models import Case, MetastaticSite, Site
from bot.pictures import grade_picture, stage_picture
from bot.staging import stage

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


def test_pictures_are_self_contained_with_alt_text() -> None:
    case = Case(ki67_percent=20, mitoses=1)
    for picture in (grade_picture(case, grade(case)),
                    stage_picture(stage(Case(site=Site.unknown, metastatic_sites=[MetastaticSite.liver])))):
        root = ET.fromstring(picture.svg)
        assert root.get("role") == "img" and root.get("aria-label") == picture.alt
        assert root.find(f"{SVG}title").text == picture.alt
        assert "\n" not in picture.svg, "one line: one fenced block line in the chat markdown"
        assert not re.search(r"href|<script|<image|<foreignObject|url\(| on[a-z]+=", picture.svg)
        assert re.findall(r"https?://[^\"]+", picture.svg) == ["http://www.w3.org/2000/svg"]


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
