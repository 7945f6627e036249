"""The figure check of `kb check` (bot/computed_wording.py): a figure of a checked template must be in a statement
it cites with the same unit, so '20%' is not backed by '20 mm' and a changed or re-united figure fails."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import yaml

from bot.computed_wording import Figure, figure_is_backed, statement_figures, template_figures
from bot.knowledge import DEFAULT_ROOT, KnowledgeError, clear_knowledge_cache, load_knowledge
from bot.result_wording import GRADING_FILE, STAGING_FILE


@pytest.mark.parametrize("text, expected", [
    ("Ki-67 above 20%", [(20, "%")]),
    ("2–20 % and 3-20%", [(2, "%"), (20, "%"), (3, "%"), (20, "%")]),  # a range shares the unit after it
    ("> 20 mitoses per 2 mm²", [(20, "mitosis"), (2, "mm²")]),
    ("1 to 2 cm, 0.5 mm field", [(1, "cm"), (2, "cm"), (0.5, "mm")]),
    ("5-year OS; 38.5 months; 24 hours; 500 cells; 12 nodes", [(5, "year"), (38.5, "month"), (24, "hour"),
                                                              (500, "cell"), (12, "node")]),
    ("50 fields of 0.2 mm², per 10 HPF", [(50, "hpf"), (0.2, "mm²"), (10, "hpf")]),
    ("(20 or less)", [(20, None)]),
    ("Ki-67 {ki67}% is above 20%", [(20, "%")]),  # a field is not a figure
])
def test_a_figure_is_read_with_its_unit(text: str, expected: List[Any]) -> None:
    assert [(f.value, f.unit) for f in template_figures(text)] == [(float(v), u) for v, u in expected]


def test_a_sample_size_is_a_count_of_patients() -> None:
    assert [(f.value, f.unit) for f in statement_figures("EGD (n = 24) and bronchoscopy (n = 4)")] == [
        (24.0, "patient"), (4.0, "patient")]


@pytest.mark.parametrize("template, statement, backed", [
    ("above 20%", "Ki-67 > 20 %", True),
    ("above 20%", "a lesion > 20 mm", False),         # the same number with another unit is another figure
    ("20 mm", "Ki-67 > 20 %", False),
    ("2.0 cm", "T1 < 2 cm", True),                    # 2.0 and 2 are one value
    ("5-year OS", "5 patients", False),
    ("5-year OS 46-86%", "5-year overall survival 46–86 %", True),
    ("(20 or less)", "a lesion > 20 mm", True),        # a unitless figure is compared by value
    ("21%", "Ki-67 > 20 %", False),                   # a changed figure
    ("in 24 patients", "EGD (n = 24)", True),
])
def test_a_figure_is_backed_only_by_the_same_value_and_unit(template: str, statement: str, backed: bool) -> None:
    held = statement_figures(statement)
    assert all(figure_is_backed(f, held) for f in template_figures(template)) == backed


def test_a_year_is_backed_by_the_year_of_a_cited_source() -> None:
    [year] = template_figures("(Zhang 2018)")
    assert figure_is_backed(year, [], frozenset({2018})) and not figure_is_backed(year, [], frozenset({2017}))
    assert not figure_is_backed(Figure(2018.0, "patient", "2018"), [], frozenset({2018}))


def _problems_after(tmp_path: Path, rel: str, kind: str, template_id: str, old: str, new: str) -> List[str]:
    root = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_ROOT, root)
    data: Dict[str, Any] = yaml.safe_load((DEFAULT_ROOT / rel).read_text(encoding="utf-8"))
    entry = data[kind][template_id]
    assert old in entry["text"]
    entry["text"] = entry["text"].replace(old, new)
    (root / rel).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    clear_knowledge_cache()
    try:
        load_knowledge(root)
    except KnowledgeError as error:
        return [f"{p.item_id} {p.field}: {p.message}" for p in error.problems]
    finally:
        clear_knowledge_cache()
    return []


@pytest.mark.parametrize("rel, kind, template_id, old, new, message", [
    # the WHO table holds 20 % and 20 mitoses, not 20 mm²
    (GRADING_FILE, "trace", "gep.ki67.G3", "above 20%", "above 20 mm²",
     "the figure 20 mm² is in none of the statements it cites with that unit"),
    # the pancreas chapter's T2 is 2-4 cm, not 2-4 mm
    (STAGING_FILE, "phrases", "t.PANCREAS.T2", "2-4 cm", "2-4 mm",
     "the figure 2 mm is in none of the statements it cites with that unit"),
    # a changed number fails whatever its unit
    (GRADING_FILE, "trace", "gep.ki67.G3", "above 20%", "above 25%",
     "the figure 25 is in none of the statements it cites"),
])
def test_kb_check_fails_on_a_wrong_figure_or_unit(tmp_path: Path, rel: str, kind: str, template_id: str, old: str,
                                                  new: str, message: Optional[str]) -> None:
    problems = _problems_after(tmp_path, rel, kind, template_id, old, new)
    assert any(message in p for p in problems), problems


def test_the_shipped_templates_pass_the_unit_check() -> None:
    clear_knowledge_cache()
    load_knowledge()  # raises KnowledgeError on any unbacked figure of a checked template
