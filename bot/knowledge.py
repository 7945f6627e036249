"""Load and validate the knowledge base: knowledge/sources.yml and knowledge/statements/<topic>.yml.

Every problem is reported with the file, the item id (statement or source) and the field, and all
problems of a load are collected before `KnowledgeError` is raised, so one `kb check` run lists them
all. Review statuses, least to most: submitted, under_review, source_checked (the NETguide team checked the
wording and figures against the cited sources) and approved (a named clinical reviewer approved it). A statement
checked or approved under an older wording (hash mismatch) is "stale": its effective status is under_review
until it is checked again. knowledge/approvals.yml (optional, written by `kb approve`) keeps the checked or
approved copy of each statement; each copy must match its own content hash. A statement whose review block
records a rejection is left out of answers until it is checked or approved again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.content_hash import content_hash
from bot.topic_registry import load_registry
from bot.models import CHECKED_STATUSES, Case, Differentiation, GradeResult, ReviewStatus, Site, Syndrome
from bot.computed_wording import EngineWording, StatementFacts, WordingFile, check_wording
from bot.result_wording import WORDING_SPECS
from bot.workup_wording import WorkupWording

DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "knowledge"
APPROVALS_FILE = "approvals.yml"  # the approved copies, under the knowledge root

# The topic vocabulary (one statements file per knowledge topic), from knowledge/topics.yml.
KNOWLEDGE_TOPICS: Tuple[str, ...] = load_registry().knowledge_topics

STATUS_ORDER: Tuple[ReviewStatus, ...] = (
    ReviewStatus.approved, ReviewStatus.source_checked, ReviewStatus.under_review, ReviewStatus.submitted)


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    file: str  # path shown to the user, e.g. "knowledge/statements/sstr_pet.yml"
    item_id: Optional[str]  # statement or source id; None for file-level problems
    field: str  # dotted field path, e.g. "review.status" or "sources[1]"; "-" for the whole file
    message: str

    def __str__(self) -> str:
        item = f" id '{self.item_id}'" if self.item_id else ""
        return f"{self.file}:{item} field '{self.field}': {self.message}"


class KnowledgeError(Exception):
    """The knowledge base is invalid. `problems` lists every problem found."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems: List[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def first(self) -> Problem:
        return self.problems[0]


# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceKind(str, Enum):
    guideline = "guideline"
    trial = "trial"
    meta_analysis = "meta-analysis"
    cohort = "cohort"
    review = "review"
    pathology_reference = "pathology_reference"
    registry = "registry"
    label = "label"
    textbook = "textbook"
    other = "other"


class Verification(str, Enum):
    verified = "verified"
    partial = "partial"
    from_memory = "from_memory"


class Source(_Strict):
    id: str = Field(min_length=1)
    kind: SourceKind
    title: str = Field(min_length=1)
    authors: Optional[str] = None
    journal: Optional[str] = None
    year: Optional[int] = None
    edition: Optional[str] = None
    volume_pages: Optional[str] = None
    pmid: Optional[str] = None
    doi: Optional[str] = None
    seen_at: Optional[str] = None
    verification: Verification
    unverified_fields: List[str] = Field(default_factory=list)
    newer_edition: Optional[str] = None


class Tier(str, Enum):
    guideline = "guideline"
    research = "research"


class FactStatus(str, Enum):
    verified = "verified"
    from_memory = "from_memory"


class GradeLabel(str, Enum):
    G1 = "G1"
    G2 = "G2"
    G3 = "G3"
    NEC = "NEC"


class AppliesTo(_Strict):
    """Where a statement applies. An empty list means 'all'."""

    differentiation: List[Differentiation] = Field(default_factory=list)
    grade: List[GradeLabel] = Field(default_factory=list)
    sites: List[Site] = Field(default_factory=list)
    syndromes: List[Syndrome] = Field(default_factory=list)


