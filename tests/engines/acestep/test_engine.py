"""The ACE-Step engine's parts on a tiny pipeline: what it finds on disk, its conditioning, its lyrics
count, and the audio contract (exact length, 44.1 kHz stereo, progress, seeds)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from musicgen_app.engines.acestep.conditioning import INSTRUMENTAL_LYRICS, conditioning
from musicgen_app.engines.acestep.engine import LICENSE, AcestepEngine, check_lyrics
from musicgen_app.engines.acestep.loader import find_pipeline, load_pipeline, lyrics_template
from musicgen_app.errors import InvalidRequest
from musicgen_app.prompt.interpret import interpret
from musicgen_app.request import parse_request


def plan_for(**body):
    return interpret(parse_request({"prompt": "dreamy pop song", "duration": 5, **body}), seed=4)


def test_a_complete_checkpoint_is_found_on_disk(tiny_acestep_dir) -> None:
    assert find_pipeline(str(tiny_acestep_dir)) == (True, "")


@pytest.mark.parametrize("remove", ["model_index.json", "transformer", "vae", "text_encoder", "tokenizer"])
def test_a_missing_part_is_named_with_where_it_looked(tiny_acestep_dir, tmp_path, remove: str) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tiny_acestep_dir, broken)
    target = broken / remove
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    ok, why = find_pipeline(str(broken))
    assert not ok and "ACE-Step" in why and str(broken) in why and "MUSICGEN_APP_ACESTEP_MODEL" in why


def test_a_hub_id_not_in_the_cache_is_unavailable_without_network() -> None:
    ok, why = find_pipeline("ACE-Step/acestep-v15-turbo-diffusers")
    assert not ok and "hf download ACE-Step/acestep-v15-turbo-diffusers" in why


def test_lyrics_template_is_what_the_pipeline_tokenizes(tiny_acestep_dir) -> None:
    pipe = load_pipeline(str(tiny_acestep_dir), device="cpu").pipe
    lyrics = "[verse]\nhello"
    assert pipe._format_prompt("x", lyrics=lyrics, vocal_language="en")[1] == lyrics_template(lyrics)


def test_lyrics_past_the_token_limit_are_refused(tiny_acestep_dir) -> None:
    check_lyrics(str(tiny_acestep_dir), "[verse]\nla la la")
    with pytest.raises(InvalidRequest) as caught:
        check_lyrics(str(tiny_acestep_dir), "zq" * 1500)
    assert caught.value.details[0].field == "lyrics" and "2048" in caught.value.details[0].rule


def test_conditioning_carries_the_plan_and_the_numerator_of_the_meter() -> None:
    cond = conditioning(plan_for(tempo=96, key="F# minor", time_signature="3/4", engine="symbolic"))
    assert (cond.bpm, cond.keyscale, cond.timesignature) == (96, "F# minor", "3")
    assert cond.caption.startswith("dreamy pop song") and cond.caption.count("pop") == 1


@pytest.mark.parametrize(
    ("body", "lyrics", "word"),
    [
        ({"lyrics": "[chorus]\nhey"}, "[chorus]\nhey", "vocals"),
        ({"vocals": "wordless"}, "", "wordless vocals"),
        ({"vocals": "none"}, INSTRUMENTAL_LYRICS, "instrumental"),
    ],
)
def test_vocals_choice_reaches_lyrics_and_caption(body: dict, lyrics: str, word: str) -> None:
    cond = conditioning(plan_for(**body))
    assert cond.lyrics == lyrics and cond.caption.endswith(word)


@pytest.fixture(scope="module")
def tiny_engine(tiny_acestep_dir) -> AcestepEngine:
    return AcestepEngine(str(tiny_acestep_dir), device="cpu", local_files_only=True)


def test_result_is_exact_stereo_44k_with_the_mix_in_other(tiny_engine) -> None:
    seen: list[float] = []
    result = tiny_engine.generate(plan_for(lyrics="[verse]\nla"), progress=seen.append)
    assert result.stems.other.shape == (5 * 44_100, 2) and np.isfinite(result.stems.other).all()
    assert not result.stems.vocals.any() and result.extra["stems_separated"] is False
    assert seen == sorted(seen) and len(seen) == tiny_engine.steps + 1 and seen[-1] == 1.0
    assert result.license == LICENSE and result.model == tiny_engine.model_id


def test_an_explicit_tempo_is_locked_or_said_not_to_be(tiny_engine) -> None:
    result = tiny_engine.generate(plan_for(tempo=100))
    assert result.stems.frames == 5 * 44_100
    locked = result.extra["tempo_locked"]
    assert locked or any("could not be locked to 100 BPM" in n for n in result.notices)


def test_same_seed_same_audio(tiny_engine) -> None:
    first, second = (tiny_engine.generate(plan_for()).stems.other for _ in range(2))
    assert np.array_equal(first, second)
