"""AJCC 8th edition staging of GEP NETs: tables written like the guideline tables they test
(clinical_facts.md F3.2-F3.9 and section 9, staging action)."""

from __future__ import annotations

from typing import List, Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.models import (
    Case,
    Differentiation,
    Invasion,
    MetastaticSite,
    ReviewStatus,
    Site,
    StageResult,
)
from bot.knowledge import load_knowledge
from bot.result_wording import STAGING, flag_words, plain_trace
from bot.staging import chapter_key
from bot.staging import (
    CHAPTERS,
    m_category,
    n_category,
    possible_t_categories,
    stage,
    stage_group,
    t_category,
    WHAT_IF_TEMPLATES,
)

CONFINED = Invasion.confined
MUSCULARIS = Invasion.muscularis_propria
SUBSEROSA = Invasion.subserosa
PERIPANCREATIC = Invasion.pancreas_or_peripancreatic
DUODENUM_OR_CBD = Invasion.duodenum_or_bile_duct
SEROSA = Invasion.serosa_or_adjacent_organs

LIVER = MetastaticSite.liver
BONE = MetastaticSite.bone
LUNG = MetastaticSite.lung
PERITONEUM = MetastaticSite.peritoneum
DISTANT_NODES = MetastaticSite.distant_nodes
OVARY = MetastaticSite.ovary

GEP_SITES = [Site.stomach, Site.duodenum, Site.ampulla, Site.jejunum_ileum, Site.appendix,
             Site.colon, Site.rectum, Site.pancreas]

def said(result) -> List[str]:
    """The trace in the words of knowledge/computed/staging.yml (the engine returns line ids and values)."""
    return plain_trace(STAGING, load_knowledge().wording("staging"), result.trace, chapter_key(result.chapter))


def flag_texts(result) -> dict:
    wording = load_knowledge().wording("staging")
    return {f.code: flag_words(STAGING, wording, f, chapter_key(result.chapter)).text for f in result.flags}




def well(**fields) -> Case:
    return Case(differentiation=Differentiation.well, **fields)


# ------------------------------------------------------------------------------------------
# T definitions, both sides of every cut-off
# ------------------------------------------------------------------------------------------

T_TABLE = [
    # site, size (cm), deepest invasion, T
    # Stomach (F3.3): T1 lamina propria/submucosa and <= 1 cm; T2 muscularis propria or > 1 cm
    (Site.stomach, 0.5, CONFINED, "T1"),
    (Site.stomach, 1.0, CONFINED, "T1"),
    (Site.stomach, 1.01, CONFINED, "T2"),
    (Site.stomach, 1.5, CONFINED, "T2"),
    (Site.stomach, 0.5, MUSCULARIS, "T2"),
    (Site.stomach, 0.5, SUBSEROSA, "T3"),
    (Site.stomach, 3.0, SUBSEROSA, "T3"),
    (Site.stomach, 0.5, SEROSA, "T4"),
    # Duodenum (F3.4): T2 is > 1 cm (AJCC text), so 1.0 cm confined is T1
    (Site.duodenum, 0.9, CONFINED, "T1"),
    (Site.duodenum, 1.0, CONFINED, "T1"),
    (Site.duodenum, 1.1, CONFINED, "T2"),
    (Site.duodenum, 0.5, MUSCULARIS, "T2"),
    (Site.duodenum, 0.5, PERIPANCREATIC, "T3"),
    (Site.duodenum, 0.5, SEROSA, "T4"),
    # Ampulla (F3.4): T1 <= 1 cm within the sphincter of Oddi; T2 through it or > 1 cm
    (Site.ampulla, 1.0, CONFINED, "T1"),
    (Site.ampulla, 1.1, CONFINED, "T2"),
    (Site.ampulla, 0.5, MUSCULARIS, "T2"),
    (Site.ampulla, 0.5, PERIPANCREATIC, "T3"),
    (Site.ampulla, 0.5, SEROSA, "T4"),
    # Jejunum/ileum (F3.5)
    (Site.jejunum_ileum, 1.0, CONFINED, "T1"),
    (Site.jejunum_ileum, 1.1, CONFINED, "T2"),
    (Site.jejunum_ileum, 0.8, MUSCULARIS, "T2"),
    (Site.jejunum_ileum, 0.8, SUBSEROSA, "T3"),
    (Site.jejunum_ileum, 0.8, SEROSA, "T4"),
    # Appendix (F3.6): T1 <= 2; T2 > 2 to <= 4; T3 > 4 or subserosa/mesoappendix; T4
    (Site.appendix, 1.0, CONFINED, "T1"),
    (Site.appendix, 2.0, CONFINED, "T1"),
    (Site.appendix, 1.5, MUSCULARIS, "T1"),
    (Site.appendix, 2.1, CONFINED, "T2"),
    (Site.appendix, 4.0, MUSCULARIS, "T2"),
    (Site.appendix, 4.1, CONFINED, "T3"),
    (Site.appendix, 1.0, SUBSEROSA, "T3"),
    (Site.appendix, 1.0, SEROSA, "T4"),
    (Site.appendix, 5.0, SEROSA, "T4"),
    # Colon and rectum (F3.7): T1 lamina propria/submucosa and <= 2 cm
    (Site.colon, 0.9, CONFINED, "T1"),
    (Site.colon, 2.0, CONFINED, "T1"),
    (Site.colon, 2.1, CONFINED, "T2"),
    (Site.colon, 0.5, MUSCULARIS, "T2"),
    (Site.colon, 0.5, SUBSEROSA, "T3"),
    (Site.colon, 0.5, SEROSA, "T4"),
    (Site.rectum, 1.0, CONFINED, "T1"),
    (Site.rectum, 2.0, CONFINED, "T1"),
    (Site.rectum, 2.5, CONFINED, "T2"),
    (Site.rectum, 1.0, MUSCULARIS, "T2"),
    (Site.rectum, 1.0, SUBSEROSA, "T3"),
    (Site.rectum, 1.0, SEROSA, "T4"),
    # Pancreas (F3.8): T1 < 2 cm, T2 2-4 cm, T3 > 4 cm or duodenum/bile duct, T4 adjacent organs/vessels
    (Site.pancreas, 1.9, CONFINED, "T1"),
    (Site.pancreas, 1.99, CONFINED, "T1"),
    (Site.pancreas, 2.0, CONFINED, "T2"),
    (Site.pancreas, 2.4, CONFINED, "T2"),
    (Site.pancreas, 4.0, CONFINED, "T2"),
    (Site.pancreas, 4.1, CONFINED, "T3"),
    (Site.pancreas, 1.0, DUODENUM_OR_CBD, "T3"),
    (Site.pancreas, 1.0, SEROSA, "T4"),
    (Site.pancreas, 6.0, SEROSA, "T4"),
    # peripancreatic fat is not a basis for staging: counts as limited to the pancreas (S98)
    (Site.pancreas, 1.5, PERIPANCREATIC, "T1"),
    (Site.pancreas, 3.0, PERIPANCREATIC, "T2"),
    (Site.pancreas, 4.5, PERIPANCREATIC, "T3"),
]


