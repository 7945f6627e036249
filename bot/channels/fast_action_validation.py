"""Validate action-server responses in a fraction of the time Rasa takes, with the same verdict.

Rasa 3.6 calls `jsonschema.validate(response, schema)` for every custom-action response. Two things
make that slow (bench/profile_turns.py):
- jsonschema 4.17 checks the schema itself on every call (about a quarter of the Rasa server's CPU per
  turn before this module): the validator is built once per schema here;
- the schema checks each returned event against `oneOf` some 25 event schemas, which costs about 0.5 ms
  per event (2.4 ms for a NETguide answer that sets five slots). Each of those alternatives fixes a
  different `event` name (a `const`), so an event can only ever match the alternative of its own name:
  checking the event against that one alternative gives the same verdict as `oneOf` over all of them.
  The remaining checks are compiled to Python by fastjsonschema (another 25x); together 0.02 ms.

When anything fails the fast check, or the schema does not have that shape, the response is checked
again by the full jsonschema validator, so an invalid response raises exactly the error
jsonschema.validate raises.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Dict, Optional, Tuple

import fastjsonschema
import jsonschema
from jsonschema import exceptions as jsonschema_exceptions
from jsonschema.validators import validator_for

_original_validate = jsonschema.validate


class _ResponseValidator:
    """The full validator of a schema, plus the fast path when its events are a discriminated oneOf."""

    def __init__(self, schema: Dict[str, Any], cls: Any = None) -> None:
        validator_class = cls or validator_for(schema)
        validator_class.check_schema(schema)
        self.full = validator_class(schema)
        self.without_event_alternatives: Optional[Any] = None
        self.by_event_name: Dict[str, Any] = {}
        split = _split_event_alternatives(schema)
        if split is not None:
            outer, alternatives = split
            self.without_event_alternatives = _compiled(outer)
            self.by_event_name = {name: _compiled(alternative) for name, alternative in alternatives.items()}

    def validate(self, instance: Any) -> None:
        if not self._fast_check_passes(instance):
            error = jsonschema_exceptions.best_match(self.full.iter_errors(instance))
            if error is not None:
                raise error

    def _fast_check_passes(self, instance: Any) -> bool:
        if self.without_event_alternatives is None:
            return False
        try:
            self.without_event_alternatives(instance)
            for event in instance.get("events") or []:
                self.by_event_name[event["event"]](event)
        except (fastjsonschema.JsonSchemaException, KeyError, TypeError, AttributeError):
            return False  # the full validator decides, and names the error
        return True


def _compiled(schema: Dict[str, Any]) -> Any:
    return fastjsonschema.compile(schema)


def _split_event_alternatives(schema: Any) -> Optional[Tuple[Dict[str, Any], Dict[str, Any]]]:
    """(the schema without the events' oneOf, {event name: its alternative}) or None if the shape differs."""
    try:
        items = schema["properties"]["events"]["items"]
        alternatives = items["oneOf"]
        names = [alternative["properties"]["event"]["const"] for alternative in alternatives]
    except (KeyError, TypeError):
        return None
    if len(set(names)) != len(names) or not all(isinstance(name, str) for name in names):
        return None
    if "event" not in items.get("required", []):
        return None
    outer = copy.deepcopy(schema)
    del outer["properties"]["events"]["items"]["oneOf"]
    return outer, dict(zip(names, alternatives))


_validators: Dict[Tuple[str, Any], _ResponseValidator] = {}


def cached_validate(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
    if args or kwargs:
        return _original_validate(instance, schema, cls, *args, **kwargs)
    try:
        key = (json.dumps(schema, sort_keys=True), cls)
    except (TypeError, ValueError):
        return _original_validate(instance, schema, cls)
    validator = _validators.get(key)
    if validator is None:
        validator = _validators[key] = _ResponseValidator(schema, cls)
    validator.validate(instance)


def install() -> None:
    """Rasa imports `validate` from jsonschema at call time, so replacing it here is enough."""
    jsonschema.validate = cached_validate
