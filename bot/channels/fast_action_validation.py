"""Validate action-server responses without re-checking the schema on every turn.

Rasa 3.6 calls `jsonschema.validate(response, schema)` for every custom-action response, and
jsonschema 4.17 re-validates the schema itself on each call: about a quarter of the Rasa process's
CPU per turn in bench/profile_turns.py. This keeps one compiled validator per schema. The result
and the error raised for an invalid response are the same as jsonschema.validate's.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Tuple

import jsonschema
from jsonschema import exceptions as jsonschema_exceptions
from jsonschema.validators import validator_for

_original_validate = jsonschema.validate
_validators: Dict[Tuple[str, Any], Any] = {}


def cached_validate(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
    if args or kwargs:
        return _original_validate(instance, schema, cls, *args, **kwargs)
    try:
        key = (json.dumps(schema, sort_keys=True), cls)
    except (TypeError, ValueError):
        return _original_validate(instance, schema, cls)
    validator = _validators.get(key)
    if validator is None:
        validator_class = cls or validator_for(schema)
        validator_class.check_schema(schema)
        validator = _validators[key] = validator_class(schema)
    error = jsonschema_exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


def install() -> None:
    """Rasa imports `validate` from jsonschema at call time, so replacing it here is enough."""
    jsonschema.validate = cached_validate