@pytest.mark.parametrize("site, size, invasion, expected_t", T_TABLE)
def test_t_category(site: Site, size: float, invasion: Invasion, expected_t: str) -> None:
    assert t_category(site, size, invasion) == expected_t
    result = stage(well(site=site, tumour_size_cm=size, invasion=invasion, nodes_positive=False, metastatic_sites=[]))
    assert result.t == expected_t
    assert "tumour_size_cm" not in result.missing and "invasion" not in result.missing


@pytest.mark.parametrize("site, size, invasion, expected_t, rule_id", [
    (Site.pancreas, 2.4, CONFINED, "T2", "AJCC8-PANCREAS-T"),
    (Site.stomach, 0.5, CONFINED, "T1", "AJCC8-STOMACH-T"),
    (Site.duodenum, 0.5, CONFINED, "T1", "AJCC8-DUODENUM-T"),
    (Site.ampulla, 0.5, CONFINED, "T1", "AJCC8-AMPULLA-T"),
    (Site.jejunum_ileum, 0.5, CONFINED, "T1", "AJCC8-JEJUNUM-ILEUM-T"),
    (Site.appendix, 0.5, CONFINED, "T1", "AJCC8-APPENDIX-T"),
    (Site.colon, 0.5, CONFINED, "T1", "AJCC8-COLORECTUM-T"),
    (Site.rectum, 0.5, CONFINED, "T1", "AJCC8-COLORECTUM-T"),
])
def test_t_rule_id_and_trace_show_inputs(site, size, invasion, expected_t, rule_id) -> None:
    result = stage(well(site=site, tumour_size_cm=size, invasion=invasion))
    index = result.rule_ids.index(rule_id)
    assert f"-> {expected_t}" in said(result)[index]
    assert f"{size:g}" in said(result)[index]


def test_pancreas_trace_reads_like_the_example() -> None:
    result = stage(well(site=Site.pancreas, tumour_size_cm=2.4, invasion=CONFINED))
    assert said(result)[0].startswith("2.4 cm, limited to the pancreas -> T2")


# ------------------------------------------------------------------------------------------
# Missing T inputs: listed, never guessed
# ------------------------------------------------------------------------------------------

T_MISSING_TABLE = [
    # site, size, invasion, T from the inputs alone (None = undetermined), possible Ts, missing inputs,
    # T given under the stated assumption "no invasion beyond the shallowest layer" (size known, depth not)
    (Site.pancreas, None, CONFINED, None, {"T1", "T2", "T3"}, ["tumour_size_cm"], None),
    (Site.pancreas, None, SEROSA, "T4", {"T4"}, [], "T4"),  # invasion alone decides
    (Site.pancreas, None, DUODENUM_OR_CBD, "T3", {"T3"}, [], "T3"),
    (Site.pancreas, 1.5, None, None, {"T1", "T3", "T4"}, ["invasion"], "T1"),
    (Site.stomach, 5.0, None, None, {"T2", "T3", "T4"}, ["invasion"], "T2"),  # at least T2
    (Site.stomach, None, MUSCULARIS, "T2", {"T2"}, [], "T2"),
    (Site.stomach, None, SUBSEROSA, "T3", {"T3"}, [], "T3"),
    (Site.stomach, None, SEROSA, "T4", {"T4"}, [], "T4"),
    (Site.stomach, 0.5, None, None, {"T1", "T2", "T3", "T4"}, ["invasion"], "T1"),
    (Site.stomach, None, None, None, {"T1", "T2", "T3", "T4"}, ["tumour_size_cm", "invasion"], None),
    (Site.stomach, None, CONFINED, None, {"T1", "T2"}, ["tumour_size_cm"], None),
    (Site.appendix, 5.0, None, None, {"T3", "T4"}, ["invasion"], "T3"),
    (Site.appendix, None, SUBSEROSA, "T3", {"T3"}, [], "T3"),  # size cannot make it T4
    (Site.appendix, None, MUSCULARIS, None, {"T1", "T2", "T3"}, ["tumour_size_cm"], None),
    (Site.colon, 0.5, None, None, {"T1", "T2", "T3", "T4"}, ["invasion"], "T1"),
    (Site.duodenum, 1.5, None, None, {"T2", "T3", "T4"}, ["invasion"], "T2"),
]


