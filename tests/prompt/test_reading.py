"""read_prompt on tricky phrasings: negations, decades versus BPM, compounds, keys, meters."""

from __future__ import annotations

import pytest

from musicgen_app.prompt import read_prompt
from musicgen_app.prompt.lexicon import tokenize


@pytest.mark.parametrize(
    ("text", "bpm"),
    [
        ("house at 120 bpm", 120),
        ("a groove at 90BPM", 90),
        ("around 80 bpm, steady", 80),
        ("tempo: 132, dark", 132),
        ("somewhere between 120-130 bpm", 125),
        ("174 beats per minute", 174),
        ("a blistering 300 bpm", 220),
    ],
)
def test_explicit_bpm_is_read(text, bpm):
    assert read_prompt(text).tempo_bpm == bpm


@pytest.mark.parametrize(
    "text",
    [
        "a 90s hip hop beat",
        "70s funk with horn stabs",
        "an 80s synthwave drive",
        "16-bit video game theme",
        "8 bit boss battle",
        "1990s eurodance",
        "music for my 60th birthday",
    ],
)
def test_decades_and_bit_depths_are_not_tempos(text):
    assert read_prompt(text).tempo_bpm is None


def test_90s_hip_hop_is_hip_hop_not_90_bpm():
    reading = read_prompt("a 90s hip hop beat")
    assert reading.genre == "hip-hop"
    assert reading.tempo_bpm is None


@pytest.mark.parametrize(
    ("text", "genre"),
    [
        ("lofi beats to study to", "lo-fi"),
        ("chillhop with jazzy keys", "lo-fi"),
        ("dnb roller", "drum and bass"),
        ("an EDM anthem", "house"),
        ("boom bap with dusty drums", "hip-hop"),
        ("Drum & Bass at night", "drum and bass"),
        ("classic R&B slow jam", "r&b"),
        ("a haunted house theme with creepy bells", None),
    ],
)
def test_genre_names_aliases_and_subgenres(text, genre):
    assert read_prompt(text).genre == genre


def test_two_genres_first_strong_one_wins():
    assert read_prompt("rock song with a little jazz in the bridge").genre == "rock"
    assert read_prompt("jazz ballad that turns into rock").genre == "jazz"


def test_compound_genre_takes_its_head():
    # "ambient techno" is a kind of techno; "jazz hip hop" a kind of hip hop.
    assert read_prompt("ambient techno for a late drive").genre == "techno"
    assert read_prompt("jazz hip hop instrumental").genre == "hip-hop"


def test_weak_genre_word_loses_to_a_strong_one():
    reading = read_prompt("epic dubstep drop")
    assert reading.genre == "dubstep"
    assert reading.genre_mentions == ("cinematic", "dubstep")


def test_weak_genre_word_inside_instrument_is_not_a_genre():
    reading = read_prompt("country song with acoustic guitar")
    assert reading.genre_mentions == ("country",)


def test_drum_and_bass_is_not_drums_or_bass():
    reading = read_prompt("drum and bass with a piano")
    assert reading.instruments == ("piano",)


def test_negated_instruments_are_excluded_never_instruments():
    reading = read_prompt("no drums, just warm pads")
    assert reading.instruments == ("pad",)
    assert "drums" in reading.excluded
    assert "pad" not in reading.excluded


@pytest.mark.parametrize(
    ("text", "excluded"),
    [
        ("without vocals", "vocals"),
        ("an instrumental track", "vocals"),
        ("no vocals please", "vocals"),
        ("drumless groove", "drums"),
        ("a vocal-less mix", "vocals"),
        ("no words, only music", "vocals"),
        ("piano piece without any percussion", "percussion"),
        ("no drums or bass", "bass"),
        ("no guitars", "distorted guitar"),
        ("without horns", "trumpet"),
    ],
)
def test_negations(text, excluded):
    reading = read_prompt(text)
    assert excluded in reading.excluded
    assert excluded not in reading.instruments


def test_negation_ends_at_a_new_phrase():
    reading = read_prompt("no drums and a warm pad, with a cello")
    assert reading.excluded[0] == "drums"
    assert set(reading.instruments) == {"pad", "cello"}


def test_named_instrument_survives_a_family_negation():
    reading = read_prompt("no drums, only a shaker")
    assert "percussion" in reading.instruments
    assert "percussion" not in reading.excluded


