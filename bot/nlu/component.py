"""Rasa 3.6 graph component around the clinical entity extractor.

config.yml, after a tokenizer:

    pipeline:
      - name: WhitespaceTokenizer
      - name: bot.nlu.component.ClinicalEntities

The component builds its own blank spaCy pipeline (no SpacyNLP, no model path stored in
the trained model), once per process, and appends its entities to those of other
extractors, each tagged with "extractor": "ClinicalEntities" so `rasa test nlu` counts them.
This is the only module of bot/nlu that imports rasa.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from .extractor import ClinicalEntityExtractor, shared_extractor


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class ClinicalEntities(GraphComponent, EntityExtractorMixin):
    """Rule-based clinical entities (Ki-67, mitoses, site, metastases, tests, ...)."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        return ["en"]

    @staticmethod
    def required_packages() -> List[Text]:
        return ["spacy", "medspacy"]

    def __init__(self, config: Dict[Text, Any], extractor: ClinicalEntityExtractor) -> None:
        self.component_config = config
        self.extractor = extractor

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ClinicalEntities":
        return cls(config, shared_extractor())

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "ClinicalEntities":
        # Nothing was persisted: the rules live in the code, so loading is creating.
        return cls.create(config, model_storage, resource, execution_context)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = self.add_extractor_name(self.extractor.extract(text))
            if found:
                message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
