"""The ``lyrics`` and ``vocals`` fields, and which engines may take them (no model needed)."""

from __future__ import annotations

import pytest

from musicgen_app.engines.controls import engine_for_controls
from musicgen_app.engines.registry import EngineConfig, choose_engine, singing_engine
from musicgen_app.errors import InvalidRequest
from musicgen_app.prompt.interpret import interpret
from musicgen_app.request import MAX_LYRICS_CHARS, GenerationRequest, parse_request

LYRICS = "[verse]\nCity lights are calling me\n\n[chorus]\nSing it loud"


def broken(body: dict) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as caught:
        parse_request({"prompt": "pop song", **body})
    return caught.value


def test_lyrics_keep_their_section_tags_and_lines() -> None:
    request = parse_request({"prompt": "pop song", "lyrics": f"  {LYRICS}\n"})
    assert request.lyrics == LYRICS and request.vocals == "auto" and request.sings


def test_lyrics_at_the_limit_pass_one_more_character_is_refused() -> None:
    assert parse_request({"prompt": "pop", "lyrics": "la " * (MAX_LYRICS_CHARS // 3)}).lyrics
    error = broken({"lyrics": "x" * (MAX_LYRICS_CHARS + 1)})
    assert error.details[0].field == "lyrics" and str(MAX_LYRICS_CHARS) in error.details[0].rule


@pytest.mark.parametrize("engine", ["symbolic", "musicgen"])
def test_an_engine_that_cannot_sing_is_refused_naming_the_field_and_the_singers(engine: str) -> None:
    error = broken({"lyrics": LYRICS, "engine": engine})
    (detail,) = error.details
    assert detail.field == "lyrics" and f"the {engine} engine cannot sing" in detail.rule
    assert "acestep" in detail.rule


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"vocals": "lyrics"}, "lyrics"),
        ({"vocals": "none", "lyrics": LYRICS}, "vocals"),
        ({"vocals": "wordless", "lyrics": LYRICS}, "vocals"),
        ({"vocals": "choir"}, "vocals"),
        ({"vocals": "lyrics", "lyrics": LYRICS, "engine": "musicgen"}, "lyrics"),
        ({"lyrics": 7}, "lyrics"),
        ({"lyrics": "   "}, "lyrics"),
    ],
)
def test_vocals_and_lyrics_must_agree(body: dict, field: str) -> None:
    assert {d.field for d in broken(body).details} == {field}


@pytest.mark.parametrize(("vocals", "voices"), [("none", False), ("wordless", True)])
def test_wordless_and_instrumental_work_on_every_engine(vocals: str, voices: bool) -> None:
    request = parse_request({"prompt": "pop song with a singer", "vocals": vocals, "engine": "symbolic"})
    assert not request.sings
    plan = interpret(request, seed=1)
    assert plan.vocals is voices and plan.lyrics == "" and plan.sources["vocals"] == "explicit"


def test_the_plan_carries_the_lyrics() -> None:
    plan = interpret(parse_request({"prompt": "pop song", "lyrics": LYRICS}), seed=1)
    assert plan.lyrics == LYRICS and plan.vocals


def test_a_server_engine_that_cannot_sing_refuses_lyrics_too() -> None:
    request = GenerationRequest(prompt="pop", lyrics=LYRICS, engine="musicgen")
    with pytest.raises(InvalidRequest) as caught:
        engine_for_controls(request)
    assert caught.value.details[0].field == "lyrics"


def test_lyrics_with_a_symbolic_only_control_cannot_be_honoured() -> None:
    with pytest.raises(InvalidRequest) as caught:
        engine_for_controls(GenerationRequest(prompt="pop", lyrics=LYRICS, loop=True))
    assert caught.value.details[0].field == "loop" and "cannot sing" in caught.value.details[0].rule


def config(tmp_path, order: tuple[str, ...] = ("acestep", "musicgen", "symbolic")) -> EngineConfig:
    from musicgen_app.config import DEFAULT_SOUNDFONT

    return EngineConfig(
        soundfont=DEFAULT_SOUNDFONT,
        musicgen_model=str(tmp_path / "no-musicgen"),
        acestep_model=str(tmp_path / "no-acestep"),
        engine_order=order,
    )


def test_lyrics_without_a_singing_engine_here_is_a_422_saying_why(tmp_path) -> None:
    with pytest.raises(InvalidRequest) as caught:
        singing_engine(config(tmp_path))
    (detail,) = caught.value.details
    assert detail.field == "lyrics" and "acestep" in detail.rule and "no-acestep" in detail.rule


def test_auto_falls_back_along_the_order_and_says_why(tmp_path) -> None:
    engine, notices = choose_engine("auto", config(tmp_path))
    assert engine.name == "symbolic"
    (notice,) = notices
    assert "ACE-Step is not available here" in notice and "MusicGen is not available here" in notice


def test_symbolic_is_the_last_resort_even_when_the_order_leaves_it_out(tmp_path) -> None:
    engine, notices = choose_engine("auto", config(tmp_path, ("musicgen",)))
    assert engine.name == "symbolic" and "MusicGen" in notices[0] and "ACE-Step" not in notices[0]


def test_symbolic_first_in_the_order_needs_no_notice(tmp_path) -> None:
    assert choose_engine("auto", config(tmp_path, ("symbolic", "acestep")))[1] == ()


@pytest.mark.parametrize("order", [(), ("acestep", "acestep"), ("gpt",)])
def test_an_engine_order_names_distinct_known_engines(tmp_path, order) -> None:
    with pytest.raises(ValueError, match="engine_order"):
        config(tmp_path, order)


def test_engine_order_setting_is_read_and_checked(monkeypatch) -> None:
    from musicgen_app.config import load_settings

    monkeypatch.setenv("MUSICGEN_APP_ENGINE_ORDER", " MusicGen , symbolic")
    assert load_settings().engine_config().engine_order == ("musicgen", "symbolic")
    monkeypatch.setenv("MUSICGEN_APP_ENGINE_ORDER", "musicgen,banjo")
    with pytest.raises(ValueError, match="MUSICGEN_APP_ENGINE_ORDER"):
        load_settings()


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"lyrics": LYRICS, "loop": True}, "loop", "cannot sing"),
        ({"lyrics": LYRICS, "time_signature": "3/4"}, "time_signature", "cannot sing"),
        ({"engine": "musicgen", "time_signature": "3/4"}, "time_signature", "musicgen engine cannot follow"),
        ({"engine": "acestep", "loop": True}, "loop", "acestep engine cannot follow"),
    ],
)
def test_controls_no_engine_can_honour_are_refused_by_the_parser(body: dict, field: str, words: str) -> None:
    """Static rules, decided by ``parse_request`` as the published schema decides them (no engine can
    make these whatever is installed), not later by the submit."""
    with pytest.raises(InvalidRequest) as caught:
        parse_request({"prompt": "pop song", **body})
    detail = caught.value.details[0]
    assert detail.field == field and words in detail.rule