@pytest.mark.parametrize("site, size, invasion, expected_t, possible, missing, assumed_t", T_MISSING_TABLE)
def test_missing_t_inputs_are_listed_and_t_is_given_only_under_a_stated_assumption(
        site, size, invasion, expected_t, possible, missing, assumed_t) -> None:
    assert possible_t_categories(site, size, invasion) == possible
    assert t_category(site, size, invasion) == expected_t
    result = stage(well(site=site, tumour_size_cm=size, invasion=invasion, nodes_positive=False, metastatic_sites=[]))
    assert result.t == assumed_t
    assert [f for f in result.missing if f in ("tumour_size_cm", "invasion")] == missing
    assumed = [f for f in result.flags if f.code == "t_assumes_no_deeper_invasion"]
    if expected_t is None and assumed_t is not None:
        # the assumption and the categories deeper invasion would give are said, and the depth is still asked for
        assert len(assumed) == 1 and "assuming" in said(result)[0]
        assert all(t in flag_texts(result)[assumed[0].code] for t in possible - {assumed_t})
    else:
        assert not assumed
    if assumed_t is None:
        assert "T not determined" in said(result)[0]


def test_stomach_5cm_without_invasion_is_staged_under_the_stated_assumption_and_asks_for_the_depth() -> None:
    result = stage(well(site=Site.stomach, tumour_size_cm=5.0, nodes_positive=False, metastatic_sites=[]))
    assert (result.t, result.stage_group) == ("T2", "II")
    assert result.staged is True
    assert result.missing == ["invasion"]
    assert [f.code for f in result.flags if f.code == "t_assumes_no_deeper_invasion"]


def test_stomach_5cm_without_invasion_is_still_stage_iv_when_m1() -> None:
    result = stage(well(site=Site.stomach, tumour_size_cm=5.0, metastatic_sites=[LIVER]))
    assert (result.t, result.m, result.stage_group) == ("T2", "M1a", "IV")
    assert "invasion" in result.missing and "nodes_positive" in result.missing


@pytest.mark.parametrize("site", [Site.stomach, Site.jejunum_ileum, Site.colon, Site.rectum, Site.appendix])
def test_a_luminal_net_growing_into_the_pancreas_has_reached_another_organ(site) -> None:
    # AJCC 8 T4 of these chapters: into the serosa or other organs; the pancreas is another organ here
    result = stage(well(site=site, tumour_size_cm=1.5, invasion=PERIPANCREATIC))
    assert result.t == "T4" and "invasion_not_in_chapter" not in {f.code for f in result.flags}


@pytest.mark.parametrize("site, invasion", [
    (Site.stomach, DUODENUM_OR_CBD),
    (Site.appendix, DUODENUM_OR_CBD),
    (Site.duodenum, SUBSEROSA),
    (Site.pancreas, MUSCULARIS),
    (Site.pancreas, SUBSEROSA),
])
def test_invasion_with_no_t_definition_in_the_chapter_is_flagged_and_missing(site, invasion) -> None:
    result = stage(well(site=site, tumour_size_cm=1.5, invasion=invasion))
    assert "invasion_not_in_chapter" in {f.code for f in result.flags}
    assert "invasion" in result.missing


# ------------------------------------------------------------------------------------------
# Boundary flags where sources word the cut-off differently (section 8, item 6)
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size, flagged", [(1.5, False), (1.9, True), (1.95, True), (2.0, True),
                                           (2.1, True), (2.3, False), (4.0, False)])
def test_pancreas_2cm_flag_mentions_uicc(size: float, flagged: bool) -> None:
    result = stage(well(site=Site.pancreas, tumour_size_cm=size, invasion=CONFINED))
    flags = flag_texts(result)
    assert ("pancreas_t1_cutoff" in flags) is flagged
    if flagged:
        assert "UICC" in flags["pancreas_t1_cutoff"]


def test_pancreas_exactly_2cm_is_t2_stage_ii_with_t1_what_if() -> None:
    result = stage(well(site=Site.pancreas, tumour_size_cm=2.0, invasion=CONFINED,
                        nodes_positive=False, metastatic_sites=[]))
    assert (result.t, result.stage_group) == ("T2", "II")
    assert _what_ifs(result)["size:1.9"] == (("T1",), "I")


@pytest.mark.parametrize("site", [Site.duodenum, Site.ampulla])
@pytest.mark.parametrize("size, flagged", [(0.9, False), (1.0, True), (1.1, False)])
def test_duodenum_1cm_flag_mentions_pathologyoutlines(site: Site, size: float, flagged: bool) -> None:
    result = stage(well(site=site, tumour_size_cm=size, invasion=CONFINED))
    flags = flag_texts(result)
    assert ("duodenum_t2_cutoff" in flags) is flagged
    if flagged:
        assert result.t == "T1"
        assert "PathologyOutlines" in flags["duodenum_t2_cutoff"] and "≥ 1 cm" in flags["duodenum_t2_cutoff"]


@pytest.mark.parametrize("site", [Site.colon, Site.rectum])
@pytest.mark.parametrize("size, invasion, flagged", [
    (0.5, CONFINED, True),
    (1.0, CONFINED, True),
    (1.5, CONFINED, True),
    (2.5, CONFINED, False),
    (0.5, MUSCULARIS, False),
])
def test_colorectal_t1a_t1b_flag(site: Site, size: float, invasion: Invasion, flagged: bool) -> None:
    result = stage(well(site=site, tumour_size_cm=size, invasion=invasion, nodes_positive=False, metastatic_sites=[]))
    flags = flag_texts(result)
    assert ("colorectal_t1_subcategory" in flags) is flagged
    if flagged:
        assert result.stage_group == "I"  # the split does not change the group
        assert "does not change" in flags["colorectal_t1_subcategory"]


