"""Knowledge loading: every problem names the file, the statement (or source) id and the field."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any, Callable, Dict, Optional

import pytest

from bot.cli import main as cli_main
from bot.content_hash import content_hash
from bot.knowledge import (
    DEFAULT_ROOT,
    CaseContext,
    KnowledgeError,
    ReviewStatus,
    clear_knowledge_cache,
    load_knowledge,
)
from bot.models import Case, Differentiation, Site
from kb_builder import CITED_EXTRA, kb_files, statement, write_kb


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_knowledge_cache()
    yield
    clear_knowledge_cache()


def _first_statement(files: Dict[str, Any], topic: str) -> Dict[str, Any]:
    return files[f"statements/{topic}.yml"]["statements"][0]


# --------------------------------------------------------------------------------------------
# A valid knowledge base
# --------------------------------------------------------------------------------------------


def test_valid_kb_loads_with_counts_version_and_date(tmp_path: Path) -> None:
    kb = load_knowledge(write_kb(tmp_path / "knowledge"))
    counts = kb.counts()
    assert sum(counts["tier"].values()) == len(kb.statements)
    assert counts["status"] == {"approved": len(kb.statements), "source_checked": 0, "under_review": 0, "submitted": 0}
    # 4 named + lead + study + the other statements the computed templates cite
    assert counts["topic"]["grading_gep"] == 6 + sum(s["topics"][0] == "grading_gep" for s in CITED_EXTRA)
    assert len(kb.version) == 12
    assert kb.last_updated.isoformat() == "2026-11-20"  # the latest review date, not the file time


def test_load_is_cached_per_path(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "knowledge")
    assert load_knowledge(root) is load_knowledge(root)


def test_version_depends_on_content_only(tmp_path: Path) -> None:
    a = load_knowledge(write_kb(tmp_path / "a" / "knowledge")).version
    b = load_knowledge(write_kb(tmp_path / "b" / "knowledge")).version
    assert a == b
    files = kb_files()
    _first_statement(files, "net_cup")["text"] += " Changed."
    c = load_knowledge(write_kb(tmp_path / "c" / "knowledge", files)).version
    assert c != a


def test_last_updated_falls_back_to_meta_without_review_dates(tmp_path: Path) -> None:
    files = {rel: doc for rel, doc in kb_files().items() if not rel.startswith("computed/")}  # templates need checked statements
    for rel, doc in files.items():
        if rel.startswith("statements/"):
            for item in doc["statements"]:
                item["review"] = {"status": "submitted", "reviewed_by": None, "date": None, "content_hash": None}
    kb = load_knowledge(write_kb(tmp_path / "knowledge", files))
    assert kb.last_updated.isoformat() == "2026-11-25"


def test_content_hash_is_sha256_of_canonical_json() -> None:
    expected = hashlib.sha256(
        json.dumps({"text": "t", "patient_text": "p", "sources": ["A", "B"]}, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()[:16]
    assert content_hash("t", "p", ["B", "A"]) == expected
    assert content_hash("t", "p", ["A", "B"]) != content_hash("t ", "p", ["A", "B"])


# --------------------------------------------------------------------------------------------
# Problems: file, id, field
# --------------------------------------------------------------------------------------------

Mutation = Callable[[Dict[str, Any]], None]


def _set(topic: str, key: str, value: Any) -> Mutation:
    def mutate(files: Dict[str, Any]) -> None:
        item = _first_statement(files, topic)
        parent = item
        parts = key.split(".")
        for part in parts[:-1]:
            parent = parent[part]
        parent[parts[-1]] = value

    return mutate


def _duplicate_id(files: Dict[str, Any]) -> None:
    files["statements/sstr_pet.yml"]["statements"].append(copy.deepcopy(_first_statement(files, "net_cup")))
    files["statements/sstr_pet.yml"]["statements"][-1]["topics"] = ["sstr_pet"]


def _bad_source_kind(files: Dict[str, Any]) -> None:
    files["sources.yml"]["sources"][0]["kind"] = "blog"


def _approved_from_memory(files: Dict[str, Any]) -> None:
    files["statements/prognosis.yml"]["statements"].append(
        statement("prognosis.memory", "Remembered claim.", ["T1"], fact_status="from_memory")
    )


# (what is wrong, mutation, file, item id, field)
PROBLEMS = [
    ("dangling source id", _set("net_cup", "sources", ["T1", "NOPE"]), "knowledge/statements/net_cup.yml", "net_cup.lead", "sources[1]"),
    ("statement without a source", _set("net_cup", "sources", []), "knowledge/statements/net_cup.yml", "net_cup.lead", "sources"),
    ("duplicate statement id", _duplicate_id, "knowledge/statements/sstr_pet.yml", "net_cup.lead", "id"),
    ("approved from_memory fact", _approved_from_memory, "knowledge/statements/prognosis.yml", "prognosis.memory", "fact_status"),
    ("invalid tier", _set("net_cup", "tier", "opinion"), "knowledge/statements/net_cup.yml", "net_cup.lead", "tier"),
    ("invalid grade in applies_to", _set("net_cup", "applies_to", {"grade": ["G4"]}), "knowledge/statements/net_cup.yml", "net_cup.lead", "applies_to.grade[0]"),
    ("invalid site in applies_to", _set("net_cup", "applies_to", {"sites": ["liver"]}), "knowledge/statements/net_cup.yml", "net_cup.lead", "applies_to.sites[0]"),
    ("invalid review status", _set("net_cup", "review.status", "done"), "knowledge/statements/net_cup.yml", "net_cup.lead", "review.status"),
    ("invalid fact status", _set("net_cup", "fact_status", "likely"), "knowledge/statements/net_cup.yml", "net_cup.lead", "fact_status"),
    ("unknown field", _set("net_cup", "txt", "typo"), "knowledge/statements/net_cup.yml", "net_cup.lead", "txt"),
    ("first topic is not the file topic", _set("net_cup", "topics", ["sstr_pet", "net_cup"]), "knowledge/statements/net_cup.yml", "net_cup.lead", "topics[0]"),
    ("unknown extra topic", _set("net_cup", "topics", ["net_cup", "astrology"]), "knowledge/statements/net_cup.yml", "net_cup.lead", "topics[1]"),
    ("invalid source kind", _bad_source_kind, "knowledge/sources.yml", "T1", "kind"),
]


@pytest.mark.parametrize("what, mutate, file, item_id, field", PROBLEMS, ids=[p[0] for p in PROBLEMS])
def test_problem_names_file_id_and_field(tmp_path: Path, what: str, mutate: Mutation, file: str, item_id: str, field: str) -> None:
    files = kb_files()
    mutate(files)
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(write_kb(tmp_path / "knowledge", files))
    found = [(p.file, p.item_id, p.field) for p in raised.value.problems]
    assert (file, item_id, field) in found, found
    assert f"{file}: id '{item_id}' field '{field}'" in str(raised.value)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("topic: net_cup\nstatements:\n  - id: a: b\n", "YAML syntax error at line 3"),
        ("topic: net_cup\ntopic: net_cup\nstatements: []\n", "duplicate key 'topic'"),
    ],
    ids=["syntax error", "duplicate key"],
)
def test_yaml_errors_name_the_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    files = kb_files()
    files["statements/net_cup.yml"] = text
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(write_kb(tmp_path / "knowledge", files))
    problem = raised.value.first
    assert problem.file == "knowledge/statements/net_cup.yml"
    assert problem.field == "-"
    assert expected in problem.message


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    files = kb_files()
    _set("net_cup", "sources", ["NOPE"])(files)
    _set("sstr_pet", "tier", "opinion")(files)
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(write_kb(tmp_path / "knowledge", files))
    assert {p.item_id for p in raised.value.problems} == {"net_cup.lead", "sstr_pet.lead"}


def test_missing_source_register_is_one_problem(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "knowledge")
    (root / "sources.yml").unlink()
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(root)
    assert [(p.file, p.field) for p in raised.value.problems] == [("knowledge/sources.yml", "-")]


# --------------------------------------------------------------------------------------------
# Review status: stale hashes
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, stale",
    [
        ("nothing", False),
        ("text edited after approval", True),
        ("patient text edited after approval", True),
        ("a source added after approval", True),
        ("sources reordered", False),  # the hash sorts the sources
        ("no hash recorded (review: approved shorthand)", True),
    ],
)
def test_stale_approval_counts_as_under_review(tmp_path: Path, change: str, stale: bool) -> None:
    files = kb_files()
    item = _first_statement(files, "net_cup")  # approved, sources [T1]
    item["sources"] = ["T1", "T2"]
    item["review"]["content_hash"] = content_hash(item["text"], item["patient_text"], item["sources"])
    if change == "text edited after approval":
        item["text"] += " More."
    elif change == "patient text edited after approval":
        item["patient_text"] += " More."
    elif change == "a source added after approval":
        item["sources"].append("T3")
    elif change == "sources reordered":
        item["sources"] = ["T2", "T1"]
    elif change.startswith("no hash"):
        item["review"] = "approved"
    kb = load_knowledge(write_kb(tmp_path / "knowledge", files))
    loaded = kb.statement("net_cup.lead")
    assert loaded.review.status == ReviewStatus.approved
    assert loaded.is_stale is stale
    assert loaded.effective_status == (ReviewStatus.under_review if stale else ReviewStatus.approved)
    assert ([s.id for s in kb.stale_statements()] == ["net_cup.lead"]) is stale


# --------------------------------------------------------------------------------------------
# Selection by case
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case, included, excluded",
    [
        (None, ["staging.pancreas", "staging.m_categories"], []),
        (Case(site=Site.pancreas), ["staging.pancreas", "staging.m_categories"], []),
        (Case(site=Site.unknown), ["staging.m_categories"], ["staging.pancreas"]),
    ],
    ids=["no case: everything", "pancreas", "unknown primary"],
)
def test_statements_for_filters_by_applies_to(tmp_path: Path, case: Optional[Case], included, excluded) -> None:
    kb = load_knowledge(write_kb(tmp_path / "knowledge"))
    ids = [s.id for s in kb.statements_for("staging", CaseContext.from_case(case))]
    assert set(included) <= set(ids)
    assert not set(excluded) & set(ids)


def test_case_specific_statements_come_first(tmp_path: Path) -> None:
    kb = load_knowledge(write_kb(tmp_path / "knowledge"))
    ids = [s.id for s in kb.statements_for("staging", CaseContext.from_case(Case(site=Site.pancreas)))]
    assert ids[0] == "staging.pancreas"
    nec = CaseContext.from_case(Case(differentiation=Differentiation.poorly, site=Site.unknown))
    assert nec.grade is not None and nec.grade.value == "NEC"


# --------------------------------------------------------------------------------------------
# python -m bot kb check
# --------------------------------------------------------------------------------------------


def test_kb_check_valid_exits_0_with_counts_and_stale_list(tmp_path: Path, capsys) -> None:
    files = kb_files()
    _first_statement(files, "net_cup")["review"] = "approved"  # stale: no hash recorded
    root = write_kb(tmp_path / "knowledge", files)
    assert cli_main(["kb", "check", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "Knowledge base OK" in out
    assert "By tier: guideline" in out
    assert "under_review 1" in out
    assert "net_cup.lead (knowledge/statements/net_cup.yml): no hash recorded" in out


def test_kb_check_invalid_exits_1_naming_file_id_field(tmp_path: Path, capsys) -> None:
    files = kb_files()
    _set("net_cup", "sources", ["NOPE"])(files)
    root = write_kb(tmp_path / "knowledge", files)
    assert cli_main(["kb", "check", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "knowledge/statements/net_cup.yml: id 'net_cup.lead' field 'sources[0]': unknown source id 'NOPE'" in err


def test_real_knowledge_base_is_valid() -> None:
    """The content in knowledge/ must load; a missing source register is a failure, not a skip."""
    if not (DEFAULT_ROOT / "sources.yml").exists():
        pytest.fail("knowledge/sources.yml is missing: the shipped knowledge base must load")
    load_knowledge()
