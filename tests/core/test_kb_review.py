"""The editorial workflow on a temporary copy of a small knowledge base.

The whole cycle: a statement is edited -> it drops out of approved -> the review queue shows it with a
diff against the approved copy -> it is approved again -> the answer's banner follows every step. Plus
rejection with a reason, the FROM MEMORY refusal, newer source editions, exit codes and messages, the
approvals ledger's validation, and the editorial policy that every answer links.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import yaml

from bot.answer import BANNER_TEXT, compose_answer
from bot.cli import main as cli_main
from bot.content_hash import content_hash
from bot.editorial_policy import POLICY_DOC, POLICY_PAGE, POLICY_URL_ENV, policy_html
from bot.kb_review import queue_report, record_approved, review_queue
from bot.knowledge import APPROVALS_FILE, DEFAULT_ROOT, KnowledgeBase, KnowledgeError, clear_knowledge_cache, load_knowledge
from bot.models import ReviewStatus
from bot.render import render
from kb_builder import SOURCES, kb_files, statement, write_kb

REPO = Path(__file__).resolve().parents[2]
EDITED = "Guideline fact about sstr pet with 12 % as a number. A reviewer must see this new sentence."
STATEMENT = "sstr_pet.lead"
STATEMENT_FILE = "statements/sstr_pet.yml"


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_knowledge_cache()
    yield
    clear_knowledge_cache()


def kb_at(root: Path) -> KnowledgeBase:
    clear_knowledge_cache()
    return load_knowledge(root)


def kb_cli(root: Path, *args: str) -> int:
    return cli_main(["kb", *args, "--root", str(root)])


def read_items(root: Path, rel: str) -> List[Dict[str, Any]]:
    return yaml.safe_load((root / rel).read_text(encoding="utf-8"))["statements"]


def item(root: Path, rel: str, sid: str) -> Dict[str, Any]:
    return next(i for i in read_items(root, rel) if i["id"] == sid)


def edit_statement(root: Path, rel: str, sid: str, **changes: Any) -> None:
    """What an author does: change fields of one statement in its file (review block untouched)."""
    path = root / rel
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for entry in doc["statements"]:
        if entry["id"] == sid:
            entry.update(changes)
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")


def banner_of(root: Path, topic: str = "sstr_pet") -> Optional[str]:
    return compose_answer(topic, kb=kb_at(root)).banner


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A small knowledge base, all approved, with the approved copies recorded. Tests that only read
    (or must leave it unchanged) use it directly; the others get a copy through `root`."""
    root = write_kb(tmp_path_factory.mktemp("kb_review") / "knowledge")
    outcome = record_approved(root)
    assert outcome.message.startswith("Recorded the approved copy of ")
    return root


@pytest.fixture
def root(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "knowledge"))


@pytest.fixture(scope="module")
def real_kb() -> KnowledgeBase:
    clear_knowledge_cache()
    return load_knowledge()


# --------------------------------------------------------------------------------------------
# The whole cycle
# --------------------------------------------------------------------------------------------


