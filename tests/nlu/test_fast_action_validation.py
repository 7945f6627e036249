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


RASA_CASES = [
    {"events": [{"event": "slot", "name": "case", "value": {"site": "pancreas"}}, {"event": "followup", "name": "x"}],
     "responses": [{"text": "hi", "buttons": [{"title": "a", "payload": "/b"}]}]},
    {"events": [{"event": "bot", "text": "hello", "timestamp": 1.5, "metadata": {}}], "responses": []},
    {"events": [{"event": "user", "text": "hi", "parse_data": {"intent": {"name": "ask", "confidence": 0.9},
                                                               "entities": [{"entity": "ki67", "value": 12}]}}]},
    {"events": [{"event": "active_loop", "name": None}, {"event": "reset_slots"}, {"event": "restart"}]},
    {"events": [], "responses": [{}]},
    # invalid ones
    {"events": [{"name": "case", "value": 1}]},  # no event name
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": "slot", "name": "case"}]},  # a slot without a value
    {"events": [{"event": "slot", "name": 3, "value": 1}]},
    {"events": [{"event": 7}]},
    {"events": [{"event": "bot", "timestamp": "yesterday"}]},
    {"events": [{"event": "bot", "metadata": "not an object"}]},
    {"events": [{"event": "user", "parse_data": {"entities": [{"entity": "ki67"}]}}]},  # entity without value
    {"events": [{"event": "entities", "entities": "x"}]},
    {"events": ["slot"]},
    {"responses": ["text"]},
    {"events": {"event": "slot"}},
]


@pytest.mark.parametrize("instance", RASA_CASES)
def test_the_rasa_action_schema_verdict_and_error_are_jsonschemas(instance):
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    try:
        _original_validate(instance, schema)
        expected = None
    except jsonschema.ValidationError as error:
        expected = error.message
    try:
        cached_validate(instance, schema)
        got = None
    except jsonschema.ValidationError as error:
        got = error.message
    assert got == expected


def test_the_rasa_action_schema_takes_the_fast_path():
    from rasa.core.actions.action import RemoteAction

    from bot.channels.fast_action_validation import _ResponseValidator

    validator = _ResponseValidator(RemoteAction.action_response_format_spec())
    assert {"slot", "bot", "user", "followup"} <= set(validator.by_event_name)
    assert validator._fast_check_passes(RASA_CASES[0])
    assert not validator._fast_check_passes({"events": [{"event": "slot", "name": "case"}]})