class Rejection(_Strict):
    """A reviewer's rejection of one wording (content_hash); written by `kb approve --reject`."""

    by: str = Field(min_length=1)
    date: dt.date
    reason: str = Field(min_length=1)
    content_hash: str = Field(min_length=1)


class Review(_Strict):
    status: ReviewStatus
    reviewed_by: Optional[str] = None  # with date and content_hash: the last approval
    date: Optional[dt.date] = None
    content_hash: Optional[str] = None
    rejected: Optional[Rejection] = None  # a rejected statement is withheld from answers until approved


class Approval(_Strict):
    """The approved copy of a statement in knowledge/approvals.yml (written by `kb approve`), so that
    `kb review` can diff a changed statement against what the reviewer approved."""

    reviewed_by: str = Field(min_length=1)
    date: dt.date
    content_hash: str = Field(min_length=1)
    status: ReviewStatus = ReviewStatus.approved  # source_checked: a team check, approved: a clinical reviewer
    sources: List[str] = Field(min_length=1)
    text: str = Field(min_length=1)
    patient_text: Optional[str] = None

    @property
    def own_hash(self) -> str:
        return content_hash(self.text, self.patient_text, self.sources)


class Statement(_Strict):
    id: str = Field(min_length=1)
    topics: List[str] = Field(min_length=1)
    tier: Tier
    text: str = Field(min_length=1)
    patient_text: Optional[str] = None
    sources: List[str] = Field(min_length=1)
    evidence_label: Optional[str] = None
    applies_to: AppliesTo = Field(default_factory=AppliesTo)
    fact_status: FactStatus
    conflict: Optional[str] = None
    review: Review
    # "answers questions like": a few phrasings a clinician might type, used only to rank statements against a
    # question (bot/ranking.py); not shown, not part of the approved content hash
    asks: List[str] = Field(default_factory=list)

    @field_validator("review", mode="before")
    @classmethod
    def _status_shorthand(cls, value: Any) -> Any:
        """`review: source_checked` is shorthand for `review: {status: source_checked}` (no reviewer, no hash yet)."""
        return {"status": value} if isinstance(value, str) else value

    @property
    def current_hash(self) -> str:
        return content_hash(self.text, self.patient_text, self.sources)

    @property
    def is_stale(self) -> bool:
        """Checked or approved, but the wording or the sources changed since (or no hash was recorded)."""
        return self.review.status in CHECKED_STATUSES and self.review.content_hash != self.current_hash

    @property
    def is_rejected(self) -> bool:
        """Rejected by a reviewer and not checked or approved since: left out of answers."""
        return self.review.rejected is not None and self.review.status not in CHECKED_STATUSES

    @property
    def effective_status(self) -> ReviewStatus:
        return ReviewStatus.under_review if self.is_stale else self.review.status

    def wording(self, audience: str) -> str:
        """The text for an audience; patients get patient_text when there is one."""
        if audience == "patient" and self.patient_text:
            return self.patient_text
        return self.text


# --------------------------------------------------------------------------------------------
# Selection by case
# --------------------------------------------------------------------------------------------