# ------------------------------------------------------------------------------------------
# N
# ------------------------------------------------------------------------------------------

N_TABLE = [
    # site, nodes_positive, positive_node_count, bulky_mesenteric_mass, N, missing nodal inputs
    (Site.pancreas, True, None, None, "N1", []),
    (Site.pancreas, False, None, None, "N0", []),
    (Site.pancreas, None, 3, None, "N1", []),
    (Site.pancreas, None, 0, None, "N0", []),
    (Site.pancreas, True, 20, None, "N1", []),  # no N2 outside the jejunum/ileum
    (Site.stomach, None, None, None, None, ["nodes_positive"]),
    (Site.appendix, None, None, True, None, ["nodes_positive"]),  # mesenteric mass: jejunum/ileum only
    # Jejunum/ileum (F3.5): N1 < 12 nodes; N2 >= 12 nodes or mesenteric mass > 2 cm
    (Site.jejunum_ileum, None, 11, False, "N1", []),
    (Site.jejunum_ileum, True, 1, False, "N1", []),
    (Site.jejunum_ileum, None, 12, None, "N2", []),
    (Site.jejunum_ileum, None, 12, False, "N2", []),
    (Site.jejunum_ileum, True, 30, False, "N2", []),
    (Site.jejunum_ileum, True, 3, True, "N2", []),
    (Site.jejunum_ileum, None, None, True, "N2", []),
    (Site.jejunum_ileum, False, None, None, "N0", []),
    (Site.jejunum_ileum, None, 0, False, "N0", []),
    # 1-11 positive nodes, mass not mentioned: N1 on the stated assumption "no mass", mass still asked for
    (Site.jejunum_ileum, None, 11, None, "N1", ["bulky_mesenteric_mass"]),
    (Site.jejunum_ileum, None, 1, None, "N1", ["bulky_mesenteric_mass"]),
    (Site.jejunum_ileum, True, 4, None, "N1", ["bulky_mesenteric_mass"]),
    (Site.jejunum_ileum, None, 11, True, "N2", []),
    # no count: the count alone can make it N2, so nothing is assumed
    (Site.jejunum_ileum, None, 0, None, None, ["nodes_positive", "bulky_mesenteric_mass"]),
    (Site.jejunum_ileum, True, None, False, None, ["positive_node_count"]),
    (Site.jejunum_ileum, True, None, None, None, ["positive_node_count", "bulky_mesenteric_mass"]),
    (Site.jejunum_ileum, None, None, None, None,
     ["nodes_positive", "positive_node_count", "bulky_mesenteric_mass"]),
]


@pytest.mark.parametrize("site, positive, count, bulky, expected_n, missing", N_TABLE)
def test_n_category(site, positive, count, bulky, expected_n, missing) -> None:
    case = well(site=site, nodes_positive=positive, positive_node_count=count, bulky_mesenteric_mass=bulky,
                tumour_size_cm=0.5, invasion=SEROSA, metastatic_sites=[])
    assert n_category(site, case) == expected_n
    result = stage(case)
    assert result.n == expected_n
    nodal = ("nodes_positive", "positive_node_count", "bulky_mesenteric_mass")
    assert [f for f in result.missing if f in nodal] == missing


@pytest.mark.parametrize("positive, count, bulky", [(False, 2, None), (True, 0, None)])
def test_contradictory_nodal_inputs_are_flagged(positive, count, bulky) -> None:
    result = stage(well(site=Site.stomach, nodes_positive=positive, positive_node_count=count,
                        tumour_size_cm=0.5, invasion=CONFINED, metastatic_sites=[]))
    assert result.n is None and result.stage_group is None
    assert "inconsistent_nodes" in {f.code for f in result.flags}


@pytest.mark.parametrize("count, bulky, expected_n, assumed", [
    # F3.5: N1 regional nodes in < 12; N2 mesenteric mass > 2 cm and/or >= 12 nodes
    (11, None, "N1", True),
    (11, False, "N1", False),
    (11, True, "N2", False),
    (12, None, "N2", False),
    (12, False, "N2", False),
    (12, True, "N2", False),
])
@pytest.mark.parametrize("mets, group", [([], "III"), ([MetastaticSite.liver], "IV")])
def test_jejunum_n_at_11_and_12_nodes_with_and_without_mass(count, bulky, expected_n, assumed, mets, group) -> None:
    result = stage(well(site=Site.jejunum_ileum, tumour_size_cm=1.5, invasion=SUBSEROSA,
                        positive_node_count=count, bulky_mesenteric_mass=bulky, metastatic_sites=mets))
    assert (result.t, result.n, result.stage_group) == ("T3", expected_n, group)
    flags = flag_texts(result)
    assert ("n1_assumes_no_mesenteric_mass" in flags) is assumed
    assert ("bulky_mesenteric_mass" in result.missing) is assumed
    if assumed:
        assert "mesenteric mass > 2 cm" in flags["n1_assumes_no_mesenteric_mass"]
        assert "N2" in flags["n1_assumes_no_mesenteric_mass"]


@pytest.mark.parametrize("count", range(1, 12))
@pytest.mark.parametrize("mets", [[], [MetastaticSite.liver], [MetastaticSite.bone]])
def test_n1_assumption_never_changes_the_stage_group(count: int, mets) -> None:
    def group(bulky):
        return stage(well(site=Site.jejunum_ileum, tumour_size_cm=0.8, invasion=CONFINED,
                          positive_node_count=count, bulky_mesenteric_mass=bulky, metastatic_sites=mets)).stage_group
    assert group(None) == group(False) == group(True) is not None


