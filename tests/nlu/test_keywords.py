"""WeightedRegexFeaturizer: RegexFeaturizer's keyword features, scaled by a weight."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.keywords import WeightedRegexFeaturizer

PATTERNS = [{"name": "kw_prognosis", "pattern": "surviv|prognos"}, {"name": "kw_question", "pattern": r"\w\s*\?"}]


def _featurizer(tmp_path, weight):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(node_name="keywords", graph_schema=None)
    config = {**WeightedRegexFeaturizer.get_default_config(), "case_sensitive": False, "weight": weight}
    featurizer = WeightedRegexFeaturizer.create(config, storage, Resource("keywords"), context)
    featurizer.train(TrainingData(regex_features=PATTERNS))
    return featurizer, config, storage, context


def _sentence_features(featurizer, text):
    message = Message({TEXT: text})
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    featurizer.process([message])
    sentence = message.get_sparse_features(TEXT)[1]
    return sentence.features.toarray()[0].tolist()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Survival with liver mets?", [3.0, 3.0]),  # case-insensitive, both patterns
        ("PROGNOSIS of NET-CUP", [3.0, 0.0]),
        ("ki67 8%", [0.0, 0.0]),
    ],
)
def test_keyword_features_carry_the_weight(tmp_path, text, expected) -> None:
    featurizer, *_ = _featurizer(tmp_path, 3.0)
    assert _sentence_features(featurizer, text) == expected


def test_weight_survives_persist_and_load(tmp_path) -> None:
    _, config, storage, context = _featurizer(tmp_path, 2.5)
    loaded = WeightedRegexFeaturizer.load(config, storage, Resource("keywords"), context)
    assert _sentence_features(loaded, "prognosis?") == [2.5, 2.5]


@pytest.mark.parametrize("weight", [0, -1, "3"])
def test_a_weight_that_is_not_positive_is_refused(weight) -> None:
    with pytest.raises(ValueError, match="weight"):
        WeightedRegexFeaturizer.validate_config({"weight": weight})


def test_config_uses_the_weighted_keywords() -> None:
    import yaml
    from pathlib import Path

    config = yaml.safe_load((Path(__file__).resolve().parents[2] / "config.yml").read_text())
    names = [c["name"] for c in config["pipeline"]]
    assert "bot.nlu.keywords.WeightedRegexFeaturizer" in names
    assert names.index("bot.nlu.keywords.WeightedRegexFeaturizer") < names.index("bot.nlu.intent_classifier.SentenceLogisticRegressionClassifier")
