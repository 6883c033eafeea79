"""Schemathesis against the app's own OpenAPI: every operation, valid and invalid inputs, a fixed seed.

Zero server errors, and every answer matches what the schema documents (status, content type, shape).
"""

from __future__ import annotations

import uuid

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis.checks import positive_data_acceptance  # noqa: E402

from musicgen_app.config import Settings  # noqa: E402
from musicgen_app.web import create_app  # noqa: E402

_MODES = ("positive", "negative")


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    settings_ = Settings(
        data_dir=tmp_path_factory.mktemp("fuzz"),
        engine="symbolic",
        ui=False,
        workers=0,
        queue_max=10_000,
        allowed_hosts="testserver",
        webhook_allow_http=True,  # the https-only rule is a server setting the schema cannot show
    )
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(settings_))


_CROSS_FIELD_RULES = {
    "structure": ("room for", "a loop has no section plan"),  # fits the duration; not with loop
    "exclude": ("which the instruments field asks for",),
    "mute": ("at least one stem playing",),  # a remix's mute list and levels together
    "seconds": ("the track would last",),  # an extend past the longest track
    "track": ("needs a track of the symbolic", "cannot be"),  # what the parent is
    "end_s": ("must be after start_s", "must be at most the track's"),  # a regenerate's span
    "section": ("the track has",),  # a regenerate's section index past the track's sections
    # lyrics need an engine that sings: this server's configured engine (symbolic) cannot, and whether one
    # is available, or the lyrics fit its tokenizer, is the server's state, not the schema's
    "lyrics": ("cannot sing", "needs an engine that sings", "token lyric limit"),
}


def _cross_field_refusal(response) -> bool:
    """A 422 that names only the rules spanning fields which the schema cannot express."""
    if response.status_code != 422:
        return False
    details = response.json()["error"]["details"]
    return bool(details) and all(
        any(phrase in d["rule"] for phrase in _CROSS_FIELD_RULES.get(d["field"], ())) for d in details
    )


def _operations(schema) -> list:
    return [result.ok() for result in schema.get_all_operations()]


def test_the_schema_has_every_route(api_schema) -> None:
    labels = {op.label for op in _operations(api_schema)}
    assert {"POST /v1/music/generate", "GET /v1/music/{track_id}/stems/{stem}", "GET /healthz"} <= labels


@pytest.mark.parametrize("mode", _MODES)
def test_every_operation_keeps_its_contract(api_schema, mode: str) -> None:
    failures: list[str] = []
    for operation in _operations(api_schema):
        strategy = operation.as_strategy(generation_mode=schemathesis.GenerationMode(mode))

        @settings(max_examples=25, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
        @given(strategy)
        def check(case) -> None:
            if mode == "positive" and case.headers and "Idempotency-Key" in case.headers:
                # a key reused with another body is refused by design (tests/test_idempotency.py); here
                # every valid request gets a key of its own
                case.headers["Idempotency-Key"] = uuid.uuid4().hex
            response = case.call()
            # Some request rules span fields in ways JSON Schema cannot say (a structure must fit the
            # duration; exclude may not name an instrument asked for; a remix must leave a stem
            # playing): a schema-valid body that breaks one is a 422 that names the field.
            excluded = [positive_data_acceptance] if _cross_field_refusal(response) else []
            case.validate_response(response, excluded_checks=excluded)

        try:
            check()
        except Unsatisfiable:
            continue  # nothing about this operation can be made invalid (no parameters, free strings)
        except Exception as exc:  # collect them all: one run shows every operation that breaks
            failures.append(f"{operation.label}: {str(exc)[:600]}")
    assert not failures, "\n\n".join(failures)
