"""The one topic registry (knowledge/topics.yml): every list of topics is read from it, and it agrees with the
statement files."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import answer_tables
from bot.knowledge import DEFAULT_ROOT, KNOWLEDGE_TOPICS
from bot.topic_registry import REGISTRY_FILE, TopicRegistryError, load_registry


def test_every_knowledge_topic_has_a_statements_file_and_every_file_is_a_topic() -> None:
    files = {p.stem for p in (DEFAULT_ROOT / "statements").glob("*.yml")}
    assert set(KNOWLEDGE_TOPICS) == files


def test_the_answer_tables_are_views_of_the_registry() -> None:
    registry = load_registry()
    assert answer_tables.COMPUTED_TOPICS == ("grade", "stage", "workup")
    assert len(set(answer_tables.ANSWERABLE_TOPICS)) == len(answer_tables.ANSWERABLE_TOPICS)  # each once
    for topic in registry.topics:
        assert answer_tables.QUESTION_OF_TOPIC[topic.id] == topic.question
        assert answer_tables.TOPIC_LABELS[topic.id] == topic.label
        assert (topic.id in answer_tables.FOLLOW_UP_QUESTION) == (topic.button is not None)
    assert answer_tables.FOLLOW_UPS["grade:nec"] == tuple(registry.follow_ups_after_result["grade:nec"])


@pytest.mark.parametrize(
    "text, message",
    [
        ("topics:\n  - {id: a, question: q, label: l}\n  - {id: a, question: q, label: l}\n", "topic listed twice: a"),
        ("topics:\n  - {id: a, question: q, label: l, follow_ups: [b]}\n", "follow-ups of 'a' name unknown topics: b"),
        ("topics:\n  - {id: a, label: l}\n", "topics.0.question: Field required"),
        ("topics: [\n", "not valid YAML"),
    ],
)
def test_a_broken_registry_names_the_file_and_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "topics.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TopicRegistryError, match=message) as error:
        load_registry(path)
    assert str(path) in str(error.value)


def test_a_missing_registry_says_how_to_restore_it(tmp_path: Path) -> None:
    with pytest.raises(TopicRegistryError, match="restore knowledge/topics.yml"):
        load_registry(tmp_path / "topics.yml")
    assert REGISTRY_FILE.is_file()
