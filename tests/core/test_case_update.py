"""Entities from the extractor -> Case fields, with bad values reported instead of raised."""

import pytest

from bot.case_update import apply_entities, parse_ki67
from bot.conversation import note_texts
from bot.models import Case, MetastaticSite, MitoticUnit, Site, TestKind, TestOutcome


def ents(**values):
    out = []
    for name, value in values.items():
        for v in value if isinstance(value, list) else [value]:
            out.append({"entity": name, "value": v})
    return out


@pytest.mark.parametrize(
    "text_value, expected",
    [("8", 8.0), ("0.5", 0.5), ("2-3", 3.0), ("<1", 0.99), ("<3", 2.99), ("20", 20.0)],
)
def test_ki67_values(text_value, expected):
    assert parse_ki67(text_value)[0] == expected


def test_typical_note_is_read_into_a_case():
    update = apply_entities(Case(), ents(ki67="8", mitoses="3/2mm2", site="unknown", metastasis="liver"))
    case = update.case
    assert case.ki67_percent == 8 and case.mitoses == 3 and case.mitoses_unit == MitoticUnit.per_2mm2
    assert case.site == Site.unknown and case.metastatic_sites == [MetastaticSite.liver]
    assert not update.problems


def test_negated_metastasis_is_removed_and_affirmed_added():
    case = Case(metastatic_sites=[MetastaticSite.liver, MetastaticSite.bone])
    update = apply_entities(case, ents(no_metastasis="bone", metastasis="peritoneum"))
    assert update.case.metastatic_sites == [MetastaticSite.liver, MetastaticSite.peritoneum]


def test_no_distant_metastases_means_m0():
    assert apply_entities(Case(), ents(no_metastasis="any")).case.metastatic_sites == []


def test_negated_site_alone_does_not_claim_m0():
    assert apply_entities(Case(), ents(no_metastasis="bone")).case.metastatic_sites is None


def test_impossible_ki67_is_reported_and_the_rest_kept():
    update = apply_entities(Case(site=Site.pancreas, mitoses=1), ents(ki67="150", tumour_size="2.4"))
    assert update.case.ki67_percent is None
    assert update.case.tumour_size_cm == 2.4 and update.case.site == Site.pancreas
    assert any("Ki-67" in p and "150" in p for p in update.problems)


@pytest.mark.parametrize(
    "ki67_values, previous, graded_on",
    [
        (["15", "5"], None, 15.0),        # "ki67 15 vs 5"
        (["5", "15"], None, 15.0),        # "5% on biopsy, 15% on resection": order does not matter
        (["2", "4"], 12.0, 4.0),          # both replace an earlier value
        (["<1", "3"], None, 3.0),
        (["2-3", "8"], None, 8.0),
    ],
)
def test_several_ki67_values_grade_on_the_highest_and_show_all(ki67_values, previous, graded_on):
    update = apply_entities(Case(ki67_percent=previous), ents(ki67=ki67_values))
    assert update.case.ki67_percent == graded_on
    assert [n.id for n in update.notes if n.id.endswith(".several")] == ["ki67.several"]
    note = " ".join(note_texts(update.notes))  # in the words of knowledge/computed/case_notes.yml
    assert all(f"{v}%" in note for v in ki67_values), note  # every value stays visible
    assert "highest" in note and "which one" in note
    assert not update.problems


@pytest.mark.parametrize(
    "mitoses_values, graded_on, unit, shown",
    [
        (["3/2mm2", "8/2mm2"], 8.0, MitoticUnit.per_2mm2, ["3 per 2 mm²", "8 per 2 mm²"]),   # "mitoses 3/2mm2 and 8/2mm2"
        (["12/2mm2", "4/2mm2"], 12.0, MitoticUnit.per_2mm2, ["4 per 2 mm²", "12 per 2 mm²"]),  # biopsy and resection
        (["5/10hpf", "2/10hpf"], 5.0, MitoticUnit.per_10hpf, ["5 per 10 HPF", "2 per 10 HPF"]),
        (["2", "6"], 6.0, MitoticUnit.per_2mm2, ["2", "6"]),                                  # "mitoses 2 vs 6"
    ],
)
def test_several_mitotic_counts_grade_on_the_highest_and_show_all(mitoses_values, graded_on, unit, shown):
    update = apply_entities(Case(mitoses=1), ents(mitoses=mitoses_values))
    assert update.case.mitoses == graded_on and update.case.mitoses_unit == unit
    assert [n.id for n in update.notes if n.id.endswith(".several")] == ["mitoses.several"]
    note = " ".join(note_texts(update.notes))
    assert all(s in note for s in shown), note
    assert "highest" in note and "which one" in note
    assert not update.problems


def test_the_same_ki67_twice_is_one_value_and_no_note():
    update = apply_entities(Case(), ents(ki67=["8", "8"]))
    assert update.case.ki67_percent == 8 and not update.notes