# ------------------------------------------------------------------------------------------
# M (F3.2): liver only M1a, extrahepatic only M1b, both M1c
# ------------------------------------------------------------------------------------------

M_TABLE = [
    ([], "M0"),
    ([LIVER], "M1a"),
    ([BONE], "M1b"),
    ([LUNG], "M1b"),
    ([PERITONEUM], "M1b"),
    ([DISTANT_NODES], "M1b"),
    ([OVARY], "M1b"),
    ([MetastaticSite.brain], "M1b"),
    ([MetastaticSite.other], "M1b"),
    ([BONE, PERITONEUM], "M1b"),
    ([LIVER, BONE], "M1c"),
    ([LIVER, DISTANT_NODES], "M1c"),
    ([LIVER, LIVER], "M1a"),
    (None, None),
]


@pytest.mark.parametrize("sites, expected_m", M_TABLE)
def test_m_category(sites: Optional[List[MetastaticSite]], expected_m: Optional[str]) -> None:
    assert m_category(sites) == expected_m
    result = stage(well(site=Site.pancreas, tumour_size_cm=1.0, invasion=CONFINED, nodes_positive=False,
                        metastatic_sites=sites))
    assert result.m == expected_m
    assert ("metastatic_sites" in result.missing) is (sites is None)
    if expected_m is not None:
        assert f"AJCC8-{expected_m.upper()}" in result.rule_ids


# ------------------------------------------------------------------------------------------
# Stage groups of every chapter (F3.3-F3.8, VERIFIED against S97/S98)
# ------------------------------------------------------------------------------------------

ANY_T = ["T1", "T2", "T3", "T4"]
_STANDARD_GROUPS = [
    ("T1", "N0", "I"),
    ("T2", "N0", "II"),
    ("T3", "N0", "II"),
    ("T4", "N0", "III"),
    *[(t, "N1", "III") for t in ANY_T],
]
STAGE_GROUPS = {
    "AJCC 8 stomach": _STANDARD_GROUPS,
    "AJCC 8 duodenum/ampulla": _STANDARD_GROUPS,
    "AJCC 8 appendix": _STANDARD_GROUPS,
    "AJCC 8 pancreas": _STANDARD_GROUPS,
    "AJCC 8 jejunum/ileum": [
        ("T1", "N0", "I"),
        ("T2", "N0", "II"),
        ("T3", "N0", "II"),
        ("T4", "N0", "III"),
        *[(t, "N1", "III") for t in ANY_T],
        *[(t, "N2", "III") for t in ANY_T],
    ],
    "AJCC 8 colon/rectum": [
        ("T1", "N0", "I"),
        ("T2", "N0", "IIA"),
        ("T3", "N0", "IIB"),
        ("T4", "N0", "IIIA"),
        *[(t, "N1", "IIIB") for t in ANY_T],
    ],
}

STAGE_GROUP_ROWS = [
    (chapter, t, n, m, group)
    for chapter, rows in STAGE_GROUPS.items()
    for t, n, group in rows
    for m in ["M0"]
] + [
    (chapter, t, n, m, "IV")
    for chapter in STAGE_GROUPS
    for t in ANY_T + ["TX"]
    for n in (["N0", "N1", "N2"] if chapter == "AJCC 8 jejunum/ileum" else ["N0", "N1"])
    for m in ["M1a", "M1b", "M1c"]
]


def test_every_chapter_has_a_table() -> None:
    assert set(STAGE_GROUPS) == set(CHAPTERS)


@pytest.mark.parametrize("chapter, t, n, m, group", STAGE_GROUP_ROWS)
def test_stage_group_table(chapter: str, t: str, n: str, m: str, group: str) -> None:
    assert stage_group(chapter, t, n, m) == group


@pytest.mark.parametrize("chapter, t, n", [
    ("AJCC 8 stomach", "T1", None),
    ("AJCC 8 stomach", None, "N0"),
    ("AJCC 8 pancreas", "TX", "N0"),
    ("AJCC 8 stomach", "T1", "N2"),  # N2 exists only in the jejunum/ileum chapter
])
def test_stage_group_is_none_for_incomplete_m0(chapter: str, t: Optional[str], n: Optional[str]) -> None:
    assert stage_group(chapter, t, n, "M0") is None
    assert stage_group(chapter, t, n, None) is None


# Inputs that give each T at each site, so the whole stage() path is tested per group.
T_INPUTS = {
    Site.stomach: {"T1": (0.5, CONFINED), "T2": (0.5, MUSCULARIS), "T3": (0.5, SUBSEROSA), "T4": (0.5, SEROSA)},
    Site.duodenum: {"T1": (0.5, CONFINED), "T2": (0.5, MUSCULARIS), "T3": (0.5, PERIPANCREATIC),
                    "T4": (0.5, SEROSA)},
    Site.ampulla: {"T1": (0.5, CONFINED), "T2": (1.5, CONFINED), "T3": (0.5, PERIPANCREATIC),
                   "T4": (0.5, SEROSA)},
    Site.jejunum_ileum: {"T1": (0.5, CONFINED), "T2": (2.0, CONFINED), "T3": (0.5, SUBSEROSA),
                         "T4": (0.5, SEROSA)},
    Site.appendix: {"T1": (1.0, CONFINED), "T2": (3.0, CONFINED), "T3": (1.0, SUBSEROSA), "T4": (1.0, SEROSA)},
    Site.colon: {"T1": (0.5, CONFINED), "T2": (0.5, MUSCULARIS), "T3": (0.5, SUBSEROSA), "T4": (0.5, SEROSA)},
    Site.rectum: {"T1": (0.5, CONFINED), "T2": (3.0, CONFINED), "T3": (0.5, SUBSEROSA), "T4": (0.5, SEROSA)},
    Site.pancreas: {"T1": (1.0, CONFINED), "T2": (3.0, CONFINED), "T3": (1.0, DUODENUM_OR_CBD),
                    "T4": (1.0, SEROSA)},
}
SITE_CHAPTER_NAMES = {
    Site.stomach: "AJCC 8 stomach",
    Site.duodenum: "AJCC 8 duodenum/ampulla",
    Site.ampulla: "AJCC 8 duodenum/ampulla",
    Site.jejunum_ileum: "AJCC 8 jejunum/ileum",
    Site.appendix: "AJCC 8 appendix",
    Site.colon: "AJCC 8 colon/rectum",
    Site.rectum: "AJCC 8 colon/rectum",
    Site.pancreas: "AJCC 8 pancreas",
}
N_INPUTS = {
    "N0": {"nodes_positive": False, "positive_node_count": 0, "bulky_mesenteric_mass": False},
    "N1": {"nodes_positive": True, "positive_node_count": 3, "bulky_mesenteric_mass": False},
    "N2": {"nodes_positive": True, "positive_node_count": 12, "bulky_mesenteric_mass": False},
}
STAGE_CASES = [
    (site, t, n, group)
    for site, chapter in SITE_CHAPTER_NAMES.items()
    for t, n, group in STAGE_GROUPS[chapter]
]


