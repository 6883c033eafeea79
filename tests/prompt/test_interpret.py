"""interpret(): explicit fields win, defaults are seeded and idiomatic, every Plan is valid."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musicgen_app.errors import UnknownGenre
from musicgen_app.genres import GENRES, genre_by_id
from musicgen_app.plan import Plan
from musicgen_app.prompt import GenreMatcher, interpret
from musicgen_app.prompt.keys import IDIOMATIC_KEYS, spell_pitch_class
from musicgen_app.request import GenerationRequest


@pytest.fixture(scope="module")
def lexical() -> GenreMatcher:
    """A matcher without the embedding model: fast, and what a machine without the model gets."""
    return GenreMatcher(None)


def plan_for(prompt: str, matcher: GenreMatcher, *, seed: int = 7, **fields) -> Plan:
    return interpret(GenerationRequest(prompt=prompt, **fields), seed=seed, matcher=matcher)


def test_explicit_genre_and_tempo_win_over_the_prompt(lexical):
    plan = plan_for("fast drum and bass at 174 bpm", lexical, genre="Lo Fi", tempo_bpm=72)
    assert (plan.genre, plan.tempo_bpm) == ("lo-fi", 72)
    assert plan.sources["genre"] == "explicit"
    assert plan.sources["tempo_bpm"] == "explicit"


def test_explicit_genre_alias_goes_through_resolve_genre(lexical):
    assert plan_for("something nice", lexical, genre="dnb").genre == "drum and bass"


def test_unknown_explicit_genre_lists_close_matches(lexical):
    with pytest.raises(UnknownGenre) as caught:
        plan_for("anything", lexical, genre="jaz")
    assert "jazz" in caught.value.message
    assert caught.value.details[0].field == "genre"


def test_prompt_tempo_is_kept_outside_the_genre_range(lexical):
    plan = plan_for("lofi at 120 bpm", lexical)
    assert plan.tempo_bpm == 120
    assert plan.sources["tempo_bpm"] == "prompt"


def test_tempo_words_stay_inside_the_genre_range(lexical):
    slow, fast = plan_for("slow drum and bass", lexical), plan_for("fast drum and bass", lexical)
    low, high = genre_by_id("drum and bass").tempo_range
    assert low <= slow.tempo_bpm < fast.tempo_bpm <= high


def test_not_too_fast_is_below_the_default(lexical):
    plan = plan_for("synthwave, not too fast", lexical)
    assert plan.tempo_bpm < genre_by_id("synthwave").default_tempo
    assert plan.excluded == ()


def test_default_tempo_moves_with_mood_energy(lexical):
    calm = plan_for("calm peaceful house", lexical)
    wild = plan_for("aggressive intense house", lexical)
    assert calm.tempo_bpm < genre_by_id("house").default_tempo < wild.tempo_bpm
    assert calm.sources["tempo_bpm"] == "mood"
    assert plan_for("house", lexical).tempo_bpm == genre_by_id("house").default_tempo


def test_mood_chooses_the_mode_when_the_prompt_names_none(lexical):
    assert plan_for("sad piano", lexical).mode == "minor"
    assert plan_for("happy piano", lexical).mode == "major"
    assert plan_for("sad piano", lexical).sources["mode"] == "mood"


def test_prompt_mode_beats_mood(lexical):
    plan = plan_for("a sad song in C major", lexical)
    assert (plan.key, plan.mode) == ("C", "major")
    assert plan.sources["key"] == plan.sources["mode"] == "prompt"


def test_default_key_is_idiomatic_for_the_genre(lexical):
    for genre in GENRES:
        plan = plan_for("something", lexical, genre=genre.id, seed=11)
        tonics = {spell_pitch_class(k.split()[0]) for k in IDIOMATIC_KEYS[genre.id]}
        assert plan.key in tonics
        assert plan.sources["key"] == "default"


def test_same_seed_same_plan_different_seeds_vary(lexical):
    first = plan_for("dreamy pop", lexical, seed=123)
    assert plan_for("dreamy pop", lexical, seed=123) == first
    keys = {plan_for("dreamy pop", lexical, seed=seed).key_name for seed in range(40)}
    assert len(keys) > 1


def test_energy_and_brightness_follow_moods(lexical):
    dark = plan_for("dark aggressive techno", lexical)
    bright = plan_for("happy cheerful techno", lexical)
    assert dark.brightness < bright.brightness
    assert dark.energy > plan_for("calm techno", lexical).energy


def test_time_signature_from_prompt_else_genre(lexical):
    assert plan_for("a romantic waltz", lexical).time_signature == (3, 4)
    plan = plan_for("rock", lexical)
    assert plan.time_signature == genre_by_id("rock").time_signature
    assert plan.sources["time_signature"] == "genre default"


def test_negated_vocals_switch_vocals_off(lexical):
    plan = plan_for("pop song with vocals, no wait, instrumental", lexical)
    assert "vocals" in plan.excluded
    assert not plan.vocals


def test_no_genre_word_uses_the_fallback_and_says_so(lexical):
    plan = plan_for("music for a rainy afternoon in a café", lexical)
    assert plan.sources["genre"] == "lexical"
    assert plan.ambience == ("rain",)
    assert plan.genre in {"lo-fi", "jazz", "acoustic", "bossa nova"}


def test_a_failing_model_loader_falls_back_without_crashing():
    def broken_loader():
        raise OSError("weights missing")

    matcher = GenreMatcher(broken_loader)
    plan = interpret(GenerationRequest(prompt="music for a quiet evening"), seed=1, matcher=matcher)
    assert plan.sources["genre"] == "lexical"
    assert "weights missing" in matcher.load_error


def test_plan_round_trips_through_a_dict(lexical):
    plan = plan_for("Waltz in 3/4 for a ballroom, romantic strings, no drums", lexical)
    assert Plan.from_dict(plan.as_dict()) == plan


@settings(max_examples=60, deadline=None)
@given(
    prompt=st.text(min_size=1, max_size=120).filter(lambda s: s.strip()),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_any_prompt_gives_a_valid_deterministic_plan(prompt, seed):
    matcher = GenreMatcher(None)
    request = GenerationRequest(prompt=prompt.strip())
    plan = interpret(request, seed=seed, matcher=matcher)
    assert plan == interpret(request, seed=seed, matcher=matcher)
    assert 40 <= plan.tempo_bpm <= 220
    assert 0.0 <= plan.energy <= 1.0 and 0.0 <= plan.brightness <= 1.0
    assert not set(plan.instruments) & set(plan.excluded)


@settings(max_examples=40, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(
            ["slow", "fast", "very", "not", "too", "lofi", "metal", "sad", "happy", "90s", "8-bit",
             "no", "drums", "piano", "calm", "frantic", "ambient", "laid-back", "half-time", "and"]
        ),
        min_size=1,
        max_size=8,
    )
)  # fmt: skip
def test_tempo_stays_in_the_genre_range_without_a_bpm(words):
    plan = interpret(GenerationRequest(prompt=" ".join(words)), seed=0, matcher=GenreMatcher(None))
    low, high = genre_by_id(plan.genre).tempo_range
    if plan.sources["genre"] == "prompt":
        assert low <= plan.tempo_bpm <= high
    else:
        assert 40 <= plan.tempo_bpm <= 220


def test_tempo_words_keep_their_usual_meaning_when_the_genre_is_guessed(lexical):
    slow = plan_for("a slow piece for a rainy spa afternoon", lexical)
    fast = plan_for("a very fast chase through the city", lexical)
    assert slow.sources["genre"] == fast.sources["genre"] == "lexical"
    assert slow.tempo_bpm <= 80
    assert fast.tempo_bpm >= 150


@pytest.mark.parametrize(
    ("prompt", "guitar"),
    [
        ("bossa nova with guitar and brushes", "nylon guitar"),
        ("country song with a guitar", "acoustic guitar"),
        ("rock with guitars", "electric guitar"),
        ("bossa nova with an electric guitar", "electric guitar"),
    ],
)
def test_a_bare_guitar_is_the_genres_own_guitar(lexical, prompt, guitar):
    guitars = [n for n in plan_for(prompt, lexical).instruments if "guitar" in n]
    assert guitars == [guitar]


def test_bare_number_after_at_is_a_tempo_unless_a_unit_says_otherwise(lexical):
    assert plan_for("upbeat EDM with a big drop at 128", lexical).tempo_bpm == 128
    assert plan_for("house music for a party at 10 pm", lexical).tempo_bpm != 10
