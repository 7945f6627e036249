"""Experiment (bench --experiments only): Rasa 3.6 validates every action-server response with
`jsonschema.validate`, which re-checks the schema itself on each call (jsonschema 4.17: ~20 % of the Rasa
process's time per turn in bench/profile_turns.py). This caches one validator per schema: same result,
same error, the schema is checked once. Loaded through PYTHONPATH by Python's sitecustomize hook.
"""

import json

import jsonschema
from jsonschema import exceptions as _exceptions
from jsonschema.validators import validator_for

_original_validate = jsonschema.validate
_validators = {}


def _cached_validate(instance, schema, cls=None, *args, **kwargs):
    if args or kwargs:
        return _original_validate(instance, schema, cls, *args, **kwargs)
    try:
        key = (json.dumps(schema, sort_keys=True), cls)
    except (TypeError, ValueError):
        return _original_validate(instance, schema, cls)
    validator = _validators.get(key)
    if validator is None:
        klass = cls or validator_for(schema)
        klass.check_schema(schema)
        validator = _validators[key] = klass(schema)
    error = _exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


jsonschema.validate = _cached_validate
