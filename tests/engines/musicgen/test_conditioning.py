"""Conditioning text: the prompt plus genre, tempo, key and moods only where the prompt lacks them."""

from __future__ import annotations

import pytest

from musicgen_app.engines.musicgen.conditioning import conditioning_text, mentions

from .conftest import make_plan


def test_everything_missing_is_appended_in_order():
    plan = make_plan(prompt="warm piano over soft rain", moods=("calm", "nostalgic"))

    expected = "warm piano over soft rain, lo-fi, at 80 BPM, in A minor, calm, nostalgic"
    assert conditioning_text(plan) == expected


def test_nothing_is_repeated_when_the_prompt_carries_it_all():
    prompt = "Calm LoFi beat at 80 bpm in A minor"

    assert conditioning_text(make_plan(prompt=prompt, moods=("calm",))) == prompt


@pytest.mark.parametrize(
    ("prompt", "genre", "carried"),
    [
        ("chill lofi beat", "lo-fi", True),
        ("chill lo fi beat", "lo-fi", True),
        ("Lo-Fi hip hop", "lo-fi", True),
        ("rocket sounds", "rock", False),
        ("heavy drum and bass roller", "drum and bass", True),
    ],
)
def test_genre_is_recognised_across_spellings(prompt, genre, carried):
    assert mentions(prompt, genre) is carried
    text = conditioning_text(make_plan(prompt=prompt, genre=genre))
    assert (f", {genre}," in text) is not carried


def test_tempo_is_added_unless_the_same_bpm_is_written():
    assert "at 120 BPM" not in conditioning_text(make_plan(prompt="house at 120bpm", tempo_bpm=120))
    assert "at 120 BPM" in conditioning_text(make_plan(prompt="house", tempo_bpm=120))
    # A different number in the prompt does not stand for the plan's tempo.
    assert "at 120 BPM" in conditioning_text(make_plan(prompt="house, 1200 bpm madness", tempo_bpm=120))


@pytest.mark.parametrize(
    ("prompt", "key", "mode", "carried"),
    [
        ("ballad in A minor", "A", "minor", True),
        ("ballad in a-minor", "A", "minor", True),
        ("a minor detail in a ballad", "A", "minor", False),
        ("ballad in E flat major", "Eb", "major", True),
        ("ballad in D# Major", "Eb", "major", True),
        ("ballad in C major", "A", "minor", False),
    ],
)
def test_key_is_added_only_when_missing(prompt, key, mode, carried):
    text = conditioning_text(make_plan(prompt=prompt, key=key, mode=mode))

    assert (f"in {key} {mode}" in text.removeprefix(prompt)) is not carried


def test_moods_are_added_individually():
    text = conditioning_text(make_plan(prompt="dark ambient drone", genre="ambient", moods=("dark", "eerie")))

    assert text == "dark ambient drone, at 80 BPM, in A minor, eerie"
