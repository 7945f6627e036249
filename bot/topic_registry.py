"""The answer topics, read from knowledge/topics.yml: one registry for every list of topics.

Each topic has the question its answer answers (the answer's title), a short label for "what I can answer"
lists, optionally a follow-up button (its text, the intent it is trained under in data/nlu/buttons.yml) and
the follow-ups an answer on it offers. Computed topics (grade, stage, workup) are answered by the engines; the
others by the statements in knowledge/statements/<id>.yml. Adding a topic is one entry here plus its
statements file; `python -m bot kb check` fails when the two disagree.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

REGISTRY_FILE = Path(__file__).resolve().parent.parent / "knowledge" / "topics.yml"


class TopicRegistryError(Exception):
    """knowledge/topics.yml is missing or invalid; the message names the file and what to fix."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Button(_Strict):
    question: str = Field(min_length=1)
    question_known_primary: Optional[str] = None  # the wording when the primary site is known
    intent: str = Field(min_length=1)  # the intent the button text is trained under
    unknown_primary_only: bool = False  # worded for an unknown primary: not offered when the site is known


class About(_Strict):
    """The site(s) or syndrome(s) a topic is written for (values of bot.models.Site / Syndrome)."""

    sites: List[str] = Field(default_factory=list)
    syndromes: List[str] = Field(default_factory=list)


class Topic(_Strict):
    id: str = Field(min_length=1)
    computed: bool = False  # answered by the engines (grade, stage, workup)
    knowledge: Optional[bool] = None  # has a statements file; default: every topic that is not computed
    question: str = Field(min_length=1)
    question_known_primary: Optional[str] = None
    label: str = Field(min_length=1)
    button: Optional[Button] = None
    follow_ups: List[str] = Field(default_factory=list)
    # written for one site or syndrome: its statements take a question about that site from a general topic
    about: Optional[About] = None

    @property
    def has_statements(self) -> bool:
        return self.knowledge if self.knowledge is not None else not self.computed


class TopicRegistry(_Strict):
    topics: List[Topic]
    follow_ups_after_result: Dict[str, List[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> "TopicRegistry":
        ids = [t.id for t in self.topics]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"topic listed twice: {', '.join(duplicates)}")
        known = set(ids)
        for owner, wanted in [(t.id, t.follow_ups) for t in self.topics] + list(self.follow_ups_after_result.items()):
            unknown = [w for w in wanted if w not in known]
            if unknown:
                raise ValueError(f"follow-ups of '{owner}' name unknown topics: {', '.join(unknown)}")
        return self

    # --- the views the answer layer uses ---

    @property
    def computed_topics(self) -> Tuple[str, ...]:
        return tuple(t.id for t in self.topics if t.computed)

    @property
    def knowledge_topics(self) -> Tuple[str, ...]:
        return tuple(t.id for t in self.topics if t.has_statements)

    @property
    def answerable_topics(self) -> Tuple[str, ...]:
        """Computed topics first, then the knowledge topics, each once."""
        ordered = list(self.computed_topics) + [t for t in self.knowledge_topics if t not in self.computed_topics]
        return tuple(ordered)

    def topic(self, topic_id: str) -> Topic:
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        raise KeyError(topic_id)


@lru_cache(maxsize=None)
def load_registry(path: Path = REGISTRY_FILE) -> TopicRegistry:
    if not path.is_file():
        raise TopicRegistryError(f"{path}: the topic registry is missing; restore knowledge/topics.yml from git")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise TopicRegistryError(f"{path}: not valid YAML: {error}") from None
    try:
        return TopicRegistry.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '-'}: {e['msg']}" for e in error.errors())
        raise TopicRegistryError(f"{path}: {problems}") from None