@pytest.mark.parametrize("ki67_values", [["-5"], ["-0.5"], ["150"]])
def test_ki67_outside_0_to_100_is_refused_naming_the_field(ki67_values):
    update = apply_entities(Case(ki67_percent=12), ents(ki67=ki67_values, site="pancreas"))
    assert update.case.ki67_percent == 12 and update.case.site == Site.pancreas  # previous value and the rest kept
    assert len(update.problems) == 1 and "Ki-67" in update.problems[0] and ki67_values[0].lstrip("-") in update.problems[0]
    assert "not possible" in update.problems[0]


def test_a_negative_value_among_several_is_refused_and_the_others_used():
    update = apply_entities(Case(), ents(ki67=["-5", "15"]))
    assert update.case.ki67_percent == 15
    assert any("Ki-67" in p and "-5" in p and "not possible" in p for p in update.problems)


def test_correction_replaces_the_previous_value():
    update = apply_entities(Case(ki67_percent=12), ents(ki67="18"))
    assert update.case.ki67_percent == 18


def test_tests_and_ihc_results():
    update = apply_entities(Case(), ents(test_result=["sstr_pet:negative", "chromogranin_a:positive"], ihc=["cdx2:positive", "ttf1:negative"]))
    tests = {t.test: t.outcome for t in update.case.tests_done}
    assert tests == {TestKind.sstr_pet: TestOutcome.negative, TestKind.chromogranin_a: TestOutcome.positive}
    assert {(r.marker.value, r.positive) for r in update.case.ihc} == {("cdx2", True), ("ttf1", False)}


def test_node_count_sets_node_status():
    case = apply_entities(Case(), ents(node_count="3/12")).case
    assert case.positive_node_count == 3 and case.nodes_positive is True
    assert apply_entities(Case(), ents(nodes="negative")).case.nodes_positive is False


def test_unknown_entity_values_are_ignored_or_reported_not_raised():
    update = apply_entities(Case(), ents(site="spleen", ki67="abc", test_result="nonsense:positive"))
    assert update.case.site is None
    assert update.problems


@pytest.mark.parametrize(
    "text_value, count, unit, noted",
    [
        ("3/2mm2", 3, MitoticUnit.per_2mm2, False),
        ("12/10hpf", 12, MitoticUnit.per_10hpf, False),
        ("5/50hpf", 5, MitoticUnit.per_50hpf, False),
        ("3", 3, MitoticUnit.per_2mm2, True),
        ("<2/2mm2", 1.99, MitoticUnit.per_2mm2, True),
    ],
)
def test_mitotic_values(text_value, count, unit, noted):
    from bot.case_update import parse_mitoses

    got_count, got_unit, note = parse_mitoses(text_value)
    assert (got_count, got_unit, note is not None) == (count, unit, noted)


@pytest.mark.parametrize("text_value, expected", [(">20", 20.01), (">=20", 20.0), ("<=3", 3.0)])
def test_ki67_bounds(text_value, expected):
    assert parse_ki67(text_value)[0] == expected


@pytest.mark.parametrize("raw, note_id, words", [
    ("<1", "ki67.just_under", "Ki-67 '<1%' is read as just under 1%."),
    (">20", "ki67.just_over", "Ki-67 '>20%' is read as just over 20%."),
    ("2-3", "ki67.range", "Ki-67 range 2-3% is graded on its upper bound, 3%."),
])
def test_a_bound_or_range_is_a_note_code_worded_by_the_knowledge_base(raw, note_id, words):
    _, note = parse_ki67(raw)
    assert note is not None and note.id == note_id
    assert note_texts([note]) == [words]


def test_yes_no_reply_sets_the_bulky_mesenteric_mass():
    assert apply_entities(Case(), ents(bulky_mesenteric_mass="yes")).case.bulky_mesenteric_mass is True
    assert apply_entities(Case(), ents(bulky_mesenteric_mass="no")).case.bulky_mesenteric_mass is False


@pytest.mark.parametrize(
    "field, case, words",
    [
        ("ki67_percent", Case(ki67_percent=2.5), "2.5%"),
        ("mitoses", Case(mitoses=3, mitoses_unit=MitoticUnit.per_10hpf), "3 per 10 HPF"),
        ("tumour_size_cm", Case(tumour_size_cm=2.4), "2.4 cm"),
        ("nodes_positive", Case(nodes_positive=False), "negative"),
        ("metastatic_sites", Case(metastatic_sites=[]), "none"),
        ("metastatic_sites", Case(metastatic_sites=[MetastaticSite.liver, MetastaticSite.bone]), "liver, bone"),
        ("site", Case(site=Site.jejunum_ileum), "jejunum/ileum"),
        ("necrosis", Case(necrosis=True), "present"),
        ("ki67_percent", Case(), "not given"),
    ],
)
def test_values_in_words(field, case, words):
    from bot.case_update import describe_value

    assert describe_value(field, case) == words


def test_ki67_as_a_count_keeps_the_number_of_cells_counted():
    update = apply_entities(Case(), [{"entity": "ki67", "value": "5"}, {"entity": "cells_counted", "value": "620"}])
    assert update.case.ki67_percent == 5 and update.case.cells_counted == 620


