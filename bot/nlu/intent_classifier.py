"""Rasa's LogisticRegressionClassifier, building its input the short way.

config.yml, in place of LogisticRegressionClassifier (same options):

    - name: bot.nlu.intent_classifier.SentenceLogisticRegressionClassifier

Rasa's classifier asks each message for all its sparse features: Rasa deep-copies and joins the
per-token features of every featurizer as well as the sentence features, one sparse `hstack` at a
time, and the classifier then joins the result with an empty dense matrix. About 2.3 ms per message,
the largest single cost of understanding a message (bench/profile_turns.py). The classifier only uses
the sentence features, so this joins those once: the same matrix, column for column (in the order the
featurizers added them, as Rasa does), in about 0.4 ms. Training, persisting and loading are Rasa's own.
"""

from __future__ import annotations

from typing import List

import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message


def sentence_feature_row(message: Message) -> scipy.sparse.csr_matrix:
    """The message's sentence features as one row: sparse ones first, then dense, as Rasa orders them."""
    sentence = [f for f in message.features if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE]
    sparse = [f.features for f in sentence if f.is_sparse()]
    dense = [scipy.sparse.csr_matrix(f.features) for f in sentence if f.is_dense()]
    if not sparse and not dense:
        return scipy.sparse.csr_matrix((1, 0))
    return scipy.sparse.hstack(sparse + dense, format="csr")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SentenceLogisticRegressionClassifier(LogisticRegressionClassifier):
    """LogisticRegressionClassifier whose feature matrix is built from the sentence features only."""

    def _create_X(self, messages: List[Message]) -> scipy.sparse.csr_matrix:
        rows = [sentence_feature_row(message) for message in messages]
        return rows[0] if len(rows) == 1 else scipy.sparse.vstack(rows, format="csr")
