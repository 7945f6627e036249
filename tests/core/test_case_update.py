"""Entities from the extractor -> Case fields, with bad values reported instead of raised."""

import pytest

from bot.case_update import apply_entities, parse_ki67
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
