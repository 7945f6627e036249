"""The workup's words (knowledge/computed/workup.yml, bot/workup_wording.py): `kb check` fails on a code the
engine can emit without a template, on a field the engine does not fill, and on a figure of a checked template
that none of its statements holds; answers render the templates and cite exactly the statements they name."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest
import yaml

from bot.answer import compose_answer
from bot.cli import main as cli_main
from bot.knowledge import DEFAULT_ROOT, KnowledgeBase, KnowledgeError, clear_knowledge_cache, load_knowledge
from bot.models import Case, Differentiation, MetastaticSite, Site, TestDone, TestKind, TestOutcome
from bot.workup import FLAG_TEMPLATES, REASON_TEMPLATES, TITLE_TEMPLATES, plan_workup
from bot.workup_wording import WORDING_FILE, figures, step_reason, step_title

WELL = Differentiation.well


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    clear_knowledge_cache()
    return load_knowledge()


def _wording_data() -> Dict[str, Any]:
    return yaml.safe_load((DEFAULT_ROOT / WORDING_FILE).read_text(encoding="utf-8"))


def _copy_with(tmp_path: Path, change: Callable[[Dict[str, Any]], None]) -> Path:
    """A copy of the shipped knowledge base whose workup.yml has one change."""
    root = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_ROOT, root)
    data = _wording_data()
    change(data)
    (root / WORDING_FILE).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return root


def _problems(root: Path) -> List[str]:
    clear_knowledge_cache()
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(root)
    clear_knowledge_cache()
    return [f"{p.item_id} {p.field}: {p.message}" for p in error.value.problems]


# --------------------------------------------------------------------------------------------
# kb check: each failure
# --------------------------------------------------------------------------------------------


def test_the_shipped_wording_file_is_complete(kb: KnowledgeBase) -> None:
    wording = kb.workup_wording
    assert wording is not None
    assert set(wording.titles) == set(TITLE_TEMPLATES)
    assert set(wording.reasons) == set(REASON_TEMPLATES)
    assert set(wording.flags) == set(FLAG_TEMPLATES)


@pytest.mark.parametrize("kind, template_id", [
    ("reasons", "treatment.well_differentiated.prrt"),
    ("titles", "sstr_pet"),
    ("flags", "primary_known"),
    ("phrases", "ihc.pax6_pancreas"),
])
def test_a_code_the_engine_emits_without_a_template_fails(tmp_path: Path, kind: str, template_id: str) -> None:
    root = _copy_with(tmp_path, lambda data: data[kind].pop(template_id))
    assert any(p.startswith(f"{kind}.{template_id} -: the workup engine can emit this code, but it has no template")
               for p in _problems(root))


def test_a_template_for_a_code_the_engine_never_emits_fails(tmp_path: Path) -> None:
    def add(data: Dict[str, Any]) -> None:
        data["reasons"]["workup.imaging.whole_body_mri"] = dict(data["reasons"]["workup.imaging.cross_sectional"])

    assert any(p.startswith("reasons.workup.imaging.whole_body_mri -: the workup engine never emits")
               for p in _problems(_copy_with(tmp_path, add)))


def test_a_field_the_engine_does_not_fill_fails(tmp_path: Path) -> None:
    def add_field(data: Dict[str, Any]) -> None:
        data["reasons"]["treatment.nec.first_line"]["text"] += " Ki-67 was {ki67}."

    problems = _problems(_copy_with(tmp_path, add_field))
    assert any(p.startswith("reasons.treatment.nec.first_line text: field {ki67} is not filled") for p in problems)


@pytest.mark.parametrize("template_id, old, new, figure", [
    ("treatment.well_differentiated.prrt", "65.2%", "66.2%", "66.2"),  # a changed trial figure
    ("workup.fdg_pet.sstr_negative", "72.2%", "72%", "72"),  # a rounded figure is not the statement's figure
    # a range the cited statements do not print (87 is Wang's 86.7 rounded)
    ("workup.surgery.exploration.sstr_negative", "79% (Massimino 2012)", "79-87% (Massimino 2012)", "87"),
])
def test_a_figure_no_cited_statement_holds_fails(tmp_path: Path, template_id: str, old: str, new: str,
                                                 figure: str) -> None:
    def change(data: Dict[str, Any]) -> None:
        entry = data["reasons"][template_id]
        assert old in entry["text"]
        entry["text"] = entry["text"].replace(old, new)

    problems = _problems(_copy_with(tmp_path, change))
    assert any(p.startswith(f"reasons.{template_id} text: the figure {figure} is in none of the statements") for p in problems)


def test_a_figure_under_review_is_listed_not_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    def change(data: Dict[str, Any]) -> None:
        entry = data["reasons"]["treatment.well_differentiated.prrt"]
        entry["text"] = entry["text"].replace("65.2%", "66.2%")
        entry["review"] = {"status": "under_review"}

    root = _copy_with(tmp_path, change)
    assert cli_main(["kb", "check", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "reasons.treatment.well_differentiated.prrt: 66.2" in out


def test_a_checked_template_citing_an_unchecked_statement_fails(tmp_path: Path) -> None:
    def cite_unconfirmed(data: Dict[str, Any]) -> None:
        data["reasons"]["treatment.well_differentiated.prrt"]["statements"].append(
            "treatment_well_differentiated.esmo_2020_unconfirmed")

    problems = _problems(_copy_with(tmp_path, cite_unconfirmed))
    assert any(p.startswith("reasons.treatment.well_differentiated.prrt review.status: a source_checked template cites "
                            "only checked statements") for p in problems)


def test_an_unknown_statement_fails(tmp_path: Path) -> None:
    def cite_missing(data: Dict[str, Any]) -> None:
        data["flags"]["ihc_mixed"]["statements"] = ["ihc_site_of_origin.no_such_statement"]

    assert any(p.startswith("flags.ihc_mixed statements[0]: unknown statement id") for p in _problems(_copy_with(tmp_path, cite_missing)))


def test_kb_check_exits_1_naming_the_missing_template(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    root = _copy_with(tmp_path, lambda data: data["flags"].pop("nec_ihc_caveat"))
    assert cli_main(["kb", "check", "--root", str(root)]) == 1
    assert "flags.nec_ihc_caveat" in capsys.readouterr().err


def test_an_edited_template_goes_stale_and_shows_in_the_review_queue(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    def reword(data: Dict[str, Any]) -> None:
        data["reasons"]["treatment.nec.second_line"]["text"] += " Reworded."

    root = _copy_with(tmp_path, reword)
    assert cli_main(["kb", "check", "--root", str(root)]) == 0
    assert "reasons.treatment.nec.second_line: recorded" in capsys.readouterr().out
    assert cli_main(["kb", "review", "--root", str(root)]) == 0
    assert "reasons.treatment.nec.second_line [changed since its check" in capsys.readouterr().out
    clear_knowledge_cache()


# --------------------------------------------------------------------------------------------
# Figures: what counts as one
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("Ki-67 {ki67} is 10% or more (Zhang 2018)", ["10", "2018"]),
    ("68Ga-DOTATOC, 177Lu-DOTATATE, 5-HIAA, TTF-1, NETTER-1, MEN1, E2211, NKX2.2, G1/G2, H2", []),
    ("5-year OS 46-86%; 92-gene assay; n = 2; 72.2% vs 52.0%", ["5", "46", "86", "92", "2", "72.2", "52.0"]),
])
def test_figures_are_numbers_not_names(text: str, expected: List[str]) -> None:
    assert figures(text) == expected


# --------------------------------------------------------------------------------------------
# Rendering and citations
# --------------------------------------------------------------------------------------------

CUP = dict(site=Site.unknown, metastatic_sites=[MetastaticSite.liver])
CASES = {
    "well G2": Case(differentiation=WELL, ki67_percent=5, **CUP),
    "well G2 SSTR positive": Case(differentiation=WELL, ki67_percent=5, **CUP,
                                  tests_done=[TestDone(test=TestKind.sstr_pet, outcome=TestOutcome.positive)]),
    "NEC": Case(differentiation=Differentiation.poorly, ki67_percent=70, **CUP),
    "pancreas known": Case(site=Site.pancreas, differentiation=WELL, ki67_percent=4),
}


def _line(answer: Any, starts: str) -> Any:
    lines = [line for section in answer.computed.sections for line in section.lines if line.text.startswith(starts)]
    assert lines, starts
    return lines[0]


@pytest.mark.parametrize("case, starts, cited, words", [
    # the PRRT line cites NETTER-1 (it used to cite the first guideline statement of its topic)
    ("well G2 SSTR positive", "Consider: PRRT", ["treatment_well_differentiated.netter1"], ["65.2% vs 10.8%"]),
    ("well G2", "Recommended: SSTR PET", ["sstr_pet.cup_detection_range", "sstr_pet.pnet_87_96_is_not_cup_rate"],
     ["38-61% of NET-CUP", "87-96% for 68Ga-DOTATOC"]),
    ("well G2", "Consider: Somatostatin analogue", ["treatment_well_differentiated.clarinet"],
     ["38.5 months", "Ki-67 5% is within that range"]),
    ("NEC", "Recommended: Platinum plus etoposide", ["treatment_nec.enets_2023"], ["carboplatin with etoposide"]),
    ("NEC", "In NEC, PAX8", ["ihc_site_of_origin.pax8_not_specific_in_nec", "ihc_site_of_origin.ttf1_small_cell_caveat"], []),
])
def test_lines_render_from_templates_and_cite_their_table(kb: KnowledgeBase, case: str, starts: str,
                                                          cited: List[str], words: List[str]) -> None:
    line = _line(compose_answer("workup", CASES[case], kb=kb), starts)
    assert set(cited) <= set(line.statement_ids)
    assert "treatment_well_differentiated.esmo_2020_unconfirmed" not in line.statement_ids
    for word in words:
        assert word in line.text


def test_every_step_renders_and_cites_its_templates_statements(kb: KnowledgeBase) -> None:
    wording = kb.workup_wording
    for case in CASES.values():
        result = plan_workup(case)
        answer = compose_answer("workup", case, kb=kb)
        cited = {sid for section in answer.computed.sections for line in section.lines for sid in line.statement_ids}
        for step in result.steps + result.treatment_direction:
            title, reason = step_title(step, wording), step_reason(step, wording)
            assert title and reason and "{" not in title.text + reason.text
            assert set(title.statement_ids) | set(reason.statement_ids) <= cited
        assert not answer.omitted


def test_a_reworded_template_keeps_its_citation(tmp_path: Path, kb: KnowledgeBase) -> None:
    def reword(data: Dict[str, Any]) -> None:
        entry = data["reasons"]["treatment.well_differentiated.prrt"]
        entry["text"] = entry["text"].replace("use in NET-CUP is an extrapolation", "NET-CUP use extrapolates")

    root = _copy_with(tmp_path, reword)
    clear_knowledge_cache()
    changed = load_knowledge(root)
    case = CASES["well G2 SSTR positive"]
    before = _line(compose_answer("workup", case, kb=kb), "Consider: PRRT")
    after = _line(compose_answer("workup", case, kb=changed), "Consider: PRRT")
    clear_knowledge_cache()
    assert "extrapolates" in after.text and after.statement_ids == before.statement_ids
    # the reworded template is no longer checked: the line says so and the banner names it
    assert after.status.value == "under_review"


def test_a_template_under_review_is_named_in_the_banner(kb: KnowledgeBase) -> None:
    case = Case(differentiation=WELL, ki67_percent=5, functional_syndrome="gastrinoma", **CUP)
    answer = compose_answer("workup", case, kb=kb)
    assert "wording reasons.workup.labs.hormone_tests.gastrinoma" in answer.pending_review
    assert _line(answer, "Recommended: Hormone tests").status.value == "under_review"


def test_without_a_wording_file_the_workup_lines_stay_silent(tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_ROOT, root)
    (root / WORDING_FILE).unlink()
    clear_knowledge_cache()
    bare = load_knowledge(root)
    clear_knowledge_cache()
    answer = compose_answer("workup", CASES["well G2"], kb=bare)
    steps = [line for section in answer.computed.sections if section.kind in ("steps", "treatment") for line in section.lines]
    assert all(line.text.startswith("Grade used") for line in steps)
    assert answer.omitted