class CaseContext(BaseModel):
    """What a statement's applies_to is matched against. None = not known (never excludes)."""

    model_config = ConfigDict(frozen=True)

    differentiation: Optional[Differentiation] = None
    grade: Optional[GradeLabel] = None
    site: Optional[Site] = None
    syndrome: Optional[Syndrome] = None

    @classmethod
    def from_case(cls, case: Optional[Case], grade_result: Optional[GradeResult] = None) -> "CaseContext":
        if case is None:
            return cls()
        differentiation = case.differentiation if case.differentiation != Differentiation.unknown else None
        return cls(
            differentiation=differentiation,
            grade=grade_label(case, grade_result),
            site=case.site,
            syndrome=case.functional_syndrome,
        )

    def _pairs(self, applies: AppliesTo) -> List[Tuple[Any, list]]:
        return [
            (self.differentiation, applies.differentiation),
            (self.grade, applies.grade),
            (self.site, applies.sites),
            (self.syndrome, applies.syndromes),
        ]

    def matches(self, applies: AppliesTo) -> bool:
        """False only when the case is known to fall outside a restriction."""
        return all(not allowed or value is None or value in allowed for value, allowed in self._pairs(applies))

    def unconfirmed(self, applies: AppliesTo) -> int:
        """How many restrictions the case does not know enough to check (e.g. NEC-only while the
        differentiation is not stated): such a statement may apply, but should not lead an answer."""
        return sum(1 for value, allowed in self._pairs(applies) if allowed and value is None)

    def specificity(self, applies: AppliesTo) -> int:
        """How many restrictions the case positively satisfies (more = more specific to this case)."""
        return sum(1 for value, allowed in self._pairs(applies) if allowed and value is not None and value in allowed)


def grade_label(case: Optional[Case], grade_result: Optional[GradeResult] = None) -> Optional[GradeLabel]:
    """G1/G2/G3/NEC from a computed grade, else from poorly differentiated morphology."""
    if grade_result is not None and grade_result.grade in ("G1", "G2", "G3"):
        # G3 with differentiation unknown stays G3: NET G3 vs NEC needs morphology
        return GradeLabel(grade_result.grade)
    if grade_result is not None and grade_result.kind == "nec" and not grade_result.thoracic:
        return GradeLabel.NEC
    if case is not None and case.differentiation == Differentiation.poorly and case.site not in (Site.lung, Site.thymus):
        return GradeLabel.NEC
    return None


# --------------------------------------------------------------------------------------------
# The knowledge base
# --------------------------------------------------------------------------------------------


class KnowledgeBase(BaseModel):
    model_config = ConfigDict(frozen=True)

    root: str
    sources: Dict[str, Source]
    statements: List[Statement]  # files in name order, statements in file order
    statement_files: Dict[str, str]  # statement id -> file shown to users
    version: str
    last_updated: Optional[dt.date] = None
    approvals: Dict[str, Approval] = Field(default_factory=dict)  # statement id -> approved copy
    # the words of the computed results (knowledge/computed/*.yml), by engine name ("workup", "grading", ...);
    # an engine whose file is absent (small test bases) has none
    wordings: Dict[str, WordingFile] = Field(default_factory=dict)

    @property
    def workup_wording(self) -> Optional[WorkupWording]:
        return self.wordings.get("workup")  # type: ignore[return-value]

    def wording(self, engine: str) -> Optional[WordingFile]:
        return self.wordings.get(engine)

    # --- lookup ---

    def statement(self, statement_id: str) -> Statement:
        for statement in self.statements:
            if statement.id == statement_id:
                return statement
        raise KeyError(statement_id)

    def source(self, source_id: str) -> Source:
        return self.sources[source_id]

    def topics(self) -> List[str]:
        """Topics that have at least one statement, in vocabulary order."""
        present = {t for s in self.statements for t in s.topics}
        return [t for t in KNOWLEDGE_TOPICS if t in present]

    def has_topic(self, topic: str) -> bool:
        return any(topic in s.topics for s in self.statements)

    # --- selection ---

    def statements_for(
        self,
        topic: str,
        context: Optional[CaseContext] = None,
        tier: Optional[Tier] = None,
    ) -> List[Statement]:
        """Statements of a topic that fit the case, most case-specific first, then file order.

        Statements whose own file is the topic come before those that list it as a further topic.
        """
        context = context or CaseContext()
        own = [s for s in self.statements if s.topics[0] == topic]
        borrowed = [s for s in self.statements if topic in s.topics[1:]]
        chosen = [
            s
            for s in own + borrowed
            if context.matches(s.applies_to) and (tier is None or s.tier == tier) and not s.is_rejected
        ]
        # sorted() is stable: equal specificity keeps file order
        return sorted(chosen, key=lambda s: -context.specificity(s.applies_to))

    def specific_statements(self, topic: str, context: CaseContext) -> List[Statement]:
        """Statements of a topic whose applies_to the case positively satisfies."""
        return [s for s in self.statements_for(topic, context) if context.specificity(s.applies_to) > 0]

    # --- review ---

    def stale_statements(self) -> List[Statement]:
        return [s for s in self.statements if s.is_stale]

    def counts(self) -> Dict[str, Dict[str, int]]:
        """Statement counts by tier, by topic (file topic) and by effective review status."""
        by_tier = {t.value: 0 for t in Tier}
        by_topic = {t: 0 for t in KNOWLEDGE_TOPICS}
        by_status = {s.value: 0 for s in STATUS_ORDER}
        for statement in self.statements:
            by_tier[statement.tier.value] += 1
            by_topic[statement.topics[0]] += 1
            by_status[statement.effective_status.value] += 1
        return {"tier": by_tier, "topic": by_topic, "status": by_status}


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def load_knowledge(root: Optional[Path] = None) -> KnowledgeBase:
    """Load and validate the knowledge base under `root` (default: <repo>/knowledge), cached per path."""
    return _load_cached(str(Path(root or DEFAULT_ROOT).resolve()))


