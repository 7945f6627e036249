"""The short-way feature matrix is Rasa's matrix, column for column."""

import numpy as np
import pytest
import scipy.sparse
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.intent_classifier import SentenceLogisticRegressionClassifier


def message(seed: int, featurizers, dense_width: int = 0) -> Message:
    msg = Message(data={TEXT: "ki67 12% pancreas what grade"})
    for number, width in enumerate(featurizers):
        origin = f"featurizer{number}"
        msg.add_features(Features(scipy.sparse.random(6, width, density=0.2, format="coo", random_state=seed + number),
                                  FEATURE_TYPE_SEQUENCE, TEXT, origin))
        msg.add_features(Features(scipy.sparse.random(1, width, density=0.2, format="coo", random_state=seed + 50 + number),
                                  FEATURE_TYPE_SENTENCE, TEXT, origin))
    if dense_width:
        msg.add_features(Features(np.random.default_rng(seed).random((1, dense_width)), FEATURE_TYPE_SENTENCE, TEXT, "dense"))
    return msg


@pytest.mark.parametrize("featurizers, dense_width, batch", [
    ([40, 300, 2000], 0, 1),   # NETguide's pipeline: keywords, word and char n-gram counts
    ([40, 300, 2000], 0, 5),   # a training batch
    ([7], 0, 1),
    ([30, 50], 8, 3),          # with dense sentence features too
])
def test_same_matrix_as_rasas_classifier(featurizers, dense_width, batch):
    messages = [message(seed, featurizers, dense_width) for seed in range(batch)]
    ours = SentenceLogisticRegressionClassifier._create_X(None, messages)
    rasas = LogisticRegressionClassifier._create_X(None, messages)
    assert ours.shape == rasas.shape
    assert (ours != rasas).nnz == 0