def test_edit_review_approve_cycle_and_the_banner_follows(root: Path, capsys) -> None:
    # 1. approved: no banner, nothing to review
    assert banner_of(root) is None
    assert review_queue(kb_at(root)).ids() == []

    # 2. the text is edited: the statement drops out of approved and the banner names it
    edit_statement(root, STATEMENT_FILE, STATEMENT, text=EDITED)
    kb = kb_at(root)
    assert kb.statement(STATEMENT).effective_status == ReviewStatus.under_review
    assert banner_of(root) == f"{BANNER_TEXT}: {STATEMENT}."
    assert banner_of(root, "fdg_pet") is None  # other answers are untouched

    # 3. the review queue lists it with a diff against the approved wording
    assert kb_cli(root, "review") == 0
    out = capsys.readouterr().out
    assert "Changed since approval (1):" in out
    assert f"  {STATEMENT} knowledge/{STATEMENT_FILE}: approved on 2026-11-20 by Test Reviewer" in out
    assert "      +A reviewer must see this new sentence." in out
    assert "       Guideline fact about sstr pet with 12 % as a number." in out  # unchanged context line

    # 4. approved again: reviewer, date and hash in the statement file, the approved copy in the ledger
    assert kb_cli(root, "approve", STATEMENT, "--reviewer", "Dr Ada Reviewer, NET MDT", "--date", "2026-12-01") == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Approved {STATEMENT}: reviewed by Dr Ada Reviewer, NET MDT on 2026-12-01")
    new_hash = content_hash(EDITED, item(root, STATEMENT_FILE, STATEMENT)["patient_text"], ["T1"])
    assert item(root, STATEMENT_FILE, STATEMENT)["review"] == {
        "status": "approved",
        "reviewed_by": "Dr Ada Reviewer, NET MDT",
        "date": "2026-12-01",
        "content_hash": new_hash,
    }
    ledger = yaml.safe_load((root / APPROVALS_FILE).read_text(encoding="utf-8"))["approvals"][STATEMENT]
    assert ledger["text"] == EDITED and ledger["content_hash"] == new_hash and ledger["date"] == "2026-12-01"
    kb = kb_at(root)
    assert kb.statement(STATEMENT).effective_status == ReviewStatus.approved
    assert kb.last_updated.isoformat() == "2026-12-01"

    # 5. the banner is gone and the queue is empty again
    assert banner_of(root) is None
    assert review_queue(kb).ids() == []

    # 6. a second edit is diffed against the NEW approved wording, not the original one
    edit_statement(root, STATEMENT_FILE, STATEMENT, text=EDITED.replace("new sentence", "changed sentence"))
    report = "\n".join(queue_report(kb_at(root), review_queue(kb_at(root))))
    assert "-A reviewer must see this new sentence." in report
    assert "+A reviewer must see this changed sentence." in report
    assert banner_of(root) == f"{BANNER_TEXT}: {STATEMENT}."


def test_a_changed_source_list_also_needs_review(root: Path) -> None:
    edit_statement(root, STATEMENT_FILE, STATEMENT, sources=["T1", "T4"])
    queue = review_queue(kb_at(root))
    [changed] = queue.changed
    assert changed.statement.id == STATEMENT
    assert changed.diff == ["sources:", "   T1", "  +T4"]
    assert banner_of(root) == f"{BANNER_TEXT}: {STATEMENT}."


def test_patient_wording_change_shows_in_the_diff(root: Path) -> None:
    edit_statement(root, STATEMENT_FILE, STATEMENT, patient_text="Plain words, rewritten.")
    [changed] = review_queue(kb_at(root)).changed
    assert changed.diff[0] == "patient_text:"
    assert "  +Plain words, rewritten." in changed.diff


def test_approving_an_unchanged_approved_statement_changes_nothing(template: Path, capsys) -> None:
    root = template  # read-only: these must leave the knowledge base unchanged
    before = (root / STATEMENT_FILE).read_bytes(), (root / APPROVALS_FILE).read_bytes()
    assert kb_cli(root, "approve", STATEMENT, "--reviewer", "Dr B") == 0
    assert "already approved as it reads now" in capsys.readouterr().out
    assert ((root / STATEMENT_FILE).read_bytes(), (root / APPROVALS_FILE).read_bytes()) == before


def test_submitted_and_under_review_statements_are_listed_and_flagged(tmp_path: Path) -> None:
    files = kb_files(
        {
            "sstr_pet": [statement("sstr_pet.new", "A new claim about SSTR PET.", ["T1"], tier="research", status="submitted")],
            "fdg_pet": [statement("fdg_pet.checking", "A claim being checked.", ["T2"], tier="research", status="under_review")],
        }
    )
    root = write_kb(tmp_path / "knowledge", files)
    queue = review_queue(kb_at(root))
    assert [(i.statement.id, i.statement.review.status.value) for i in queue.pending] == [
        ("fdg_pet.checking", "under_review"),
        ("sstr_pet.new", "submitted"),
    ]
    assert banner_of(root) == f"{BANNER_TEXT}: sstr_pet.new."
    assert kb_cli(root, "approve", "sstr_pet.new", "--reviewer", "Dr C", "--date", "2026-12-02") == 0
    assert banner_of(root) is None
    assert [i.statement.id for i in review_queue(kb_at(root)).pending] == ["fdg_pet.checking"]