@pytest.mark.parametrize("site, t, n, group", STAGE_CASES)
def test_stage_every_m0_group_end_to_end(site: Site, t: str, n: str, group: str) -> None:
    size, invasion = T_INPUTS[site][t]
    result = stage(well(site=site, tumour_size_cm=size, invasion=invasion, metastatic_sites=[], **N_INPUTS[n]))
    assert (result.chapter, result.t, result.n, result.m, result.stage_group) == (
        SITE_CHAPTER_NAMES[site], t, n, "M0", group)
    assert result.staged is True
    assert result.missing == []
    assert result.rule_ids[-1] == f"AJCC8-{_chapter_key(site)}-GROUP"
    assert said(result)[-1].startswith(f"{t} {n} M0 -> stage {group}")
    assert result.review_status is ReviewStatus.source_checked


def _chapter_key(site: Site) -> str:
    return {
        Site.stomach: "STOMACH", Site.duodenum: "DUODENUM-AMPULLA", Site.ampulla: "DUODENUM-AMPULLA",
        Site.jejunum_ileum: "JEJUNUM-ILEUM", Site.appendix: "APPENDIX", Site.colon: "COLORECTUM",
        Site.rectum: "COLORECTUM", Site.pancreas: "PANCREAS",
    }[site]


@pytest.mark.parametrize("site", GEP_SITES)
@pytest.mark.parametrize("sites, m", [([LIVER], "M1a"), ([BONE], "M1b"), ([LIVER, LUNG], "M1c")])
def test_any_m1_is_stage_iv_even_with_t_and_n_missing(site: Site, sites, m: str) -> None:
    result = stage(well(site=site, metastatic_sites=sites))
    assert (result.m, result.stage_group) == (m, "IV")
    assert result.t is None and result.n is None
    assert "AJCC8-M1-STAGE-IV" in result.rule_ids
    assert "tumour_size_cm" in result.missing and "nodes_positive" in result.missing


@pytest.mark.parametrize("site", GEP_SITES)
def test_m_unknown_leaves_the_group_open(site: Site) -> None:
    size, invasion = T_INPUTS[site]["T1"]
    result = stage(well(site=site, tumour_size_cm=size, invasion=invasion, nodes_positive=False))
    assert result.stage_group is None and result.staged is True
    assert result.missing == ["metastatic_sites"]


@pytest.mark.parametrize("site", GEP_SITES)
def test_any_t_with_n1_m0_is_grouped_without_t(site: Site) -> None:
    result = stage(well(site=site, nodes_positive=True, positive_node_count=3, bulky_mesenteric_mass=False,
                        metastatic_sites=[]))
    expected = "IIIB" if site in (Site.colon, Site.rectum) else "III"
    assert result.t is None and result.stage_group == expected


# ------------------------------------------------------------------------------------------
# Unknown primary (NET-CUP, F3.9), site not given, NEC, lung, thymus
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sites, m", [([LIVER], "M1a"), ([PERITONEUM, BONE], "M1b"), ([LIVER, BONE], "M1c")])
def test_unknown_primary_with_m1_is_stage_iv_with_m_subcategory(sites, m: str) -> None:
    result = stage(well(site=Site.unknown, metastatic_sites=sites))
    assert (result.chapter, result.t, result.m, result.stage_group, result.staged) == (None, "TX", m, "IV", True)
    assert result.rule_ids[0] == "AJCC8-CUP-TX"
    assert "AJCC8-M1-STAGE-IV" in result.rule_ids
    assert "common to all AJCC 8 GEP-NET chapters" in said(result)[-1]
    assert result.missing == []


def test_unknown_primary_m0_has_no_stage_group_and_says_why() -> None:
    result = stage(well(site=Site.unknown, nodes_positive=True, metastatic_sites=[]))
    assert (result.t, result.m, result.stage_group, result.staged) == ("TX", "M0", None, False)
    assert result.rule_ids[-1] == "AJCC8-CUP-M0-NO-GROUP"
    assert "nodal-only disease without a primary cannot be grouped" in said(result)[-1]
    assert list(_what_ifs(result).items()) == [
        ("metastases.liver", (("M1a",), "IV")),
        ("metastases.bone", (("M1b",), "IV")),
    ]


def test_unknown_primary_without_m_lists_metastatic_sites() -> None:
    result = stage(well(site=Site.unknown))
    assert (result.t, result.m, result.stage_group) == ("TX", None, None)
    assert result.missing == ["metastatic_sites"]


