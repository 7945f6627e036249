"""Keyword features for the intent classifier: Rasa's RegexFeaturizer with a weight.

config.yml, after the tokenizer and next to the count-vector featurizers:

    - name: bot.nlu.keywords.WeightedRegexFeaturizer
      case_sensitive: false
      weight: 3.0

The patterns are the `regex:` entries of data/nlu/regex.yml (one binary feature each, as in
RegexFeaturizer). The count-vector features of a message add up to dozens of counts, so a
keyword feature of 1.0 barely moves a linear classifier; `weight` scales the keyword
features (3.0 was chosen on the training data and the held-out figures of
tests/nlu/evaluate.py, among 1, 2, 3, 5 and 8). Training, persisting and loading are
RegexFeaturizer's own.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Text, Tuple

import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class WeightedRegexFeaturizer(RegexFeaturizer):
    """RegexFeaturizer whose features are `weight` instead of 1.0."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**RegexFeaturizer.get_default_config(), "weight": 1.0}

    def _features_for_patterns(
        self, message: Message, attribute: Text
    ) -> Tuple[Optional[scipy.sparse.coo_matrix], Optional[scipy.sparse.coo_matrix]]:
        sequence, sentence = super()._features_for_patterns(message, attribute)
        weight = float(self._config.get("weight", 1.0))
        if weight == 1.0 or sequence is None:
            return sequence, sentence
        return sequence * weight, sentence * weight

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        weight = config.get("weight", 1.0)
        if not isinstance(weight, (int, float)) or weight <= 0:
            raise ValueError(f"WeightedRegexFeaturizer: 'weight' must be a positive number, not {weight!r}")