# --------------------------------------------------------------------------------------------
# Rejection
# --------------------------------------------------------------------------------------------


def test_reject_records_the_reason_and_withholds_the_statement(root: Path, capsys) -> None:
    reason = "The 12 % figure is not in the cited source; cite the table that shows it."
    code = kb_cli(root, "approve", STATEMENT, "--reject", "--reason", reason, "--reviewer", "Dr Reject", "--date", "2026-12-03")
    assert code == 0
    out = capsys.readouterr().out
    assert f"Rejected {STATEMENT}" in out and "withheld from answers" in out
    review = item(root, STATEMENT_FILE, STATEMENT)["review"]
    assert review["status"] == "under_review"
    assert review["rejected"] == {
        "by": "Dr Reject",
        "date": "2026-12-03",
        "reason": reason,
        "content_hash": kb_at(root).statement(STATEMENT).current_hash,
    }
    assert review["reviewed_by"] == "Test Reviewer"  # the last approval stays on record

    # withheld: not in the answer, so no banner for it; listed in the queue with the reason
    answer = compose_answer("sstr_pet", kb=kb_at(root))
    assert STATEMENT not in answer.statement_ids() and answer.banner is None
    assert kb_cli(root, "review") == 0
    out = capsys.readouterr().out
    assert f"  {STATEMENT} [under_review]" in out
    assert f"rejected 2026-12-03 by Dr Reject (not revised since; withheld from answers): {reason}" in out

    # the author revises it; the queue says so; approval brings it back and removes the rejection
    edit_statement(root, STATEMENT_FILE, STATEMENT, text=EDITED)
    assert "(revised since;" in "\n".join(queue_report(kb_at(root), review_queue(kb_at(root))))
    assert kb_cli(root, "approve", STATEMENT, "--reviewer", "Dr Reject", "--date", "2026-12-04") == 0
    assert "rejected" not in item(root, STATEMENT_FILE, STATEMENT)["review"]
    answer = compose_answer("sstr_pet", kb=kb_at(root))
    assert STATEMENT in answer.statement_ids() and answer.banner is None