def test_site_not_given_with_m1_is_stage_iv_with_flag() -> None:
    result = stage(well(metastatic_sites=[BONE]))
    assert (result.chapter, result.t, result.m, result.stage_group) == (None, None, "M1b", "IV")
    assert "site_unknown_m1" in {f.code for f in result.flags}
    assert result.missing == ["site"]


@pytest.mark.parametrize("sites", [[], None])
def test_site_not_given_without_m1_asks_for_the_site(sites) -> None:
    result = stage(well(metastatic_sites=sites, tumour_size_cm=1.0, invasion=CONFINED))
    assert result.stage_group is None and result.t is None
    assert "site" in result.missing
    assert "site_unknown_m1" not in {f.code for f in result.flags}


@pytest.mark.parametrize("site", [*GEP_SITES, Site.unknown, None, Site.lung])
def test_nec_is_not_staged_with_the_net_chapters(site: Optional[Site]) -> None:
    result = stage(Case(site=site, differentiation=Differentiation.poorly, tumour_size_cm=1.0, invasion=CONFINED,
                        nodes_positive=False, metastatic_sites=[LIVER]))
    assert result.staged is False
    assert (result.chapter, result.t, result.n, result.m, result.stage_group) == (None, None, None, None, None)
    assert result.rule_ids[0] == "AJCC8-NEC-NOT-STAGED"
    assert "carcinoma system of the site" in said(result)[0] and "MiNEN" in said(result)[0]
    assert result.what_ifs == []


@pytest.mark.parametrize("differentiation", [Differentiation.well, None])
def test_lung_uses_lung_tnm(differentiation) -> None:
    result = stage(Case(site=Site.lung, differentiation=differentiation, tumour_size_cm=1.0,
                        metastatic_sites=[LIVER]))
    assert result.staged is False and result.stage_group is None and result.chapter is None
    assert result.rule_ids == ["LUNG-TNM"]
    assert "lung cancer TNM" in said(result)[0]


def test_thymus_is_not_covered_by_the_gep_chapters() -> None:
    result = stage(well(site=Site.thymus, metastatic_sites=[]))
    assert result.staged is False and result.stage_group is None
    assert result.rule_ids == ["THYMUS-NOT-GEP"]
    assert "not covered" in said(result)[0]


@pytest.mark.parametrize("differentiation, flagged", [
    (Differentiation.well, False),
    (Differentiation.unknown, True),
    (None, True),
])
def test_unknown_differentiation_is_flagged_and_missing(differentiation, flagged: bool) -> None:
    result = stage(Case(site=Site.pancreas, differentiation=differentiation, tumour_size_cm=1.0,
                        invasion=CONFINED, nodes_positive=False, metastatic_sites=[]))
    assert result.stage_group == "I"
    assert ("differentiation" in result.missing) is flagged
    assert ("differentiation_not_given" in {f.code for f in result.flags}) is flagged


# ------------------------------------------------------------------------------------------
# What-ifs: re-staged, shown only when they change the group or M
# ------------------------------------------------------------------------------------------


def _what_ifs(result: StageResult) -> dict:
    """change (template id, ':size' for a size) -> (the T/N/M codes that change, the stage group it gives)."""
    return {w.change + (f":{w.values['size']:g}" if "size" in w.values else ""): (tuple(w.changed), w.result)
            for w in result.what_ifs}


def test_what_if_bone_metastases_on_liver_only_disease() -> None:
    result = stage(well(site=Site.jejunum_ileum, metastatic_sites=[LIVER]))
    assert _what_ifs(result) == {"metastases.also_bone": (("M1c",), "IV")}


def test_what_if_nodes_positive_gives_stage_iii_for_m0() -> None:
    result = stage(well(site=Site.stomach, tumour_size_cm=1.0, invasion=CONFINED, nodes_positive=False,
                        metastatic_sites=[]))
    assert _what_ifs(result) == {
        "metastases.liver": (("M1a",), "IV"),
        "metastases.bone": (("M1b",), "IV"),
        "nodes.positive": (("N1",), "III"),
        "invasion.serosa_or_adjacent_organs": (("T4",), "III"),
        "size:1.1": (("T2",), "II"),  # 1.0 cm sits on the T1/T2 cut-off
    }


@pytest.mark.parametrize("size, expected", [(0.5, None), (0.9, "size:1.1"), (1.2, "size:1")])
def test_size_what_if_only_near_a_cutoff(size: float, expected: Optional[str]) -> None:
    result = stage(well(site=Site.stomach, tumour_size_cm=size, invasion=CONFINED, nodes_positive=False,
                        metastatic_sites=[]))
    size_changes = [key for key in _what_ifs(result) if key.startswith("size")]
    assert size_changes == ([expected] if expected else [])


def test_what_if_colorectal_nodes_give_iiib() -> None:
    result = stage(well(site=Site.rectum, tumour_size_cm=0.8, invasion=CONFINED, nodes_positive=False,
                        metastatic_sites=[]))
    assert _what_ifs(result)["nodes.positive"] == (("N1",), "IIIB")


def test_no_what_ifs_that_change_nothing() -> None:
    result = stage(well(site=Site.unknown, metastatic_sites=[LIVER, BONE]))
    assert result.what_ifs == []
    m1b = stage(well(site=Site.pancreas, metastatic_sites=[BONE]))
    assert _what_ifs(m1b) == {"metastases.also_liver": (("M1c",), "IV")}


def test_what_ifs_when_m_is_unknown() -> None:
    result = stage(well(site=Site.pancreas, tumour_size_cm=2.4, invasion=CONFINED, nodes_positive=False))
    assert _what_ifs(result) == {
        "metastases.none": (("M0",), "II"),
        "metastases.liver_present": (("M1a",), "IV"),
    }