def clear_knowledge_cache() -> None:
    _load_cached.cache_clear()


@lru_cache(maxsize=8)
def _load_cached(root: str) -> KnowledgeBase:
    return _Loader(Path(root)).load()


# libyaml's parser when PyYAML has it: ten times faster, same safe constructors
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """A safe loader that rejects duplicate mapping keys (PyYAML silently keeps the last)."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def _field_path(loc: Iterable[Any]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path or "-"


def version_of(root: Path) -> str:
    """Short hash of every file under root: sorted relative paths and bytes (hidden files skipped)."""
    digest = hashlib.sha256()
    files = sorted(
        p for p in root.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


class _Loader:
    def __init__(self, root: Path):
        self.root = root
        self.problems: List[Problem] = []

    def shown(self, path: Path) -> str:
        try:
            return path.relative_to(self.root.parent).as_posix()
        except ValueError:
            return path.as_posix()

    def problem(self, path: Path, item_id: Optional[str], field: str, message: str) -> None:
        self.problems.append(Problem(self.shown(path), item_id, field, message))

    def read_yaml(self, path: Path) -> Any:
        try:
            return yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            reason = getattr(error, "problem", None) or str(error)
            self.problem(path, None, "-", f"YAML syntax error{where}: {reason}")
        except (OSError, UnicodeDecodeError) as error:
            self.problem(path, None, "-", f"cannot read file: {error}")
        return None

    def validate_items(self, path: Path, raw_items: Any, key: str, model: type) -> List[Any]:
        """Validate a list of mappings one by one, naming each item's id in errors."""
        if not isinstance(raw_items, list):
            self.problem(path, None, key, "must be a list")
            return []
        items = []
        for index, raw in enumerate(raw_items):
            item_id = str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") is not None else f"#{index + 1}"
            if not isinstance(raw, dict):
                self.problem(path, item_id, f"{key}[{index}]", "must be a mapping")
                continue
            try:
                items.append(model.model_validate(raw))
            except ValidationError as error:
                for detail in error.errors():
                    self.problem(path, item_id, _field_path(detail["loc"]), detail["msg"])
        return items

    # --- files ---

    def load_sources(self) -> Dict[str, Source]:
        path = self.root / "sources.yml"
        if not path.is_file():
            self.problem(path, None, "-", "file is missing")
            return {}
        data = self.read_yaml(path)
        if data is None:
            return {}
        if not isinstance(data, dict) or set(data) != {"sources"}:
            self.problem(path, None, "-", "must be a mapping with the single key 'sources'")
            return {}
        sources: Dict[str, Source] = {}
        for source in self.validate_items(path, data["sources"], "sources", Source):
            if source.id in sources:
                self.problem(path, source.id, "id", "duplicate source id")
                continue
            sources[source.id] = source
        return sources

    def load_statement_file(self, path: Path) -> List[Statement]:
        data = self.read_yaml(path)
        if data is None:
            if not any(p.file == self.shown(path) for p in self.problems):
                self.problem(path, None, "-", "file is empty")
            return []
        if not isinstance(data, dict):
            self.problem(path, None, "-", "must be a mapping with keys 'topic' and 'statements'")
            return []
        for key in sorted(set(data) - {"topic", "statements"}):
            self.problem(path, None, str(key), "unknown key")
        topic = data.get("topic")
        if topic != path.stem:
            self.problem(path, None, "topic", f"must equal the file name '{path.stem}', got {topic!r}")
        if path.stem not in KNOWLEDGE_TOPICS:
            self.problem(path, None, "topic", f"'{path.stem}' is not a knowledge topic")
        statements = self.validate_items(path, data.get("statements"), "statements", Statement)
        for statement in statements:
            if statement.topics[0] != path.stem:
                self.problem(path, statement.id, "topics[0]", f"first topic must be the file topic '{path.stem}'")
            for index, extra in enumerate(statement.topics):
                if extra not in KNOWLEDGE_TOPICS:
                    self.problem(path, statement.id, f"topics[{index}]", f"unknown topic '{extra}'")
        return statements

    def load_approvals(self) -> Dict[str, Approval]:
        """knowledge/approvals.yml (optional): statement id -> approved copy, each matching its own hash."""
        path = self.root / APPROVALS_FILE
        if not path.is_file():
            return {}
        data = self.read_yaml(path)
        if not isinstance(data, dict) or set(data) != {"approvals"}:
            if data is not None or not any(p.file == self.shown(path) for p in self.problems):
                self.problem(path, None, "-", "must be a mapping with the single key 'approvals'")
            return {}
        entries = data["approvals"] or {}
        if not isinstance(entries, dict):
            self.problem(path, None, "approvals", "must be a mapping of statement id to its approved copy")
            return {}
        approvals: Dict[str, Approval] = {}
        for statement_id, raw in entries.items():
            try:
                approval = Approval.model_validate(raw)
            except ValidationError as error:
                for detail in error.errors():
                    self.problem(path, str(statement_id), _field_path(detail["loc"]), detail["msg"])
                continue
            if approval.content_hash != approval.own_hash:
                self.problem(
                    path,
                    str(statement_id),
                    "content_hash",
                    f"'{approval.content_hash}' does not match this copy's text, patient_text and sources "
                    f"('{approval.own_hash}'); the file is written by `python -m bot kb approve`, do not edit it by hand",
                )
                continue
            approvals[str(statement_id)] = approval
        return approvals

    def load_wordings(self, statements: List[Statement], sources: Dict[str, Source]) -> Dict[str, WordingFile]:
        """knowledge/computed/*.yml (each optional): the templates of every engine (bot/result_wording.py
        WORDING_SPECS), checked against the engine's codes and fields and against the statements they cite
        (bot/computed_wording.py check_wording)."""
        facts = {
            s.id: StatementFacts(
                text=s.text,
                status=s.review.status,
                source_years=frozenset(sources[sid].year for sid in s.sources if sid in sources and sources[sid].year),
            )
            for s in statements
        }
        wordings: Dict[str, WordingFile] = {}
        for spec in WORDING_SPECS:
            wording = self.load_wording(spec, facts)
            if wording is not None:
                wordings[spec.name] = wording
        return wordings

    def load_wording(self, spec: EngineWording, facts: Dict[str, StatementFacts]) -> Optional[WordingFile]:
        path = self.root / spec.file
        if not path.is_file():
            return None
        data = self.read_yaml(path)
        if not isinstance(data, dict):
            if data is not None or not any(p.file == self.shown(path) for p in self.problems):
                self.problem(path, None, "-", f"must be a mapping with keys {', '.join(spec.model.KINDS)}")
            return None
        try:
            wording = spec.model.model_validate(data)
        except ValidationError as error:
            for detail in error.errors():
                loc = [str(part) for part in detail["loc"]]
                item = ".".join(loc[:2]) if len(loc) >= 2 else None
                self.problem(path, item, _field_path(detail["loc"][2:]) if len(loc) > 2 else "-", detail["msg"])
            return None
        for problem in check_wording(spec, wording, facts):
            self.problem(path, problem.item_id, problem.field, problem.message)
        return wording

    def load_meta(self) -> Optional[dt.date]:
        path = self.root / "meta.yml"
        if not path.is_file():
            return None
        data = self.read_yaml(path)
        if data is None:
            return None
        value = data.get("last_updated") if isinstance(data, dict) else None
        try:
            return dt.date.fromisoformat(str(value)) if not isinstance(value, dt.date) else value
        except ValueError:
            self.problem(path, None, "last_updated", f"not an ISO date: {value!r}")
            return None

    # --- cross checks ---

    def check_statement(self, path: Path, statement: Statement, sources: Optional[Dict[str, Source]]) -> None:
        for index, source_id in enumerate(statement.sources):
            if sources is not None and source_id not in sources:
                self.problem(path, statement.id, f"sources[{index}]", f"unknown source id '{source_id}'")
        if len(set(statement.sources)) != len(statement.sources):
            self.problem(path, statement.id, "sources", "a source is listed twice")
        if statement.review.status in CHECKED_STATUSES:
            if statement.fact_status == FactStatus.from_memory:
                self.problem(
                    path,
                    statement.id,
                    "fact_status",
                    f"a {statement.review.status.value} statement must be verified; from_memory facts stay under_review",
                )
            # Without a recorded hash the statement is merely stale (see Statement.is_stale); a
            # recorded approval must say who approved it and when.
            if statement.review.content_hash and not statement.review.reviewed_by:
                self.problem(path, statement.id, "review.reviewed_by", "a recorded approval names its reviewer")
            if statement.review.content_hash and statement.review.date is None:
                self.problem(path, statement.id, "review.date", "a recorded approval has a review date")
            if statement.review.rejected is not None:
                self.problem(path, statement.id, "review.rejected", "a checked or approved statement carries no rejection; remove it")

    def load(self) -> KnowledgeBase:
        if not self.root.is_dir():
            raise KnowledgeError([Problem(self.shown(self.root), None, "-", "knowledge directory not found")])
        before = len(self.problems)
        sources = self.load_sources()
        # an unreadable register would make every citation dangle: report it once, not per citation
        register_ok = len(self.problems) == before
        approvals = self.load_approvals()
        statement_dir = self.root / "statements"
        files = sorted(statement_dir.glob("*.yml")) + sorted(statement_dir.glob("*.yaml"))
        statements: List[Statement] = []
        statement_files: Dict[str, str] = {}
        for path in files:
            for statement in self.load_statement_file(path):
                if statement.id in statement_files:
                    self.problem(
                        path, statement.id, "id", f"duplicate statement id (also in {statement_files[statement.id]})"
                    )
                    continue
                self.check_statement(path, statement, sources if register_ok else None)
                statements.append(statement)
                statement_files[statement.id] = self.shown(path)
        meta_date = self.load_meta()
        wordings = self.load_wordings(statements, sources)
        if self.problems:
            raise KnowledgeError(self.problems)
        review_dates = [s.review.date for s in statements if s.review.date is not None]
        return KnowledgeBase(
            root=str(self.root),
            sources=sources,
            statements=statements,
            statement_files=statement_files,
            version=version_of(self.root),
            last_updated=max(review_dates) if review_dates else meta_date,
            approvals=approvals,
            wordings=wordings,
        )