@pytest.mark.parametrize(
    "args, message",
    [
        (["--reject", "--reviewer", "Dr R"], "--reject needs --reason TEXT"),
        (["--reject", "--reason", "   ", "--reviewer", "Dr R"], "--reject needs --reason TEXT"),
        (["--reason", "why", "--reviewer", "Dr R"], "--reason is only used with --reject"),
        (["--reject", "--reason", "why", "--source", "T4", "--reviewer", "Dr R"], "cannot be used with --reject"),
        (["--reviewer", "  "], "--reviewer must not be empty"),
        (["--reviewer", "Dr R", "--date", "2026-13-01"], "--date: '2026-13-01' is not a date; use YYYY-MM-DD"),
        (["--reviewer", "Dr R", "--source", "T99"], "no source with id 'T99'"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message_and_changes_nothing(template: Path, capsys, args, message) -> None:
    root = template  # read-only: these must leave the knowledge base unchanged
    before = (root / STATEMENT_FILE).read_bytes()
    assert kb_cli(root, "approve", STATEMENT, *args) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err
    assert captured.err.startswith("python -m bot kb approve: error: ")
    assert (root / STATEMENT_FILE).read_bytes() == before


def test_unknown_statement_id_suggests_close_ids(template: Path, capsys) -> None:
    root = template  # read-only: these must leave the knowledge base unchanged
    assert kb_cli(root, "approve", "sstr_pet.leed", "--reviewer", "Dr R") == 2
    assert "no statement with id 'sstr_pet.leed'" in (err := capsys.readouterr().err) and "Did you mean: sstr_pet.lead" in err


def test_missing_reviewer_is_an_argparse_error(template: Path, capsys) -> None:
    root = template  # read-only: these must leave the knowledge base unchanged
    with pytest.raises(SystemExit) as exit_info:
        kb_cli(root, "approve", STATEMENT)
    assert exit_info.value.code == 2
    assert "--reviewer" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# FROM MEMORY facts
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def memory_template(tmp_path_factory) -> Path:
    files = kb_files(
        {
            "germline": [
                statement("germline.memory", "A germline claim nobody has seen in a text yet.", ["T1"], status="under_review", fact_status="from_memory"),
                statement("germline.memory_source", "A claim citing a source known only from memory.", ["T9"], status="under_review"),
            ]
        }
    )
    files["sources.yml"]["sources"].append({**SOURCES[0], "id": "T9", "title": "Remembered source", "verification": "from_memory"})
    root = write_kb(tmp_path_factory.mktemp("kb_memory") / "knowledge", files)
    record_approved(root)
    return root


@pytest.fixture
def memory_root(memory_template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(memory_template, tmp_path / "knowledge"))


def test_from_memory_fact_is_refused_without_a_source(memory_root: Path, capsys) -> None:
    before = (memory_root / "statements/germline.yml").read_bytes()
    assert kb_cli(memory_root, "approve", "germline.memory", "--reviewer", "Dr M") == 3
    err = capsys.readouterr().err
    assert err.startswith("python -m bot kb approve: refused: germline.memory cannot be approved: it is a FROM MEMORY fact")
    assert "--source SOURCE_ID" in err
    assert (memory_root / "statements/germline.yml").read_bytes() == before


@pytest.mark.parametrize(
    "source, message",
    [
        ("T8", "source T8 has verification 'partial'"),
        ("T9", "source T9 has verification 'from_memory'"),
    ],
)
def test_from_memory_fact_needs_a_verified_source(memory_root: Path, capsys, source: str, message: str) -> None:
    assert kb_cli(memory_root, "approve", "germline.memory", "--reviewer", "Dr M", "--source", source) == 3
    assert message in capsys.readouterr().err


def test_from_memory_fact_is_approved_with_a_verified_source(memory_root: Path, capsys) -> None:
    assert banner_of(memory_root, "germline") == f"{BANNER_TEXT}: germline.memory, germline.memory_source."
    code = kb_cli(memory_root, "approve", "germline.memory", "--reviewer", "Dr M", "--source", "T4", "--date", "2026-12-05")
    assert code == 0
    assert "source T4 added, fact_status set to verified on the evidence of T4" in capsys.readouterr().out
    entry = item(memory_root, "statements/germline.yml", "germline.memory")
    assert entry["sources"] == ["T1", "T4"] and entry["fact_status"] == "verified"
    assert entry["review"]["content_hash"] == content_hash(entry["text"], entry["patient_text"], ["T1", "T4"])
    assert banner_of(memory_root, "germline") == f"{BANNER_TEXT}: germline.memory_source."


def test_a_statement_citing_a_from_memory_source_is_refused(memory_root: Path, capsys) -> None:
    assert kb_cli(memory_root, "approve", "germline.memory_source", "--reviewer", "Dr M") == 3
    assert "it cites T9, whose citation is from memory" in capsys.readouterr().err
    report = "\n".join(queue_report(kb_at(memory_root), review_queue(kb_at(memory_root))))
    assert "germline.memory [under_review, FROM MEMORY]" in report
    assert "cannot be approved yet: it cites T9, whose citation is from memory" in report


# --------------------------------------------------------------------------------------------
# Newer editions
# --------------------------------------------------------------------------------------------


def test_statements_citing_a_source_with_a_newer_edition_are_listed(root: Path, capsys) -> None:
    assert review_queue(kb_at(root)).newer_editions == []
    sources_path = root / "sources.yml"
    register = yaml.safe_load(sources_path.read_text(encoding="utf-8"))
    for source in register["sources"]:
        if source["id"] == "T6":
            source.update(edition="8th edition", newer_edition="9th edition (2023)")
    sources_path.write_text(yaml.safe_dump(register, sort_keys=False), encoding="utf-8")

    kb = kb_at(root)
    citing = sorted(s.id for s in kb.statements if "T6" in s.sources)
    assert citing and sorted(e.statement.id for e in review_queue(kb).newer_editions) == citing
    assert kb_cli(root, "review") == 0
    out = capsys.readouterr().out
    assert "Citing a source with a newer edition (%d), by source:" % len(citing) in out
    assert "  T6 (Test source 6, 8th edition) -> newer edition: 9th edition (2023)" in out
    assert "      check against it: " + ", ".join(s.id for s in kb.statements if "T6" in s.sources) in out


# --------------------------------------------------------------------------------------------
# The files: validation, in-place rewriting, invalid knowledge bases
# --------------------------------------------------------------------------------------------


def test_a_hand_edited_approved_copy_is_rejected_by_the_loader(root: Path) -> None:
    path = root / APPROVALS_FILE
    path.write_text(path.read_text(encoding="utf-8").replace("Guideline fact about sstr pet", "Guideline fact about SSTR PET", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError) as error:
        kb_at(root)
    [problem] = error.value.problems
    assert (problem.file, problem.item_id, problem.field) == ("knowledge/approvals.yml", STATEMENT, "content_hash")
    assert "do not edit it by hand" in problem.message


@pytest.mark.parametrize(
    "text, field, message",
    [
        ("approvals: [1, 2]\n", "approvals", "must be a mapping of statement id"),
        ("copies: {}\n", "-", "single key 'approvals'"),
        ("approvals:\n  x.y:\n    reviewed_by: Dr\n", "date", "Field required"),
    ],
)
def test_a_malformed_ledger_names_file_and_field(root: Path, text: str, field: str, message: str) -> None:
    (root / APPROVALS_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError) as error:
        kb_at(root)
    assert any(p.file == "knowledge/approvals.yml" and p.field == field and message in p.message for p in error.value.problems)


def test_an_approved_statement_cannot_carry_a_rejection(tmp_path: Path) -> None:
    files = kb_files()
    entry = files[STATEMENT_FILE]["statements"][-2]
    assert entry["id"] == STATEMENT
    entry["review"]["rejected"] = {"by": "Dr R", "date": "2026-12-01", "reason": "wrong", "content_hash": "abc"}
    with pytest.raises(KnowledgeError) as error:
        kb_at(write_kb(tmp_path / "knowledge", files))
    assert [(p.item_id, p.field) for p in error.value.problems] == [(STATEMENT, "review.rejected")]


def test_an_invalid_knowledge_base_exits_1_for_review_and_approve(root: Path, capsys) -> None:
    edit_statement(root, STATEMENT_FILE, STATEMENT, sources=["NOPE"])
    assert kb_cli(root, "review") == 1
    assert "unknown source id 'NOPE'" in capsys.readouterr().err
    assert kb_cli(root, "approve", STATEMENT, "--reviewer", "Dr R") == 1
    assert "Knowledge base INVALID" in capsys.readouterr().err


def test_approval_rewrites_only_the_review_block_of_a_real_statement_file(tmp_path: Path, capsys) -> None:
    """On a copy of the real knowledge base: comments, folding and every other statement stay byte for byte."""
    root = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_ROOT, root)
    path = root / "statements/editorial.yml"
    original = path.read_text(encoding="utf-8").replace("topic: editorial\n", "# a comment the reviewer keeps\ntopic: editorial\n")
    sid = "editorial.scope_and_limits"
    edited = original.replace("computed grades and stages, and", "computed grades and stages; and")
    assert edited != original
    path.write_text(edited, encoding="utf-8")
    assert kb_cli(root, "approve", sid, "--reviewer", "Dr Real", "--date", "2026-12-06") == 0
    after = path.read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(edited.splitlines(), after.splitlines()) if a != b]
    assert len(edited.splitlines()) == len(after.splitlines())
    assert [b.strip() for _, b in changed] == [
        "status: approved",  # a clinical approval of a statement the team had source-checked
        'reviewed_by: "Dr Real"',
        'date: "2026-12-06"',
        f'content_hash: "{kb_at(root).statement(sid).current_hash}"',
    ]
    assert after.startswith("# a comment the reviewer keeps\n")


def test_a_write_that_would_break_the_knowledge_base_is_undone(root: Path, capsys, monkeypatch) -> None:
    import bot.kb_review as kb_review

    before = {p: p.read_bytes() for p in (root / STATEMENT_FILE, root / APPROVALS_FILE)}
    monkeypatch.setattr(kb_review, "review_block", lambda *a, **k: ["review:", "  status: approvedd"])
    edit_statement(root, STATEMENT_FILE, STATEMENT, text=EDITED)
    before[root / STATEMENT_FILE] = (root / STATEMENT_FILE).read_bytes()
    assert kb_cli(root, "approve", STATEMENT, "--reviewer", "Dr R") == 1
    err = capsys.readouterr().err
    assert "would make the knowledge base invalid, nothing was changed" in err and "review.status" in err
    assert {p: p.read_bytes() for p in before} == before


# --------------------------------------------------------------------------------------------
# The editorial policy and the real knowledge base
# --------------------------------------------------------------------------------------------


def test_policy_page_is_generated_from_the_markdown() -> None:
    markdown = (REPO / POLICY_DOC).read_text(encoding="utf-8")
    served = (REPO / POLICY_PAGE).read_text(encoding="utf-8")
    assert served == policy_html(markdown), "web/editorial-policy.html is stale: run `python -m bot kb policy-page`"


@pytest.mark.parametrize(
    "heading",
    [
        "How statements are written",
        "How statements are sourced",
        "Review statuses",
        "How statements are reviewed",
        "How statements are retired",
        "How to report an error",
    ],
)
def test_policy_covers_what_the_issue_asks(heading: str) -> None:
    markdown = (REPO / POLICY_DOC).read_text(encoding="utf-8")
    assert f"\n## {heading}\n" in markdown
    assert BANNER_TEXT in " ".join(markdown.split())


@pytest.mark.parametrize("fmt, link", [("markdown", "[Editorial policy](editorial-policy.html)"), ("text", "Editorial policy: docs/EDITORIAL_POLICY.md"), ("slack", "Editorial policy: docs/EDITORIAL_POLICY.md")])
@pytest.mark.parametrize("topic", ["sstr_pet", "grade", "lanreotide_dose"])
def test_every_answer_links_the_policy(template: Path, fmt: str, link: str, topic: str) -> None:
    root = template  # read-only: these must leave the knowledge base unchanged
    assert link in render(compose_answer(topic, kb=kb_at(root)), fmt)


def test_a_deployment_can_set_an_absolute_policy_url(template: Path, monkeypatch) -> None:
    root = template  # read-only: these must leave the knowledge base unchanged
    monkeypatch.setenv(POLICY_URL_ENV, "https://netguide.example.org/editorial-policy.html")
    answer = compose_answer("sstr_pet", kb=kb_at(root))
    assert "<https://netguide.example.org/editorial-policy.html|Editorial policy>" in render(answer, "slack")
    assert "[Editorial policy](https://netguide.example.org/editorial-policy.html)" in render(answer, "markdown")


def test_the_real_knowledge_base_answers_how_content_is_reviewed(real_kb: KnowledgeBase) -> None:
    answer = compose_answer("editorial", kb=real_kb)
    assert answer.banner is None
    text = " ".join(i.text for i in answer.cited_items())
    assert "review queue" in text and "reviewer" in text


def test_the_real_review_queue_flags_every_from_memory_statement(real_kb: KnowledgeBase) -> None:
    kb = real_kb
    queue = review_queue(kb)
    memory = [s.id for s in kb.statements if s.fact_status.value == "from_memory"]
    flagged = [i.statement.id for i in queue.pending if any("FROM MEMORY fact" in n for n in i.notes)]
    assert memory and flagged == memory
    assert all(s.review.status != ReviewStatus.approved for s in kb.statements if s.id in memory)


def test_kb_review_runs_as_a_command() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "kb", "review"], cwd=REPO, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Review queue (knowledge base ")
    assert "Approve: python -m bot kb approve ID --reviewer NAME" in proc.stdout


@pytest.mark.parametrize(
    "layout",
    [
        "topic: x\nstatements:\n  - id: a\n    text: t\n    review: submitted",  # last key, no newline at the end
        "topic: x\nstatements:\n- id: a\n  text: t\n  review: submitted\n\n# a trailing comment\n",
        "topic: x\nstatements:\n- id: a\n  review:\n    status: submitted\n  text: t\n- id: b\n  review: approved\n",
    ],
    ids=["indented, at the end of the file", "unindented, before a comment", "review first, another statement after"],
)
def test_the_review_block_is_replaced_in_any_block_layout(layout: str) -> None:
    import datetime as dt

    from bot.kb_review import replace_keys, review_block

    block = review_block(ReviewStatus.approved, "Dr L", dt.date(2026, 12, 7), "0123456789abcdef")
    rewritten = replace_keys(layout, Path("x.yml"), "a", {"review": block})
    doc = yaml.safe_load(rewritten)
    assert doc["statements"][0]["review"] == {
        "status": "approved", "reviewed_by": "Dr L", "date": "2026-12-07", "content_hash": "0123456789abcdef"
    }
    assert doc["statements"][0]["text"] == "t"
    assert [s["id"] for s in doc["statements"]] == [s["id"] for s in yaml.safe_load(layout)["statements"]]
    if "# a trailing comment" in layout:
        assert rewritten.endswith("\n\n# a trailing comment\n")


# --------------------------------------------------------------------------------------------
# Source-checked by the team is not approved by a clinical reviewer
# --------------------------------------------------------------------------------------------


def test_a_team_source_check_is_recorded_and_shown_as_source_checked_not_approved(root: Path, capsys) -> None:
    edit_statement(root, STATEMENT_FILE, STATEMENT, text=EDITED)
    assert kb_cli(root, "approve", STATEMENT, "--reviewer", "NETguide team", "--source-check", "--date", "2026-12-04") == 0
    assert capsys.readouterr().out.startswith(f"Source-checked {STATEMENT}: reviewed by NETguide team on 2026-12-04")
    assert item(root, STATEMENT_FILE, STATEMENT)["review"]["status"] == "source_checked"
    ledger = yaml.safe_load((root / APPROVALS_FILE).read_text(encoding="utf-8"))["approvals"][STATEMENT]
    assert ledger["status"] == "source_checked"
    kb = kb_at(root)
    assert kb.statement(STATEMENT).effective_status == ReviewStatus.source_checked
    answer = compose_answer("sstr_pet", kb=kb)
    assert answer.banner is None  # checked against its sources: no pending-review banner
    assert answer.review_summary.counts["source_checked"] == 1
    assert "1 source-checked by the NETguide team" in answer.review_summary.text
    # a clinical approval afterwards moves it up; the same wording is not "already approved"
    assert kb_cli(root, "approve", STATEMENT, "--reviewer", "Dr Ada Reviewer, NET MDT", "--date", "2026-12-05") == 0
    assert capsys.readouterr().out.startswith(f"Approved {STATEMENT}:")
    assert kb_at(root).statement(STATEMENT).effective_status == ReviewStatus.approved


def test_an_answer_with_only_team_checks_says_no_clinician_has_approved_it(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "knowledge")
    for path in (root / "statements").glob("*.yml"):
        path.write_text(path.read_text(encoding="utf-8").replace("status: approved", "status: source_checked"), encoding="utf-8")
    answer = compose_answer("sstr_pet", kb=kb_at(root))
    assert answer.banner is None
    assert answer.review_summary.text.endswith("source-checked by the NETguide team (not yet approved by a clinical reviewer)")


def test_a_source_checked_statement_must_rest_on_verified_facts(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "knowledge")
    edit_statement(root, STATEMENT_FILE, STATEMENT, fact_status="from_memory",
                   review={"status": "source_checked", "reviewed_by": "team", "date": "2026-12-04", "content_hash": None})
    with pytest.raises(KnowledgeError, match="a source_checked statement must be verified"):
        kb_at(root)


def test_the_real_knowledge_base_claims_no_clinical_approval_it_does_not_have(real_kb: KnowledgeBase) -> None:
    # every approval recorded so far is a team check; "approved" is kept for a named clinical reviewer
    approved = [s.id for s in real_kb.statements if s.review.status == ReviewStatus.approved]
    assert approved == []
    assert all(a.status != ReviewStatus.approved for a in real_kb.approvals.values())
