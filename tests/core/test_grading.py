"""WHO grading rules (clinical_facts.md sections 1, 2 and 9), tested as the WHO tables read."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.grading import (
    ATYPICAL_CARCINOID,
    CARCINOID_NECROSIS_NOT_STATED,
    EDITION_GEP,
    EDITION_THORACIC,
    FLAG_SOURCES,
    G3_NEN_UNKNOWN_DIFFERENTIATION,
    GRADES,
    GRADING_RULES,
    HIGH_GRADE_THORACIC,
    NEC,
    NOT_GRADABLE,
    SYSTEM_GEP,
    SYSTEM_THORACIC,
    TYPICAL_CARCINOID,
    grade,
    grade_from_ki67,
    grade_from_mitoses,
    lung_category,
)
from bot.models import CHECKED_STATUSES, Case, Differentiation, MitoticUnit, ReviewStatus, Site


def gep(**kw) -> Case:
    """A well-differentiated pancreatic NET unless the test says otherwise."""
    kw.setdefault("site", Site.pancreas)
    kw.setdefault("differentiation", Differentiation.well)
    return Case(**kw)


def lung(**kw) -> Case:
    kw.setdefault("site", Site.lung)
    return Case(**kw)


def codes(result) -> list:
    return [f.code for f in result.flags]


def what_ifs(result) -> dict:
    return {w.change: w.result for w in result.what_ifs}


# ---------------------------------------------------------------------------------------------
# WHO 2019 digestive table (F1.1, F1.5): both sides of each cut-off
# ---------------------------------------------------------------------------------------------

KI67_TABLE = [
    # Ki-67 %, grade
    (0, "G1"),
    (2.5, "G1"),  # WHO 2010 gap value, G1 under WHO 2019 (F1.5)
    (2.9, "G1"),
    (2.99, "G1"),
    (3, "G2"),  # 3 falls in G2
    (12, "G2"),
    (20, "G2"),  # 20 falls in G2
    (20.05, "G3"),
    (20.1, "G3"),
    (20.5, "G3"),
    (100, "G3"),
]

MITOSES_TABLE = [
    # mitoses per 2 mm², grade
    (0, "G1"),
    (1, "G1"),
    (1.9, "G1"),
    (2, "G2"),
    (20, "G2"),
    (20.5, "G3"),
    (21, "G3"),
    (150, "G3"),
]


@pytest.mark.parametrize("ki67, expected", KI67_TABLE)
def test_ki67_cutoffs(ki67, expected):
    assert grade_from_ki67(ki67) == expected
    result = grade(gep(ki67_percent=ki67))
    assert result.grade == expected
    assert result.category == f"net.{expected}"


@pytest.mark.parametrize("mitoses, expected", MITOSES_TABLE)
def test_mitotic_cutoffs(mitoses, expected):
    assert grade_from_mitoses(mitoses) == expected
    result = grade(gep(mitoses=mitoses))
    assert result.grade == expected
    assert result.category == f"net.{expected}"


@pytest.mark.parametrize(
    "ki67, mitoses, expected",
    [
        # F1.4: whichever index places the tumour in the higher grade wins
        (1, 1, "G1"),
        (12, 1, "G2"),
        (1, 12, "G2"),
        (2, 25, "G3"),
        (25, 5, "G3"),
        (20, 20, "G2"),
        (20.1, 20, "G3"),
        (20, 21, "G3"),
    ],
)
def test_higher_grade_wins(ki67, mitoses, expected):
    result = grade(gep(ki67_percent=ki67, mitoses=mitoses))
    assert result.grade == expected
    assert "WHO2019-GEP-HIGHER-WINS" in result.rule_ids


def test_gep_result_names_system_and_edition_and_is_source_checked_not_clinically_approved():
    result = grade(gep(ki67_percent=12, mitoses=5))
    assert result.system == SYSTEM_GEP
    assert result.edition == EDITION_GEP == "WHO 2019 (5th ed.) digestive system"
    assert result.review_status == ReviewStatus.source_checked
    assert result.provisional is False
    assert result.missing == []


def lines(result):
    """The trace as (line id, values): the engine returns codes, the words are in knowledge/computed/grading.yml."""
    return [(line.line, line.values) for line in result.trace]


def flag_of(result, code):
    return next(f for f in result.flags if f.code == code)


def test_trace_carries_the_numbers_as_values():
    result = grade(gep(ki67_percent=12, mitoses=1))
    assert ("gep.ki67.G2", {"ki67": 12}) in lines(result)
    assert ("gep.mitoses.G1", {"mitoses": 1}) in lines(result)
    assert ("gep.higher_of_two", {"ki67_grade": "G2", "mitotic_grade": "G1", "grade": "G2"}) in lines(result)


@pytest.mark.parametrize("site", [Site.unknown, None, Site.jejunum_ileum, Site.rectum])
def test_non_thoracic_sites_use_digestive_criteria(site):
    result = grade(Case(site=site, differentiation=Differentiation.well, ki67_percent=12, mitoses=5))
    assert result.system == SYSTEM_GEP
    assert result.category == "net.G2"
    assert result.rule_ids[0] == "WHO2019-GEP-SCOPE"
    assert ("site" in result.missing) == (site is None)


# ---------------------------------------------------------------------------------------------
# G3 and differentiation (F1.6)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "differentiation, category, missing_differentiation",
    [
        (Differentiation.well, "net.G3", False),
        (Differentiation.unknown, G3_NEN_UNKNOWN_DIFFERENTIATION, True),
        (None, G3_NEN_UNKNOWN_DIFFERENTIATION, True),
    ],
)
def test_g3_needs_morphology_when_differentiation_unknown(differentiation, category, missing_differentiation):
    result = grade(Case(site=Site.unknown, differentiation=differentiation, ki67_percent=35))
    assert result.grade == "G3"
    assert result.category == category
    assert ("differentiation" in result.missing) == missing_differentiation
    assert ("WHO2019-G3-MORPHOLOGY" in result.rule_ids) == missing_differentiation


def test_g3_unknown_differentiation_what_ifs_separate_net_g3_from_nec():
    result = grade(Case(site=Site.unknown, ki67_percent=35))
    assert what_ifs(result)["differentiation.well"] == "net.G3"
    assert what_ifs(result)["differentiation.poorly"] == NEC


def test_g1_g2_without_differentiation_asks_for_it_but_still_names_net():
    result = grade(Case(site=Site.unknown, ki67_percent=5, mitoses=3))
    assert result.category == "net.G2"
    assert "differentiation" in result.missing
    assert what_ifs(result)["differentiation.poorly"] == NEC


# ---------------------------------------------------------------------------------------------
# NEC: poorly differentiated is not graded (F1.1, F1.6)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ki67, mitoses, discordant",
    [
        (80, 40, False),
        (20.1, None, False),
        (None, 21, False),
        (None, None, False),
        (20, None, True),  # 20 is G2 territory: discordant for a NEC
        (15, 40, True),
        (80, 10, True),
        (None, 20, True),
    ],
)
def test_poorly_differentiated_is_nec_without_grade(ki67, mitoses, discordant):
    result = grade(Case(site=Site.colon, differentiation=Differentiation.poorly, ki67_percent=ki67, mitoses=mitoses))
    assert result.category == NEC
    assert result.grade is None
    assert "WHO2019-NEC-NOT-GRADED" in result.rule_ids
    assert ("nec_discordant" in codes(result)) == discordant
    assert not any(g in result.category for g in GRADES)


def test_nec_discordant_message_recommends_review_and_does_not_call_it_net():
    result = grade(Case(site=Site.unknown, differentiation=Differentiation.poorly, ki67_percent=15))
    (flag,) = [f for f in result.flags if f.code == "nec_discordant"]
    assert (flag.variant, flag.values) == ("ki67", {"ki67": 15})
    assert result.category == NEC


# ---------------------------------------------------------------------------------------------
# Lung and thymus (F2.1-F2.4)
# ---------------------------------------------------------------------------------------------

LUNG_TABLE = [
    # mitoses per 2 mm², necrosis, category
    (0, False, TYPICAL_CARCINOID),
    (1, False, TYPICAL_CARCINOID),
    (1.9, False, TYPICAL_CARCINOID),
    (1, True, ATYPICAL_CARCINOID),  # necrosis alone makes it atypical
    (2, False, ATYPICAL_CARCINOID),
    (2, True, ATYPICAL_CARCINOID),
    (10, False, ATYPICAL_CARCINOID),  # 10 is atypical under current wording (F2.3)
    (10, True, ATYPICAL_CARCINOID),
    (11, False, HIGH_GRADE_THORACIC),
    (11, True, HIGH_GRADE_THORACIC),
    (40, True, HIGH_GRADE_THORACIC),
]


@pytest.mark.parametrize("site", [Site.lung, Site.thymus])
@pytest.mark.parametrize("mitoses, necrosis, expected", LUNG_TABLE)
def test_thoracic_table(site, mitoses, necrosis, expected):
    assert lung_category(mitoses, necrosis) == expected
    result = grade(Case(site=site, mitoses=mitoses, necrosis=necrosis))
    assert result.category == expected
    assert result.grade is None
    assert result.system == SYSTEM_THORACIC
    assert result.edition == EDITION_THORACIC == "WHO 2021 (5th ed.) thoracic"
    # WHO 2021 criteria being unchanged is FROM MEMORY: always under review, and said so
    assert result.review_status == ReviewStatus.under_review
    assert result.trace[0].line == "thoracic.scope"  # its template says the WHO 2021 criteria are not confirmed


@pytest.mark.parametrize(
    "ki67, mitoses, necrosis, expected",
    [
        (80, 1, False, TYPICAL_CARCINOID),  # GEP thresholds would say G3
        (1, 12, True, HIGH_GRADE_THORACIC),  # GEP thresholds would say G1
        (15, 5, False, ATYPICAL_CARCINOID),
    ],
)
def test_lung_ignores_ki67_for_the_category(ki67, mitoses, necrosis, expected):
    result = grade(lung(ki67_percent=ki67, mitoses=mitoses, necrosis=necrosis))
    assert result.category == expected
    assert "lung_ki67_ignored" in codes(result)
    assert "WHO2021-LUNG-KI67-NOT-USED" in result.rule_ids


def test_lung_without_ki67_has_no_ki67_flag():
    assert "lung_ki67_ignored" not in codes(grade(lung(mitoses=1, necrosis=False)))


@pytest.mark.parametrize("necrosis, missing", [(None, ["mitoses", "necrosis"]), (False, ["mitoses"]), (True, ["mitoses"])])
def test_lung_ki67_only_asks_for_mitoses_and_necrosis_without_guessing(necrosis, missing):
    result = grade(lung(ki67_percent=5, necrosis=necrosis))
    assert result.category == NOT_GRADABLE
    assert result.missing == missing
    assert result.what_ifs == []
    assert not any(c in result.category for c in (TYPICAL_CARCINOID, ATYPICAL_CARCINOID))


def test_lung_low_mitoses_with_unknown_necrosis_gives_both_answers():
    result = grade(lung(mitoses=1))
    assert result.category == CARCINOID_NECROSIS_NOT_STATED
    assert result.provisional is True
    assert result.missing == ["necrosis"]
    assert what_ifs(result)["necrosis.present"] == ATYPICAL_CARCINOID
    assert what_ifs(result)["necrosis.absent"] == TYPICAL_CARCINOID


@pytest.mark.parametrize("mitoses, expected", [(5, ATYPICAL_CARCINOID), (15, HIGH_GRADE_THORACIC)])
def test_lung_necrosis_unknown_does_not_matter_at_two_or_more_mitoses(mitoses, expected):
    result = grade(lung(mitoses=mitoses))
    assert result.category == expected
    assert result.missing == []
    assert result.provisional is False


@pytest.mark.parametrize("mitoses, flagged", [(9, False), (10, True), (11, False), (10.5, False)])
def test_lung_boundary_at_ten_mentions_1999_wording(mitoses, flagged):
    result = grade(lung(mitoses=mitoses, necrosis=False))
    assert ("lung_boundary_10" in codes(result)) == flagged



def test_lung_categories_have_their_own_trace_lines():
    assert lines(grade(lung(mitoses=1, necrosis=False)))[-1] == ("thoracic.typical", {"mitoses": 1, "necrosis": "absent"})
    assert lines(grade(lung(mitoses=5, necrosis=False)))[-1] == ("thoracic.atypical", {"mitoses": 5, "necrosis": "absent"})
    assert lines(grade(lung(mitoses=1, necrosis=True)))[-1] == ("thoracic.atypical.necrosis",
                                                               {"mitoses": 1, "necrosis": "present"})


def test_lung_poorly_differentiated_with_carcinoid_mitoses_is_flagged():
    result = grade(lung(mitoses=3, necrosis=True, differentiation=Differentiation.poorly))
    assert "nec_discordant" in codes(result)
    assert result.provisional is True
    assert "nec_discordant" not in codes(grade(lung(mitoses=30, necrosis=True, differentiation=Differentiation.poorly)))


@pytest.mark.parametrize(
    "mitoses, necrosis, expected_what_ifs",
    [
        (
            1,
            False,
            {
                "thoracic.mitoses.within": ATYPICAL_CARCINOID,
                "thoracic.mitoses.above": HIGH_GRADE_THORACIC,
                "necrosis.present": ATYPICAL_CARCINOID,
            },
        ),
        (
            5,
            True,
            {
                "thoracic.mitoses.above": HIGH_GRADE_THORACIC,
                # below 2 with necrosis still atypical, so no what-if for it
                "necrosis.absent": None,
            },
        ),
        (
            15,
            False,
            {
                "thoracic.mitoses.below": TYPICAL_CARCINOID,
                "thoracic.mitoses.within": ATYPICAL_CARCINOID,
            },
        ),
    ],
)
def test_lung_what_ifs(mitoses, necrosis, expected_what_ifs):
    result = grade(lung(mitoses=mitoses, necrosis=necrosis))
    got = what_ifs(result)
    for change, category in expected_what_ifs.items():
        assert got.get(change) == category
    assert all(category != result.category for category in got.values())


# ---------------------------------------------------------------------------------------------
# Units (F1.2)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "count, unit, expected, flagged",
    [
        (1, MitoticUnit.per_2mm2, "G1", False),
        (3, MitoticUnit.per_10hpf, "G2", True),  # graded on the number given
        (21, MitoticUnit.per_10hpf, "G3", True),
        (9, MitoticUnit.per_50hpf, "G1", True),  # 9 / 5 = 1.8 per 2 mm²
        (10, MitoticUnit.per_50hpf, "G2", True),  # 10 / 5 = 2
        (100, MitoticUnit.per_50hpf, "G2", True),  # 20
        (101, MitoticUnit.per_50hpf, "G3", True),  # 20.2
    ],
)
def test_mitotic_units(count, unit, expected, flagged):
    result = grade(gep(mitoses=count, mitoses_unit=unit))
    assert result.grade == expected
    assert ("hpf_units" in codes(result)) == flagged


def test_per_50hpf_is_divided_by_five_in_the_trace_and_flag():
    result = grade(gep(mitoses=60, mitoses_unit=MitoticUnit.per_50hpf))
    assert ("units.per_50hpf", {"count": 60, "per_2mm2": 12}) in lines(result)
    assert flag_of(result, "hpf_units").template_id == "hpf_units.per_50hpf"


def test_per_10hpf_count_is_flagged_with_its_unit():
    assert flag_of(grade(gep(mitoses=3, mitoses_unit=MitoticUnit.per_10hpf)), "hpf_units").variant == "per_10hpf"


def test_lung_converts_50hpf_too():
    assert grade(lung(mitoses=50, mitoses_unit=MitoticUnit.per_50hpf, necrosis=False)).category == ATYPICAL_CARCINOID
    assert grade(lung(mitoses=55, mitoses_unit=MitoticUnit.per_50hpf, necrosis=False)).category == HIGH_GRADE_THORACIC


# ---------------------------------------------------------------------------------------------
# Flags (F1.3, F1.4, F1.9)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ki67, mitoses, discordant",
    [(12, 1, True), (1, 12, True), (25, 5, True), (12, 5, False), (1, 1, False), (12, None, False)],
)
def test_discordant_indices_flag(ki67, mitoses, discordant):
    assert ("discordant_indices" in codes(grade(gep(ki67_percent=ki67, mitoses=mitoses)))) == discordant


@pytest.mark.parametrize(
    "ki67, mitoses, near",
    [
        (1.9, None, False),
        (2, None, True),
        (2.9, None, True),
        (3, None, True),
        (4, None, True),
        (4.1, None, False),
        (12, None, False),
        (19, None, True),
        (20.1, None, True),
        (21.5, None, False),
        (None, 0, False),
        (None, 1, True),
        (None, 3, True),
        (None, 10, False),
        (None, 19, True),
        (None, 21, True),
        (None, 22, False),
    ],
)
def test_near_cutoff_flag(ki67, mitoses, near):
    result = grade(gep(ki67_percent=ki67, mitoses=mitoses))
    assert ("near_cutoff" in codes(result)) == near


def test_near_cutoff_names_the_index_and_its_cutoff():
    flag = flag_of(grade(gep(ki67_percent=2.9)), "near_cutoff")
    assert (flag.template_id, flag.values) == ("near_cutoff.ki67", {"value": 2.9, "cutoff": 3, "margin": 1})
    flag = flag_of(grade(gep(mitoses=19.5)), "near_cutoff")
    assert (flag.template_id, flag.values) == ("near_cutoff.mitoses", {"value": 19.5, "cutoff": 20, "margin": 1})


@pytest.mark.parametrize("cells, few", [(100, True), (499, True), (500, False), (2000, False), (None, False)])
def test_few_cells_makes_result_provisional(cells, few):
    result = grade(gep(ki67_percent=12, mitoses=5, cells_counted=cells))
    assert ("few_cells" in codes(result)) == few
    assert result.provisional == few


def test_few_cells_is_ignored_without_ki67():
    assert "few_cells" not in codes(grade(gep(mitoses=5, cells_counted=100)))


@pytest.mark.parametrize(
    "ki67, mitoses, single, missing",
    [
        (12, None, True, ["mitoses"]),
        (None, 5, True, ["ki67_percent"]),
        (1, None, True, ["mitoses"]),
        (25, None, False, []),  # already G3: the missing index cannot raise it
        (None, 25, False, []),
        (12, 5, False, []),
    ],
)
def test_single_index_is_provisional(ki67, mitoses, single, missing):
    result = grade(gep(ki67_percent=ki67, mitoses=mitoses))
    assert ("single_index" in codes(result)) == single
    assert result.provisional == single
    assert result.missing == missing


def test_no_index_is_not_gradable_and_asks_for_both():
    result = grade(gep())
    assert result.category == NOT_GRADABLE
    assert result.grade is None
    assert result.missing == ["ki67_percent", "mitoses"]
    assert result.what_ifs == []


# ---------------------------------------------------------------------------------------------
# What-ifs: computed, one step, only those that change the category
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ki67, mitoses, present, absent",
    [
        (
            12,
            1,
            {"ki67.below": "net.G1", "ki67.above": "net.G3", "mitoses.above": "net.G3"},
            ["ki67.within", "mitoses.within"],
        ),
        (
            12,
            5,
            {"ki67.above": "net.G3"},
            ["ki67.below", "mitoses.below"],  # the other index keeps G2
        ),
        (
            12,
            None,
            {"mitoses.above": "net.G3"},  # the missing index can only raise
            ["mitoses.below", "mitoses.within"],
        ),
        (
            25,
            25,
            {},
            ["ki67.below", "mitoses.below"],  # one index alone keeps G3
        ),
    ],
)
def test_gep_what_ifs(ki67, mitoses, present, absent):
    result = grade(gep(ki67_percent=ki67, mitoses=mitoses))
    got = what_ifs(result)
    for change, category in present.items():
        assert got[change] == category
    for change in absent:
        assert change not in got
    assert all(category != result.category for category in got.values())


# ---------------------------------------------------------------------------------------------
# Rule ids, traces and the tables the answer layer can read
# ---------------------------------------------------------------------------------------------

SAMPLE_CASES = [
    gep(ki67_percent=12, mitoses=1),
    gep(ki67_percent=2.9, cells_counted=200, mitoses=60, mitoses_unit=MitoticUnit.per_50hpf),
    gep(),
    Case(site=Site.unknown, ki67_percent=40),
    Case(site=Site.unknown, differentiation=Differentiation.poorly, ki67_percent=15),
    lung(ki67_percent=30, mitoses=10, necrosis=False),
    lung(ki67_percent=5),
    lung(mitoses=1),
]


@pytest.mark.parametrize("case", SAMPLE_CASES)
def test_rule_ids_and_flags_are_known_and_traced(case):
    result = grade(case)
    assert len(result.rule_ids) == len(result.trace) > 0
    assert set(result.rule_ids) <= set(GRADING_RULES)
    assert set(codes(result)) <= set(FLAG_SOURCES)
    # a checked result may only rest on checked rules
    rule_statuses = [GRADING_RULES[r].review_status for r in result.rule_ids]
    if result.review_status in CHECKED_STATUSES:
        assert all(s in CHECKED_STATUSES for s in rule_statuses)


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

ki67_values = st.floats(min_value=0, max_value=100, allow_nan=False)
mitotic_values = st.floats(min_value=0, max_value=200, allow_nan=False)
rank = GRADES.index


@settings(max_examples=300, deadline=None)
@given(ki67=ki67_values, mitoses=mitotic_values, ki67_rise=ki67_values, mitoses_rise=mitotic_values)
def test_raising_an_index_never_lowers_the_grade(ki67, mitoses, ki67_rise, mitoses_rise):
    base = grade(gep(ki67_percent=ki67, mitoses=mitoses)).grade
    higher_ki67 = grade(gep(ki67_percent=min(100.0, ki67 + ki67_rise), mitoses=mitoses)).grade
    higher_mitoses = grade(gep(ki67_percent=ki67, mitoses=mitoses + mitoses_rise)).grade
    assert rank(higher_ki67) >= rank(base)
    assert rank(higher_mitoses) >= rank(base)


@settings(max_examples=300, deadline=None)
@given(ki67=ki67_values, mitoses=mitotic_values)
def test_grade_is_the_higher_single_index_grade(ki67, mitoses):
    combined = grade(gep(ki67_percent=ki67, mitoses=mitoses)).grade
    alone = [grade(gep(ki67_percent=ki67)).grade, grade(gep(mitoses=mitoses)).grade]
    assert combined == max(alone, key=rank)
    assert alone == [grade_from_ki67(ki67), grade_from_mitoses(mitoses)]


LUNG_ORDER = [TYPICAL_CARCINOID, ATYPICAL_CARCINOID, HIGH_GRADE_THORACIC]


@settings(max_examples=200, deadline=None)
@given(mitoses=mitotic_values, rise=mitotic_values, necrosis=st.booleans())
def test_lung_category_never_falls_with_more_mitoses_or_necrosis(mitoses, rise, necrosis):
    base = LUNG_ORDER.index(lung_category(mitoses, necrosis))
    assert LUNG_ORDER.index(lung_category(mitoses + rise, necrosis)) >= base
    assert LUNG_ORDER.index(lung_category(mitoses, True)) >= base


@settings(max_examples=300, deadline=None)
@given(
    site=st.one_of(st.none(), st.sampled_from(Site)),
    differentiation=st.one_of(st.none(), st.sampled_from(Differentiation)),
    ki67=st.one_of(st.none(), ki67_values),
    mitoses=st.one_of(st.none(), mitotic_values),
    unit=st.sampled_from(MitoticUnit),
    necrosis=st.one_of(st.none(), st.booleans()),
    cells=st.one_of(st.none(), st.integers(min_value=0, max_value=5000)),
)
def test_any_case_gets_a_consistent_result(site, differentiation, ki67, mitoses, unit, necrosis, cells):
    case = Case(
        site=site,
        differentiation=differentiation,
        ki67_percent=ki67,
        mitoses=mitoses,
        mitoses_unit=unit,
        necrosis=necrosis,
        cells_counted=cells,
    )
    result = grade(case)
    thoracic = site in (Site.lung, Site.thymus)
    assert len(result.rule_ids) == len(result.trace)
    assert (result.review_status == ReviewStatus.under_review) == thoracic
    assert (result.system == SYSTEM_THORACIC) == thoracic
    if thoracic or differentiation == Differentiation.poorly:
        assert result.grade is None  # lung categories and NEC carry no G1-G3
    for what_if in result.what_ifs:
        assert what_if.result != result.category


# ---------------------------------------------------------------------------------------------
# Case validation (bot/models.py is shared; grading relies on these bounds)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields, bad_field",
    [
        ({"ki67_percent": 150}, "ki67_percent"),
        ({"ki67_percent": -1}, "ki67_percent"),
        ({"mitoses": -2}, "mitoses"),
        ({"site": "liver"}, "site"),
        ({"mitoses_unit": "per_hpf"}, "mitoses_unit"),
        ({"cells_counted": -5}, "cells_counted"),
        ({"ki67": 12}, "ki67"),  # unknown field names are rejected, not ignored
    ],
)
def test_case_rejects_invalid_values_naming_the_field(fields, bad_field):
    with pytest.raises(ValidationError) as error:
        Case(**fields)
    assert bad_field in str(error.value)
    assert [e["loc"][0] for e in error.value.errors()] == [bad_field]


def test_case_accepts_boundary_values():
    case = Case(ki67_percent=100, mitoses=0, site="unknown")
    assert case.site == Site.unknown


@pytest.mark.parametrize("subtype", ["small_cell", "large_cell"])
def test_a_nec_keeps_its_cell_type(subtype):
    from bot.models import Case, Differentiation, NecSubtype, Site
    from bot.grading import grade

    result = grade(Case(site=Site.pancreas, differentiation=Differentiation.poorly, ki67_percent=70,
                        nec_subtype=NecSubtype(subtype)))
    assert result.category == NEC and result.nec_subtype == subtype and result.grade is None


def test_a_lung_carcinoma_named_on_morphology_is_high_grade_without_a_count():
    from bot.models import Case, Differentiation, NecSubtype, Site
    from bot.grading import HIGH_GRADE_THORACIC, grade

    result = grade(Case(site=Site.lung, differentiation=Differentiation.poorly, nec_subtype=NecSubtype.small_cell))
    assert result.category == HIGH_GRADE_THORACIC and result.nec_subtype == "small_cell"
    assert "mitoses" not in result.missing


@pytest.mark.parametrize("case, kind, thoracic", [
    # what the result is, as codes: every decision downstream reads these, never the category's words
    (gep(ki67_percent=2), "net", False),
    (gep(ki67_percent=25), "net", False),
    (gep(ki67_percent=25, differentiation=None), "g3_nen", False),
    (gep(ki67_percent=60, differentiation=Differentiation.poorly), "nec", False),
    (gep(), "not_gradable", False),
    (lung(mitoses=1, necrosis=False), "carcinoid", True),
    (lung(mitoses=5), "carcinoid", True),
    (lung(mitoses=15), "nec", True),
])
def test_the_kind_of_a_result_is_a_code(case, kind, thoracic):
    result = grade(case)
    assert (result.kind, result.thoracic) == (kind, thoracic), result.category


# a G3 tumour the message calls a NET: WHO keeps that name for well-differentiated tumours (read as NET G3, the
# morphology still asked for); a stated poorly differentiated morphology wins; a G1/G2 is unchanged
@pytest.mark.parametrize("case, category, differentiation_asked", [
    (gep(ki67_percent=25, differentiation=None, called_net=True), "net.G3", True),
    (gep(ki67_percent=20.5, differentiation=None, called_net=True), "net.G3", True),
    (gep(ki67_percent=20, differentiation=None, called_net=True), "net.G2", True),
    (gep(ki67_percent=25, differentiation=None, called_net=None), G3_NEN_UNKNOWN_DIFFERENTIATION, True),
    (gep(ki67_percent=25, differentiation=Differentiation.poorly, called_net=True), "nec", False),
    (gep(ki67_percent=25, differentiation=Differentiation.well, called_net=True), "net.G3", False),
])
def test_a_g3_tumour_called_a_net_is_read_as_net_g3(case, category, differentiation_asked):
    result = grade(case)
    assert result.category == category
    assert ("differentiation" in result.missing) == differentiation_asked
