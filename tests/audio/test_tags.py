"""Tags: the value type, and any text surviving every container."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from musicgen_app.audio.encode import encode_audio
from musicgen_app.audio.tags import TAG_KEYS, Tags, read_tags
from musicgen_app.formats import OUTPUT_FORMATS

from .synthetic import SR


def make_tags(**changes) -> Tags:
    fields = {
        "title": "t",
        "engine": "symbolic 0.1.0",
        "model": "FluidR3_GM.sf2",
        "prompt": "calm piano",
        "seed": 7,
        "license": "royalty-free",
    }
    return Tags(**{**fields, **changes})


def test_seed_is_kept_as_text_and_defaults_fill_in():
    tags = make_tags()
    assert tags.seed == "7"
    assert tags.artist == "musicgen_app"
    # empty fields (no comment; not a loop) are left out
    empty = ("comment", "loopstart", "looplength")
    assert list(tags.as_dict()) == [key for key in TAG_KEYS if key not in empty]
    with pytest.raises(dataclasses.FrozenInstanceError):
        tags.title = "other"


def test_non_text_tags_are_refused_and_nul_is_dropped():
    with pytest.raises(TypeError):
        make_tags(title=3)
    assert make_tags(prompt="a\0b").prompt == "ab"


def test_read_tags_refuses_what_is_not_audio(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello, not audio")
    with pytest.raises(ValueError):
        read_tags(path)


# Text a user may type: any printable character, line breaks, backslashes; outer spaces kept.
prompts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\0")
    | st.sampled_from("\n\r\t\\"),
    min_size=1,
    max_size=300,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prompt=prompts, fmt=st.sampled_from(OUTPUT_FORMATS))
def test_any_prompt_survives_every_container(tmp_path, prompt, fmt):
    audio = np.zeros((2048, 2), dtype=np.float32)
    tags = make_tags(prompt=prompt, comment=prompt[::-1])
    path = encode_audio(audio, SR, tmp_path / f"t.{fmt}", fmt, tags=tags)
    assert read_tags(path) == tags.as_dict()


def test_a_long_unicode_prompt_survives_wav(tmp_path):
    # 2000 characters of 4-byte UTF-8: libsndfile's own INFO reader gives up on strings this long.
    tags = make_tags(prompt="🎹" * 2000)
    path = encode_audio(np.zeros((100, 2), np.float32), SR, tmp_path / "t.wav", "wav", tags=tags)
    assert read_tags(path)["prompt"] == "🎹" * 2000


def test_wav_with_empty_license_still_encodes(tmp_path) -> None:
    import numpy as np

    from musicgen_app.audio.encode import encode_audio
    from musicgen_app.audio.tags import Tags, read_tags

    tags = Tags(title="t", engine="demucs", model="m", prompt="p", seed="1", license="")
    path = encode_audio(np.zeros((4410, 2), np.float32), 44_100, tmp_path / "a.wav", "wav", tags=tags)
    assert read_tags(path)["title"] == "t"


@pytest.mark.parametrize("fmt", ["wav", "flac", "ogg", "mp3"])
def test_a_loop_says_where_it_loops_in_every_container(tmp_path, fmt: str) -> None:
    import numpy as np

    from musicgen_app.audio.encode import encode_audio
    from musicgen_app.audio.tags import read_smpl_loop

    audio = np.zeros((44_100, 2), dtype=np.float32)
    path = encode_audio(
        audio, 44_100, tmp_path / f"loop.{fmt}", fmt, tags=make_tags(loopstart="0", looplength="44100")
    )
    assert {k: read_tags(path)[k] for k in ("loopstart", "looplength")} == {
        "loopstart": "0",
        "looplength": "44100",
    }
    if fmt == "wav":
        assert read_smpl_loop(path) == (0, 44_099)
        import soundfile as sf

        assert sf.info(str(path)).frames == 44_100  # the chunk after the audio leaves it readable