@pytest.mark.parametrize("count, unit, diameter, per_2mm2", [
    # one field of 0.55 mm: pi * 0.275^2 = 0.2376 mm2; 10 fields 2.376 mm2; 3 per 2.376 mm2 = 2.5 per 2 mm2
    ("3/10hpf", MitoticUnit.per_10hpf, "0.55", 2.5),
    # 0.5 mm: 10 fields 1.963 mm2; 3 per 1.963 mm2 = 3.1 per 2 mm2
    ("3/10hpf", MitoticUnit.per_10hpf, "0.5", 3.1),
    # 50 fields of 0.5 mm: 9.82 mm2; 10 per 9.82 mm2 = 2.0 per 2 mm2
    ("10/50hpf", MitoticUnit.per_50hpf, "0.5", 2.0),
])
def test_a_count_per_hpf_with_the_field_diameter_is_converted_and_shown(count, unit, diameter, per_2mm2):
    update = apply_entities(Case(), [{"entity": "mitoses", "value": count}, {"entity": "field_diameter", "value": diameter}])
    assert update.case.mitoses == per_2mm2 and update.case.mitoses_unit == MitoticUnit.per_2mm2
    assert [n.id for n in update.notes] == ["mitoses.hpf_converted"]
    assert update.notes[0].values["per_2mm2"] == per_2mm2
    assert any("per 2 mm²" in note and diameter in note for note in note_texts(update.notes))


def test_a_count_per_hpf_without_the_diameter_stays_per_hpf():
    update = apply_entities(Case(), [{"entity": "mitoses", "value": "3/10hpf"}])
    assert update.case.mitoses == 3 and update.case.mitoses_unit == MitoticUnit.per_10hpf


def test_nodes_said_positive_after_a_zero_count_drop_the_old_count():
    case = apply_entities(Case(), [{"entity": "node_count", "value": "0/12"}]).case
    assert case.positive_node_count == 0 and case.nodes_positive is False
    update = apply_entities(case, [{"entity": "nodes", "value": "positive"}])
    assert update.case.nodes_positive is True and update.case.positive_node_count is None


@pytest.mark.parametrize(
    "entities, expected",
    [
        # a negative whole-body staging scan with no site named is no distant metastasis found (clinical M0)
        ({"test_result": "ct:negative"}, []),
        ({"test_result": "sstr_pet:negative"}, []),
        # a scan that found something, or a test that does not image the body, says nothing about M
        ({"test_result": "ct:positive"}, None),
        ({"test_result": "colonoscopy:negative"}, None),
        ({"test_result": "chromogranin_a:negative"}, None),
        # a site named as involved wins over the clear scan
        ({"test_result": "ct:negative", "metastasis": "liver"}, [MetastaticSite.liver]),
    ],
)
def test_a_clear_staging_scan_reads_as_m0(entities: dict, expected) -> None:
    update = apply_entities(Case(site=Site.rectum), ents(**entities))
    assert update.case.metastatic_sites == expected
    assert any(n.id == "metastases.m0_from_clear_scan" for n in update.notes) == (expected == [])
    assert any("M0" in note for note in note_texts(update.notes)) == (expected == [])


@pytest.mark.parametrize("site", [None, Site.unknown])
def test_a_clear_scan_in_the_search_for_the_primary_says_nothing_about_m(site) -> None:
    # in a NET-CUP workup a negative scan means the primary was not found
    assert apply_entities(Case(site=site), ents(test_result="sstr_pet:negative")).case.metastatic_sites is None


def test_a_clear_scan_does_not_undo_metastases_already_recorded() -> None:
    case = Case(site=Site.rectum, metastatic_sites=[MetastaticSite.bone])
    assert apply_entities(case, ents(test_result="ct:negative")).case.metastatic_sites == [MetastaticSite.bone]


@pytest.mark.parametrize(
    "before, entities, expected",
    [
        # "liver mets, no extrahepatic disease": M1a
        (None, {"metastasis": "liver", "no_metastasis": "extrahepatic"}, [MetastaticSite.liver]),
        # recorded bone and liver metastases, then "no extrahepatic disease": only the liver stands
        ([MetastaticSite.liver, MetastaticSite.bone], {"no_metastasis": "extrahepatic"}, [MetastaticSite.liver]),
        # alone it says nothing about the liver: M stays open
        (None, {"no_metastasis": "extrahepatic"}, None),
    ],
)
def test_no_extrahepatic_disease_leaves_only_the_liver(before, entities, expected) -> None:
    assert apply_entities(Case(metastatic_sites=before), ents(**entities)).case.metastatic_sites == expected


def test_a_note_whose_template_is_under_review_says_so() -> None:
    update = apply_entities(Case(site=Site.rectum), ents(test_result="ct:negative"))
    [text] = note_texts(update.notes)
    assert text.startswith("Read as no distant metastases (M0) from the negative CT") and text.endswith("(under review)")
    [checked] = note_texts(parse_ki67("<1")[1:])
    assert not checked.endswith("(under review)")
