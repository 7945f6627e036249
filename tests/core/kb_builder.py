"""Small knowledge bases written to tmp_path for the knowledge, answer and render tests.

`write_kb(root)` writes one guideline and one research statement for every topic, plus the
statements that the answer layer names for grading and staging rules (same ids as the real
knowledge base), all approved with correct content hashes unless a test changes them.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from bot.content_hash import content_hash
from bot.knowledge import KNOWLEDGE_TOPICS

SOURCES: List[Dict[str, Any]] = [
    {
        "id": f"T{i}",
        "kind": "review",
        "title": f"Test source {i}",
        "authors": "Doe J, Roe R",
        "journal": "J Test Med",
        "year": 2000 + i,
        "edition": None,
        "volume_pages": "1(2):3-4",
        "pmid": str(1000 + i),
        "doi": f"10.1000/test.{i}",
        "seen_at": None,
        "verification": "verified",
        "unverified_fields": [],
        "newer_edition": None,
    }
    for i in range(1, 9)
]
SOURCES[7] = {**SOURCES[7], "verification": "partial", "unverified_fields": ["authors", "volume_pages"], "doi": None}


def statement(
    sid: str,
    text: str,
    sources: List[str],
    tier: str = "guideline",
    topics: Optional[List[str]] = None,
    applies_to: Optional[Dict[str, List[str]]] = None,
    status: str = "approved",
    fact_status: str = "verified",
    conflict: Optional[str] = None,
    patient_text: Optional[str] = None,
    date: str = "2026-11-20",
) -> Dict[str, Any]:
    patient_text = patient_text if patient_text is not None else "In plain words: " + text
    review: Dict[str, Any] = {"status": status, "reviewed_by": None, "date": None, "content_hash": None}
    if status == "approved":
        review = {
            "status": status,
            "reviewed_by": "Test Reviewer",
            "date": date,
            "content_hash": content_hash(text, patient_text, sources),
        }
    return {
        "id": sid,
        "topics": topics or [sid.split(".")[0]],
        "tier": tier,
        "text": text,
        "patient_text": patient_text,
        "sources": sources,
        "evidence_label": None,
        "applies_to": applies_to or {},
        "fact_status": fact_status,
        "conflict": conflict,
        "review": review,
    }


# statements the answer layer names (bot/answer_tables.py RULE_STATEMENTS / FLAG_STATEMENTS)
NAMED: List[Dict[str, Any]] = [
    statement("grading_gep.who2019_table", "WHO 2019 grades Ki-67 below 3% as G1, 3-20% as G2 and above 20% as G3; mitoses below 2, 2-20 and above 20 per 2 mm2.", ["T1", "T2"]),
    statement("grading_gep.higher_grade_wins", "When Ki-67 and mitoses disagree, the higher grade is the final grade.", ["T2"]),
    statement("grading_gep.ki67_500_cells_hotspot", "Ki-67 is counted on at least 500 cells in hot spots.", ["T3"]),
    statement("grading_gep.mitoses_per_2mm2", "Mitoses are counted per 2 mm2, not per 10 HPF.", ["T3"],
              conflict="Some secondary tables still print per 10 HPF."),
    statement("definitions.nec_not_graded", "NECs are high grade by definition and not graded G1-G3.", ["T4"],
              applies_to={"differentiation": ["poorly"], "grade": ["NEC"]}),
    statement("definitions.differentiation_decides_net_g3_vs_nec", "Morphology separates NET G3 from NEC; Ki-67 alone cannot.", ["T4"]),
    statement("grading_lung.who_criteria", "Lung: typical carcinoid below 2 mitoses per 2 mm2 without necrosis; atypical 2-10 or necrosis; high grade above 10.", ["T5"],
              applies_to={"sites": ["lung"]}),
    statement("grading_lung.ki67_not_used", "Ki-67 plays no role in classifying lung NENs.", ["T5"], tier="research",
              applies_to={"sites": ["lung"]}),
    statement("staging.scope_well_differentiated_only", "The AJCC 8 NET chapters cover well-differentiated NETs only.", ["T6"]),
    statement("staging.m_categories", "M1a is liver only, M1b extrahepatic only, M1c both.", ["T6"]),
    statement("staging.pancreas", "AJCC 8 pancreas: T1 below 2 cm, T2 2-4 cm; any M1 is stage IV.", ["T6"],
              applies_to={"sites": ["pancreas"]}),
    statement("staging_unknown_primary.tx_t0", "TX means the primary cannot be assessed.", ["T6"], applies_to={"sites": ["unknown"]}),
    statement("staging_unknown_primary.any_m1_is_stage_iv", "With an unknown primary any M1 is stage IV.", ["T6"],
              applies_to={"sites": ["unknown"]}),
    statement("staging_unknown_primary.m0_nodal_only_no_group", "Nodal-only disease without a primary has no stage group.", ["T6"],
              applies_to={"sites": ["unknown"]}),
    statement("fdg_pet.nec", "FDG PET suits high-grade tumours.", ["T7"], applies_to={"grade": ["G3", "NEC"]}),
    statement("treatment_nec.first_line", "Platinum plus etoposide is first line for metastatic NEC.", ["T7"], applies_to={"grade": ["NEC"]}),
    statement("treatment_net_g3.scarce", "Data on NET G3 are scarce.", ["T8"], tier="research", applies_to={"grade": ["G3"]}),
    statement("labs_hormones.insulinoma", "Insulinoma: fasting hypoglycaemia with raised insulin.", ["T8"], applies_to={"syndromes": ["insulinoma"]}),
]


# The words of the grade and the stage (knowledge/computed/*.yml) are copied as shipped, with every statement
# they cite copied from the shipped knowledge base (text, patient text and applies_to; approved here), so the
# templates' figure checks hold and answers cite the same statements as the shipped base.
COMPUTED_FILES = ("computed/grading.yml", "computed/staging.yml")


def _shipped_cited() -> List[Dict[str, Any]]:
    from bot.knowledge import DEFAULT_ROOT

    cited: Dict[str, None] = {}
    for rel in COMPUTED_FILES:
        path = DEFAULT_ROOT / rel
        if not path.is_file():
            continue
        for kind in yaml.safe_load(path.read_text(encoding="utf-8")).values():
            for template in kind.values():
                ids = list(template.get("statements", []))
                ids += [sid for chapter in template.get("statements_by_chapter", {}).values() for sid in chapter]
                cited.update(dict.fromkeys(ids))
    shipped: Dict[str, Any] = {}
    for path in sorted((DEFAULT_ROOT / "statements").glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["statements"]:
            shipped[item["id"]] = item
    out = []
    for sid in cited:
        real = shipped[sid]
        applies = {k: v for k, v in (real.get("applies_to") or {}).items() if v}
        # the shipped tier, except that a statement about poorly differentiated tumours is a research one here, so
        # the small base keeps its own case-specific guideline statements within the caps
        tier = "research" if "differentiation" in applies else real["tier"]
        out.append(statement(sid, real["text"], ["T6"], tier=tier, topics=[real["topics"][0]],
                             applies_to=applies))
    return out


_CITED = {item["id"]: item for item in _shipped_cited()}
# a named statement takes the shipped text (the templates' figures are checked against it); the other cited
# statements follow each topic's own lead and study statements
NAMED = [statement(item["id"], _CITED[item["id"]]["text"], item["sources"], tier=item["tier"], topics=item["topics"],
                   applies_to=item["applies_to"]) if item["id"] in _CITED else item for item in NAMED]
CITED_EXTRA = [item for sid, item in _CITED.items() if sid not in {n["id"] for n in NAMED}]


def topic_statements(topic: str) -> List[Dict[str, Any]]:
    """A guideline and a research statement for a topic (unless NAMED already covers it)."""
    return [
        statement(f"{topic}.lead", f"Guideline fact about {topic.replace('_', ' ')} with 12 % as a number.", ["T1"]),
        statement(f"{topic}.study", f"Study finding about {topic.replace('_', ' ')} in 40 patients.", ["T2", "T3"], tier="research"),
    ]


def kb_files(extra: Optional[Dict[str, List[Dict[str, Any]]]] = None) -> Dict[str, Any]:
    """Relative path -> YAML document of a valid small knowledge base."""
    by_topic: Dict[str, List[Dict[str, Any]]] = {topic: [] for topic in KNOWLEDGE_TOPICS}
    for item in NAMED:
        by_topic[item["topics"][0]].append(item)
    for topic in KNOWLEDGE_TOPICS:
        by_topic[topic].extend(topic_statements(topic))
    for item in CITED_EXTRA:
        by_topic[item["topics"][0]].append(item)
    for topic, items in (extra or {}).items():
        by_topic[topic].extend(items)
    files: Dict[str, Any] = {"sources.yml": {"sources": SOURCES}, "meta.yml": {"last_updated": "2026-11-25"}}
    from bot.knowledge import DEFAULT_ROOT

    for rel in COMPUTED_FILES:
        if (DEFAULT_ROOT / rel).is_file():
            files[rel] = (DEFAULT_ROOT / rel).read_text(encoding="utf-8")
    for topic, items in by_topic.items():
        files[f"statements/{topic}.yml"] = {"topic": topic, "statements": items}
    return copy.deepcopy(files)  # tests mutate their copy


def write_kb(root: Path, files: Optional[Dict[str, Any]] = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for rel, doc in (files or kb_files()).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return root
