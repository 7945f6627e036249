"""The grade's and the stage's words (knowledge/computed/grading.yml, staging.yml; bot/result_wording.py on the
shared checks of bot/computed_wording.py): `kb check` fails on a code an engine can emit without a template, on a
field the engine does not fill, on an unknown statement or chapter, and on a figure of a checked template that its
statements do not hold; a stage line cites its own chapter's statement."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest
import yaml

from bot.answer import compose_answer
from bot.cli import main as cli_main
from bot.knowledge import DEFAULT_ROOT, KnowledgeError, clear_knowledge_cache, load_knowledge
from bot.models import Case, Differentiation, Invasion, NecSubtype, Site
from bot import grading
from bot.result_wording import CASE_NOTES_FILE, GRADING, GRADING_FILE, STAGING_FILE, category_label


def _copy_with(tmp_path: Path, rel: str, change: Callable[[Dict[str, Any]], None]) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_ROOT, root)
    data = yaml.safe_load((DEFAULT_ROOT / rel).read_text(encoding="utf-8"))
    change(data)
    (root / rel).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return root


def _problems(root: Path) -> List[str]:
    clear_knowledge_cache()
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(root)
    clear_knowledge_cache()
    return [f"{p.item_id} {p.field}: {p.message}" for p in error.value.problems]


@pytest.mark.parametrize("rel, kind, template_id, key", [
    (GRADING_FILE, "trace", "gep.ki67.G2", "grading.trace.gep.ki67.G2"),
    (GRADING_FILE, "flags", "near_cutoff.mitoses", "grading.flags.near_cutoff.mitoses"),
    (GRADING_FILE, "rules", "WHO2019-GEP-HIGHER-WINS", "grading.rules.WHO2019-GEP-HIGHER-WINS"),
    (STAGING_FILE, "flags", "t_as_stated", "staging.flags.t_as_stated"),
    (STAGING_FILE, "trace", "group.assigned", "staging.trace.group.assigned"),
    (STAGING_FILE, "phrases", "t.PANCREAS.T1", "staging.phrases.t.PANCREAS.T1"),
    (GRADING_FILE, "categories", "g3_nen", "grading.categories.g3_nen"),
    (GRADING_FILE, "what_ifs", "ki67.above", "grading.what_ifs.ki67.above"),
    (STAGING_FILE, "what_ifs", "metastases.also_bone", "staging.what_ifs.metastases.also_bone"),
    (STAGING_FILE, "phrases", "given.count.lt12", "staging.phrases.given.count.lt12"),
    (CASE_NOTES_FILE, "notes", "ki67.several", "case_notes.notes.ki67.several"),
])
def test_a_code_the_engine_emits_without_a_template_fails(tmp_path: Path, rel: str, kind: str, template_id: str,
                                                          key: str) -> None:
    root = _copy_with(tmp_path, rel, lambda data: data[kind].pop(template_id))
    assert any(p.startswith(f"{key} -: the ") and "can emit this code, but it has no template" in p
               for p in _problems(root))


@pytest.mark.parametrize("rel, kind, template_id, key, field", [
    (GRADING_FILE, "flags", "few_cells", "grading.flags.few_cells", "ki67"),
    (STAGING_FILE, "trace", "m.M1a", "staging.trace.m.M1a", "sites"),
    (STAGING_FILE, "flags", "pancreas_t1_cutoff", "staging.flags.pancreas_t1_cutoff", "stated"),
])
def test_a_field_the_engine_does_not_fill_fails(tmp_path: Path, rel: str, kind: str, template_id: str, key: str,
                                                field: str) -> None:
    def add_field(data: Dict[str, Any]) -> None:
        data[kind][template_id]["text"] += f" ({{{field}}})"

    assert any(p.startswith(f"{key} text: field {{{field}}} is not filled") for p in _problems(_copy_with(tmp_path, rel, add_field)))


@pytest.mark.parametrize("rel, kind, template_id, key, old, new, figure", [
    (GRADING_FILE, "flags", "few_cells", "grading.flags.few_cells", "500", "600", "600"),
    (GRADING_FILE, "trace", "gep.ki67.G1", "grading.trace.gep.ki67.G1", "below 3%", "below 4%", "4"),
    (STAGING_FILE, "flags", "n1_assumes_no_mesenteric_mass", "staging.flags.n1_assumes_no_mesenteric_mass",
     "12 or more", "15 or more", "15"),
    # a chapter's phrase must hold its chapter's figures: the pancreas T2 range is 2-4 cm, not 2-5 cm
    (STAGING_FILE, "phrases", "t.PANCREAS.T2", "staging.phrases.t.PANCREAS.T2", "2-4 cm", "2-5 cm", "5"),
])
def test_a_figure_no_cited_statement_holds_fails(tmp_path: Path, rel: str, kind: str, template_id: str, key: str,
                                                 old: str, new: str, figure: Any) -> None:
    def change(data: Dict[str, Any]) -> None:
        entry = data[kind][template_id]
        assert old in entry["text"]
        entry["text"] = entry["text"].replace(old, new)

    problems = _problems(_copy_with(tmp_path, rel, change))
    assert any(p.startswith(f"{key} text: the figure {figure} is in none of the statements") for p in problems)


def test_each_chapter_list_must_hold_the_figures(tmp_path: Path) -> None:
    def pancreas_figure_for_every_chapter(data: Dict[str, Any]) -> None:
        # 12 nodes is a jejunum/ileum N2 criterion: the stomach chapter's statement does not hold it
        data["trace"]["group.assigned"]["text"] += " (12 nodes)"

    problems = _problems(_copy_with(tmp_path, STAGING_FILE, pancreas_figure_for_every_chapter))
    assert any(p.startswith("staging.trace.group.assigned text: the figure 12 is in none of the statements it cites "
                            "(statements_by_chapter.STOMACH") for p in problems)
    assert not any("statements_by_chapter.JEJUNUM-ILEUM" in p for p in problems)


def test_an_unknown_statement_or_chapter_fails(tmp_path: Path) -> None:
    def break_it(data: Dict[str, Any]) -> None:
        data["flags"]["duodenum_t2_cutoff"]["statements"] = ["staging.no_such_statement"]
        data["trace"]["group.assigned"]["statements_by_chapter"]["OESOPHAGUS"] = ["staging.stomach"]

    problems = _problems(_copy_with(tmp_path, STAGING_FILE, break_it))
    assert any(p.startswith("staging.flags.duodenum_t2_cutoff statements[0]: unknown statement id") for p in problems)
    assert any(p.startswith("staging.trace.group.assigned statements_by_chapter.OESOPHAGUS: unknown chapter") for p in problems)


@pytest.mark.parametrize("site, statement_id", [
    (Site.pancreas, "staging.pancreas"),
    (Site.stomach, "staging.stomach"),
    (Site.jejunum_ileum, "staging.jejunum_ileum"),
    (Site.rectum, "staging.colon_rectum"),
])
def test_a_stage_is_cited_to_its_own_chapter(site: Site, statement_id: str) -> None:
    case = Case(site=site, differentiation=Differentiation.well, tumour_size_cm=1.5, invasion=Invasion.muscularis_propria,
                nodes_positive=False, metastatic_sites=[])
    answer = compose_answer("stage", case)
    assert answer.direct_answer[0].statement_ids == [statement_id]


def _all_text(answer: Any) -> str:
    return " ".join([s.text for s in answer.direct_answer] + [line.text for section in answer.computed.sections
                                                              for line in section.lines if line])


@pytest.mark.parametrize("subtype, headline, trace", [
    (None, "NEC, WHO 2019", "Poorly differentiated -> NEC (small or large cell type)"),
    (NecSubtype.small_cell, "NEC, small cell type, WHO 2019", "Poorly differentiated -> NEC (small cell type)"),
    (NecSubtype.large_cell, "NEC, large cell type, WHO 2019", "Poorly differentiated -> NEC (large cell type)"),
])
def test_a_nec_line_says_its_cell_type_in_the_knowledge_base_words(subtype: Any, headline: str, trace: str) -> None:
    answer = compose_answer("grade", Case(differentiation=Differentiation.poorly, ki67_percent=60, nec_subtype=subtype))
    text = _all_text(answer)
    assert answer.direct_answer[0].text.startswith(headline) and trace in text, text
    # the cell type's words are a template of grading.yml and cite the statement that names both types
    assert "grading_gep.who2019_table" in answer.statement_ids()


def test_kb_review_lists_the_result_templates_of_every_file_with_their_status(capsys: pytest.CaptureFixture) -> None:
    assert cli_main(["kb", "review", "--templates"]) == 0
    out = capsys.readouterr().out
    for rel in ("computed/workup.yml", GRADING_FILE, STAGING_FILE, "computed/case_notes.yml"):
        assert f"knowledge/{rel}: " in out
    # the grading and staging templates under review are listed beside the statements, with their status
    assert "grading.trace.thoracic.scope [under_review]" in out
    assert "staging.rules.AJCC8-NX [under_review]" in out
    assert "case_notes.notes.metastases.m0_from_clear_scan [under_review]" in out
    # --templates: every template, checked ones too
    assert "grading.trace.gep.ki67.G2 [source_checked]" in out


def test_kb_check_counts_the_templates_of_every_file(capsys: pytest.CaptureFixture) -> None:
    assert cli_main(["kb", "check"]) == 0
    out = capsys.readouterr().out
    for name in ("workup", "grading", "staging", "case_notes"):
        assert f"Templates of {name} (computed/{name}.yml): " in out


@pytest.mark.parametrize("code", sorted(grading.CATEGORY_TEMPLATES))
def test_every_category_code_has_a_name_in_the_knowledge_base(code: str) -> None:
    name = category_label(code, load_knowledge().wording(GRADING.name))
    assert name and name != code


@pytest.mark.parametrize("case, category, headline", [
    (Case(site=Site.pancreas, differentiation=Differentiation.well, ki67_percent=12), "net.G2", "NET G2"),
    (Case(site=Site.pancreas, ki67_percent=40), "g3_nen", "G3 NEN (morphology needed to separate NET G3 from NEC)"),
    (Case(site=Site.lung, mitoses=1), "carcinoid_necrosis_not_stated",
     "typical carcinoid if no necrosis; atypical carcinoid if necrosis present"),
    (Case(site=Site.lung, mitoses=12, necrosis=True), "thoracic_high_grade",
     "high-grade NEC (LCNEC or SCLC; separated by cytology)"),
])
def test_the_grade_is_a_code_and_its_name_comes_from_grading_yml(case: Case, category: str, headline: str) -> None:
    answer = compose_answer("grade", case)
    assert answer.computed.result["category_code"] == category
    assert answer.computed.result["category"] == headline  # REST and the CLI keep showing the name
    assert answer.computed.headline.startswith(headline)


@pytest.mark.parametrize("topic, case, line", [
    ("grade", Case(site=Site.pancreas, differentiation=Differentiation.well, ki67_percent=2.9, mitoses=1),
     "If Ki-67 were 3-20%: NET G2."),
    ("grade", Case(site=Site.lung, mitoses=1), "If necrosis were present: atypical carcinoid."),
    ("stage", Case(site=Site.jejunum_ileum, differentiation=Differentiation.well, metastatic_sites=["liver"]),
     "If there were also bone metastases: M1c, stage IV."),
    ("stage", Case(site=Site.stomach, differentiation=Differentiation.well, tumour_size_cm=1.0,
                   invasion=Invasion.confined, nodes_positive=False, metastatic_sites=[]),
     "If it measured 1.1 cm: T2, stage II."),
])
def test_a_what_if_is_said_in_the_words_of_its_template(topic: str, case: Case, line: str) -> None:
    answer = compose_answer(topic, case)
    [what_ifs] = [section for section in answer.computed.sections if section.kind == "what_ifs"]
    assert line in [cited.text for cited in what_ifs.lines]


def test_the_nodal_values_given_are_said_by_staging_phrases() -> None:
    case = Case(site=Site.jejunum_ileum, differentiation=Differentiation.well, tumour_size_cm=2.2,
                invasion=Invasion.subserosa, nodes_positive=True, positive_node_count=3, metastatic_sites=[])
    text = _all_text(compose_answer("stage", case))
    assert "regional nodes positive, 3 positive nodes (< 12) -> N1" in text, text


def test_a_reworded_what_if_template_keeps_its_citation(tmp_path: Path) -> None:
    def reword(data: Dict[str, Any]) -> None:
        data["what_ifs"]["ki67.within"]["text"] = "were the Ki-67 {low} to {high}%"
        data["what_ifs"]["ki67.within"]["review"] = {"status": "under_review"}

    root = _copy_with(tmp_path, GRADING_FILE, reword)
    clear_knowledge_cache()
    kb = load_knowledge(root)
    clear_knowledge_cache()
    case = Case(site=Site.pancreas, differentiation=Differentiation.well, ki67_percent=2.9, mitoses=1)
    before = [line for s in compose_answer("grade", case).computed.sections if s.kind == "what_ifs" for line in s.lines]
    after = [line for s in compose_answer("grade", case, kb=kb).computed.sections if s.kind == "what_ifs" for line in s.lines]
    assert after[0].text == "Were the Ki-67 3 to 20%: NET G2."
    assert after[0].statement_ids == before[0].statement_ids
    assert "wording grading.what_ifs.ki67.within" in compose_answer("grade", case, kb=kb).pending_review
