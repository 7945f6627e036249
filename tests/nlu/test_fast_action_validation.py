"""The cached validator accepts and rejects exactly what jsonschema.validate does."""

import jsonschema
import pytest

from bot.channels.fast_action_validation import _original_validate, cached_validate

SCHEMA = {
    "type": "object",
    "properties": {"events": {"type": ["array", "null"]}, "responses": {"type": ["array", "null"]}},
}


@pytest.mark.parametrize("instance", [{"events": [], "responses": []}, {"events": None}, {}])
def test_valid_responses_pass(instance):
    assert cached_validate(instance, SCHEMA) is None
    assert _original_validate(instance, SCHEMA) is None


@pytest.mark.parametrize("instance", [{"events": "not a list"}, {"responses": 3}, []])
def test_invalid_responses_raise_the_same_error(instance):
    with pytest.raises(jsonschema.ValidationError) as ours:
        cached_validate(instance, SCHEMA)
    with pytest.raises(jsonschema.ValidationError) as theirs:
        _original_validate(instance, SCHEMA)
    assert ours.value.message == theirs.value.message


def test_the_rasa_action_schema_validates_a_real_response():
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cached_validate({"events": [{"event": "slot", "name": "case", "value": {}}], "responses": [{"text": "hi"}]}, schema)
    with pytest.raises(jsonschema.ValidationError):
        cached_validate({"events": "nope"}, schema)