def test_not_too_fast_lowers_tempo_and_excludes_nothing():
    plain = read_prompt("fast synthwave")
    negated = read_prompt("synthwave, not too fast")
    assert negated.excluded == ()
    assert negated.tempo_position is not None and negated.tempo_position < 0.5
    assert plain.tempo_position > negated.tempo_position


def test_very_pushes_tempo_words_to_the_edge():
    assert read_prompt("very fast").tempo_position > read_prompt("fast").tempo_position
    assert read_prompt("very slow").tempo_position < read_prompt("slow").tempo_position


def test_negated_mood_is_not_a_mood():
    assert read_prompt("not sad, but hopeful").moods == ("uplifting",)


def test_vocals_when_voices_are_asked_for():
    assert read_prompt("pop with female vocal oohs").vocals
    assert read_prompt("a choir singing in a cathedral").vocals
    assert not read_prompt("no vocals, no choir").vocals


@pytest.mark.parametrize(
    ("text", "key", "mode"),
    [
        ("Baroque quartet in D minor", "D", "minor"),
        ("blues in E", "E", None),
        ("A flat major ballad", "Ab", "major"),
        ("in F# dorian", "F#", "dorian"),
        ("in the key of Bb", "Bb", None),
        ("in C sharp minor", "C#", "minor"),
        ("written in a minor key", None, "minor"),
        ("music in a café", None, None),
        ("Dbmaj house", None, None),
    ],
)
def test_keys(text, key, mode):
    reading = read_prompt(text)
    assert (reading.key, reading.mode) == (key, mode)


@pytest.mark.parametrize(
    ("text", "meter"),
    [
        ("a waltz for the ballroom", (3, 4)),
        ("Irish jig", (6, 8)),
        ("folk song in 6/8", (6, 8)),
        ("in 3/4 time", (3, 4)),
        ("odd meter jam in 7/8", (7, 8)),
        ("rock in 4/4", (4, 4)),
        ("date 12/25 party", None),
    ],
)
def test_time_signatures(text, meter):
    assert read_prompt(text).time_signature == meter


def test_cafe_afternoon_has_rain_ambience_and_no_genre_word():
    reading = read_prompt("music for a rainy afternoon in a café")
    assert reading.ambience == ("rain",)
    assert reading.genre is None


def test_sea_shanty_is_not_ocean_ambience():
    reading = read_prompt("a sea shanty with accordion")
    assert reading.genre == "folk"
    assert reading.ambience == ()


def test_storm_is_rain_and_wind():
    assert read_prompt("ambient drone during a thunderstorm").ambience == ("rain", "wind")


def test_structure_words():
    reading = read_prompt("intro, long build-up, huge drop, then fade out; loopable")
    assert reading.structure == ("intro", "build-up", "drop", "fade out", "loop")


def test_drop_d_tuning_is_not_a_drop():
    assert read_prompt("metal riffs in drop D").structure == ()


def test_one_drop_reggae_is_not_a_drop():
    assert read_prompt("reggae one-drop groove").structure == ()


def test_evidence_points_at_the_words():
    text = "Chill lo-fi with a Rhodes, 85 BPM"
    reading = read_prompt(text)
    spans = {(e.field, e.value): text[e.start : e.end] for e in reading.evidence}
    assert spans[("genre", "lo-fi")] == "lo-fi"
    assert spans[("instruments", "electric piano")] == "Rhodes"
    assert spans[("tempo_bpm", "85")] == "85 BPM"


def test_tokens_keep_offsets_through_accents():
    text = "Café bodhrán"
    tokens = tokenize(text)
    assert [t.text for t in tokens] == ["cafe", "bodhran"]
    assert [text[t.start : t.end] for t in tokens] == ["Café", "bodhrán"]


def test_reading_is_frozen():
    reading = read_prompt("lofi")
    with pytest.raises(AttributeError):
        reading.genre = "rock"


@pytest.mark.parametrize("text", ["Sad solo piano piece", "cello only, slow", "only a harp and a flute"])
def test_solo_and_only_rule_out_the_rhythm_section_and_voices(text):
    reading = read_prompt(text)
    assert {"drums", "bass", "vocals"} <= set(reading.excluded)
    assert not set(reading.instruments) & set(reading.excluded)


def test_a_guitar_solo_in_a_rock_song_is_not_solo_guitar():
    assert read_prompt("rock song with a blazing guitar solo").excluded == ()


def test_a_cappella_is_voices_without_drums_or_bass():
    reading = read_prompt("an a cappella gospel song")
    assert reading.vocals
    assert {"drums", "bass"} <= set(reading.excluded)
    assert "choir" not in reading.excluded
