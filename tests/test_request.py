"""The request rules: every field, every rule, one error naming each broken field."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from musicgen_app.errors import InvalidRequest
from musicgen_app.request import parse_request


def fields_of(exc: InvalidRequest) -> set[str]:
    return {d.field for d in exc.details}


def test_defaults_are_applied() -> None:
    request = parse_request({"prompt": "  lo-fi beat  "})
    assert request.prompt == "lo-fi beat"
    assert (request.duration_s, request.output_format, request.engine) == (30, "mp3", "auto")
    assert request.tempo_bpm is None and request.seed is None and request.genre is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "prompt"),
        ({"prompt": ""}, "prompt"),
        ({"prompt": "   "}, "prompt"),
        ({"prompt": "x" * 2001}, "prompt"),
        ({"prompt": 7}, "prompt"),
        ({"prompt": "a", "duration": 4}, "duration"),
        ({"prompt": "a", "duration": 301}, "duration"),
        ({"prompt": "a", "duration": "30"}, "duration"),
        ({"prompt": "a", "duration": 30.5}, "duration"),
        ({"prompt": "a", "duration": True}, "duration"),
        ({"prompt": "a", "tempo": 39}, "tempo"),
        ({"prompt": "a", "tempo": 221}, "tempo"),
        ({"prompt": "a", "output_format": "aac"}, "output_format"),
        ({"prompt": "a", "engine": "gpt"}, "engine"),
        ({"prompt": "a", "seed": -1}, "seed"),
        ({"prompt": "a", "genre": ""}, "genre"),
        ({"prompt": "a", "colour": "blue"}, "colour"),
    ],
)
def test_each_rule_names_its_field(body: dict, field: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_request(body)
    assert field in fields_of(caught.value)
    assert field in caught.value.message
    assert caught.value.code == "invalid_request"


def test_all_broken_fields_are_reported_together() -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_request({"prompt": "", "duration": 1, "tempo": 500})
    assert fields_of(caught.value) == {"prompt", "duration", "tempo"}


@pytest.mark.parametrize("body", [None, [], "prompt", 3])
def test_body_must_be_an_object(body: object) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_request(body)
    assert fields_of(caught.value) == {"body"}


def test_boundaries_are_inclusive() -> None:
    parse_request({"prompt": "x" * 2000, "duration": 5, "tempo": 40})
    parse_request({"prompt": "a", "duration": 300, "tempo": 220, "output_format": "flac"})


@pytest.mark.parametrize(
    "body", [{"output_format": "FLAC"}, {"output_format": " mp3"}, {"engine": "Symbolic"}]
)
def test_choices_are_exact_as_the_schema_documents(body: dict) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_request({"prompt": "a", **body})
    assert fields_of(caught.value) == set(body)
    assert "must be one of" in caught.value.message


def test_an_integral_number_is_an_integer_as_in_json_schema() -> None:
    assert parse_request({"prompt": "a", "duration": 30.0}).duration_s == 30


@given(st.integers(min_value=5, max_value=300), st.integers(min_value=40, max_value=220))
def test_every_valid_duration_and_tempo_is_accepted(duration: int, tempo: int) -> None:
    request = parse_request({"prompt": "a", "duration": duration, "tempo": tempo})
    assert (request.duration_s, request.tempo_bpm) == (duration, tempo)