# ------------------------------------------------------------------------------------------
# Properties
# ------------------------------------------------------------------------------------------

M_RANK = {"M0": 0, "M1a": 1, "M1b": 1, "M1c": 2}

cases = st.builds(
    Case,
    site=st.none() | st.sampled_from(Site),
    differentiation=st.none() | st.sampled_from(Differentiation),
    tumour_size_cm=st.none() | st.floats(min_value=0.01, max_value=100, allow_nan=False),
    invasion=st.none() | st.sampled_from(Invasion),
    nodes_positive=st.none() | st.booleans(),
    positive_node_count=st.none() | st.integers(min_value=0, max_value=60),
    bulky_mesenteric_mass=st.none() | st.booleans(),
    metastatic_sites=st.none() | st.lists(st.sampled_from(MetastaticSite), max_size=4),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases, extra=st.sampled_from(MetastaticSite))
def test_adding_a_metastatic_site_never_lowers_m(case: Case, extra: MetastaticSite) -> None:
    before = stage(case)
    after = stage(case.model_copy(update={"metastatic_sites": [*(case.metastatic_sites or []), extra]}))
    if before.m is not None:
        assert after.m is not None and M_RANK[after.m] >= M_RANK[before.m]
    if after.m is not None:
        assert after.m != "M0"
        assert after.stage_group == "IV"  # any M1 keeps stage IV
    if before.stage_group == "IV":
        assert after.stage_group == "IV"


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases)
def test_staging_never_crashes_and_is_consistent(case: Case) -> None:
    result = stage(case)
    assert isinstance(result, StageResult)
    assert len(result.rule_ids) == len(result.trace) >= 1
    assert len(result.missing) == len(set(result.missing))
    if result.stage_group is not None:
        assert result.staged
    if result.staged and result.stage_group is None:
        assert result.missing, "an open stage group must say which input is missing"
    if result.m in M_RANK and result.m != "M0" and result.staged:
        assert result.stage_group == "IV"
    if result.chapter is not None:
        assert result.chapter in CHAPTERS
        assert result.stage_group in (None, *(g for rows in STAGE_GROUPS.values() for _, _, g in rows), "IV")
    for what_if in result.what_ifs:
        assert what_if.change in WHAT_IF_TEMPLATES and set(what_if.values) == WHAT_IF_TEMPLATES[what_if.change]
        assert what_if.result or what_if.changed


@pytest.mark.parametrize("site, size, invasion, stated, t, flag", [
    # the report's T decides when the values leave T open or only assumed, if the values allow it
    (Site.stomach, 5.0, None, "T3", "T3", "t_as_stated"),           # assumed T2 -> the report's T3
    (Site.appendix, None, None, "T2", "T2", "t_as_stated"),         # nothing given -> the report's T2
    (Site.pancreas, 1.5, CONFINED, "T2", "T1", "stated_t_differs"),  # computed T1 kept, difference flagged
    (Site.pancreas, 1.5, CONFINED, "T1", "T1", None),                # agreement: nothing to say
    (Site.stomach, 5.0, SEROSA, "T1", "T4", "stated_t_differs"),
])
def test_a_t_stated_by_the_report(site, size, invasion, stated, t, flag) -> None:
    result = stage(well(site=site, tumour_size_cm=size, invasion=invasion, stated_t=stated,
                        nodes_positive=False, metastatic_sites=[]))
    assert result.t == t
    codes = [f.code for f in result.flags]
    assert (flag in codes) if flag else not {"t_as_stated", "stated_t_differs"} & set(codes)


@pytest.mark.parametrize("nodes, count, mass, stated, n, flag", [
    # the report's N decides when the nodal values leave N open or only assumed, if they allow it
    (True, None, None, "N2", "N2", "n_as_stated"),      # positive, count and mass not given -> the report's N2
    (True, 3, None, "N2", "N2", "n_as_stated"),         # N1 assumed (no mass stated) -> the report's N2
    (True, None, None, "N1", "N1", "n_as_stated"),
    (True, 14, None, "N1", "N2", None),                 # 14 positive nodes decide N2 whatever the report says
    (False, 0, False, "N2", "N0", None),                # node-negative: a stated N2 cannot hold
])
def test_an_n_stated_by_the_report(nodes, count, mass, stated, n, flag) -> None:
    result = stage(well(site=Site.jejunum_ileum, tumour_size_cm=2.5, invasion=Invasion.subserosa, stated_n=stated,
                        nodes_positive=nodes, positive_node_count=count, bulky_mesenteric_mass=mass,
                        metastatic_sites=[]))
    assert result.n == n
    assert result.stage_group == ("III" if n != "N0" else "II")
    codes = [f.code for f in result.flags]
    assert (flag in codes) if flag else "n_as_stated" not in codes


@pytest.mark.parametrize("changes, n, group", [
    # no regional nodes in the specimen: NX, and no stage group below IV
    ({}, "NX", None),
    ({"metastatic_sites": [MetastaticSite.liver]}, "NX", "IV"),
    # nodes given after all: they decide N
    ({"nodes_positive": False, "positive_node_count": 0}, "N0", "I"),
])
def test_nodes_not_assessed_are_nx(changes, n, group) -> None:
    case = well(site=Site.appendix, tumour_size_cm=1.2, invasion=Invasion.confined, nodes_assessed=False,
                metastatic_sites=[]).model_copy(update=changes)
    result = stage(case)
    assert (result.n, result.stage_group) == (n, group)
    assert ("AJCC8-NX" in result.rule_ids) == (n == "NX")
