"""The musicgen engine end to end on a tiny random-weight checkpoint loaded like a real one."""

from __future__ import annotations

import itertools
import json
import shutil

import huggingface_hub.constants
import numpy as np
import pytest

from musicgen_app.engines.musicgen.engine import LICENSE, MusicgenEngine
from musicgen_app.engines.musicgen.loader import CPU_PRECISION, load_model, resolve_precision
from musicgen_app.errors import EngineUnavailable, InvalidRequest
from musicgen_app.formats import SAMPLE_RATE

from .conftest import make_plan


@pytest.mark.parametrize(("duration_s", "windows"), [(5.0, 1), (30.0, 1), (45.0, 2)])
def test_exact_duration_and_windows(tiny_engine, duration_s, windows):
    result = tiny_engine.generate(make_plan(duration_s=duration_s))

    assert result.stems.frames == round(duration_s * SAMPLE_RATE)
    assert result.stems.sample_rate == SAMPLE_RATE
    assert result.stems.other.shape == (round(duration_s * SAMPLE_RATE), 2)
    assert result.extra["windows"] == windows
    assert np.all(np.isfinite(result.stems.other))
    assert np.abs(result.stems.other).max() > 0


def test_progress_is_monotonic_and_ends_at_one(tiny_engine):
    seen: list[float] = []
    tiny_engine.generate(make_plan(duration_s=45.0), progress=seen.append)

    assert len(seen) > 10
    assert all(0.0 < value <= 1.0 for value in seen)
    assert all(later > earlier for earlier, later in itertools.pairwise(seen))
    assert seen[-1] == 1.0


def test_same_seed_same_audio_and_different_seeds_differ(tiny_engine):
    first = tiny_engine.generate(make_plan(seed=11)).stems.other
    again = tiny_engine.generate(make_plan(seed=11)).stems.other
    other = tiny_engine.generate(make_plan(seed=12)).stems.other

    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


def test_result_metadata_and_stems(tiny_engine, tiny_musicgen_dir):
    result = tiny_engine.generate(make_plan(prompt="dreamy synth pads"))

    assert result.engine == "musicgen"
    assert result.model == str(tiny_musicgen_dir)
    assert result.license == LICENSE == "CC-BY-NC-4.0 (MusicGen weights)"
    assert result.extra["stems_separated"] is False
    assert result.extra["conditioning_text"] == "dreamy synth pads, lo-fi, at 80 BPM, in A minor, calm"
    assert result.extra["measured_tempo_bpm"] >= 0.0
    assert any("not separated" in notice for notice in result.notices)
    for name in ("vocals", "drums", "bass"):
        assert not np.any(getattr(result.stems, name))
    np.testing.assert_array_equal(result.stems.mix(), result.stems.other)


def test_explicit_tempo_is_locked_or_explained(tiny_engine):
    result = tiny_engine.generate(make_plan(tempo_bpm=120, sources={"tempo_bpm": "explicit"}))

    assert result.stems.frames == 5 * SAMPLE_RATE
    if result.extra["tempo_locked"]:
        assert 0.85 <= result.extra["tempo_stretch_rate"] <= 1.15
    else:
        assert any("could not be locked to 120 BPM" in notice for notice in result.notices)


def test_stereo_checkpoint_gives_two_distinct_channels_across_windows(tiny_stereo_musicgen_dir):
    engine = MusicgenEngine(
        str(tiny_stereo_musicgen_dir), device="cpu", local_files_only=True, window_s=8.0, prompt_s=3.0
    )
    result = engine.generate(make_plan(duration_s=12.0))

    audio = result.stems.other
    assert result.extra["windows"] == 2
    assert audio.shape == (12 * SAMPLE_RATE, 2)
    assert not np.allclose(audio[:, 0], audio[:, 1])


def test_guidance_can_be_switched_off(tiny_musicgen_dir):
    engine = MusicgenEngine(str(tiny_musicgen_dir), device="cpu", local_files_only=True, guidance_scale=1.0)
    guided = MusicgenEngine(str(tiny_musicgen_dir), device="cpu", local_files_only=True)

    plain = engine.generate(make_plan()).stems.other
    assert plain.shape == (5 * SAMPLE_RATE, 2)
    assert not np.allclose(plain, guided.generate(make_plan()).stems.other)


def test_model_is_loaded_once_per_process(tiny_musicgen_dir):
    first = load_model(str(tiny_musicgen_dir), device="cpu", local_files_only=True)
    assert load_model(str(tiny_musicgen_dir), device="cpu", local_files_only=True) is first


def test_missing_model_is_unavailable_with_a_clear_message(tmp_path):
    engine = MusicgenEngine(str(tmp_path / "no-such-model"), device="cpu", local_files_only=True)

    ok, why = engine.available()
    assert ok is False
    assert "no-such-model" in why and "MUSICGEN_APP_MUSICGEN_MODEL" in why
    with pytest.raises(EngineUnavailable) as raised:
        engine.generate(make_plan())
    message = raised.value.message
    assert "no-such-model" in message
    assert "MUSICGEN_APP_MUSICGEN_MODEL" in message and "Hugging Face cache" in message


def _fake_hub_cache(root, repo_id: str, files_from=None):
    """The Hugging Face cache layout: models--org--name/{refs/main, snapshots/<rev>/files}."""
    repo = root / ("models--" + repo_id.replace("/", "--"))
    snapshot = repo / "snapshots" / "0123abcd"
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abcd")
    for source in sorted(files_from.iterdir()) if files_from else []:
        shutil.copy(source, snapshot / source.name)
    return snapshot


def test_hub_id_not_in_cache_is_unavailable(tmp_path, monkeypatch):
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    engine = MusicgenEngine("facebook/musicgen-small", device="cpu", local_files_only=True)

    ok, why = engine.available()
    assert ok is False
    assert "facebook/musicgen-small" in why and "not in the local Hugging Face cache" in why
    with pytest.raises(EngineUnavailable, match="facebook/musicgen-small"):
        engine.generate(make_plan())


def test_hub_id_in_the_cache_is_available_and_loads_offline(tmp_path, monkeypatch, tiny_musicgen_dir):
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    _fake_hub_cache(tmp_path, "acme/musicgen-tiny", files_from=tiny_musicgen_dir)
    engine = MusicgenEngine("acme/musicgen-tiny", device="cpu", local_files_only=True)

    assert engine.available() == (True, "")
    result = engine.generate(make_plan())
    assert result.model == "acme/musicgen-tiny"
    assert result.stems.frames == 5 * SAMPLE_RATE


def test_tiny_checkpoint_is_available(tiny_engine):
    assert tiny_engine.available() == (True, "")


def test_other_model_type_is_refused_clearly(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bark"}))
    (tmp_path / "model.safetensors").write_bytes(b"")

    ok, why = MusicgenEngine(str(tmp_path), device="cpu", local_files_only=True).available()
    assert ok is False and "'bark'" in why and "not a MusicGen model" in why


def test_directory_without_weights_is_unavailable(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "musicgen"}))

    ok, why = MusicgenEngine(str(tmp_path), device="cpu").available()
    assert ok is False and "no weights" in why


def test_duration_out_of_range_is_rejected(tiny_engine):
    with pytest.raises(InvalidRequest):
        tiny_engine.generate(make_plan(duration_s=301.0))


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_other_precisions_run_the_same_path(tiny_musicgen_dir, precision):
    engine = MusicgenEngine(str(tiny_musicgen_dir), device="cpu", local_files_only=True, precision=precision)
    result = engine.generate(make_plan())

    assert result.stems.frames == 5 * SAMPLE_RATE
    assert result.extra["precision"] == precision
    assert np.all(np.isfinite(result.stems.other))


def test_auto_precision_is_resolved_per_device():
    assert resolve_precision("auto", "cpu") == CPU_PRECISION
    assert resolve_precision("auto", "cuda") == "fp32"
    with pytest.raises(ValueError):
        resolve_precision("int8", "cuda")
    with pytest.raises(ValueError):
        resolve_precision("fp8", "cpu")


def test_shared_generation_config_is_never_changed(tiny_engine, tiny_musicgen_dir):
    loaded = load_model(str(tiny_musicgen_dir), device="cpu", local_files_only=True)
    before = loaded.model.generation_config.to_dict()

    tiny_engine.generate(make_plan(duration_s=5.0))

    assert loaded.model.generation_config.to_dict() == before
    assert before["guidance_scale"] == 3.0 and before["do_sample"] is True


@pytest.mark.parametrize("stereo", [False, True])
def test_continuation_hears_the_codes_of_the_audio_before_it(
    tiny_musicgen_dir, tiny_stereo_musicgen_dir, stereo
):
    """An extend's continuation: the model is prompted with the codes of the end of the audio it follows
    (mono downmixed, or left and right interleaved for a stereo checkpoint), re-synthesises that end and
    makes at least the new seconds asked for; other audio before it is heard as other codes. (Whether
    the tiny random decoder's next tokens change with them is its own affair: its logits are nearly flat.)"""
    import torch

    from musicgen_app.engines.musicgen.engine import MusicgenEngine
    from musicgen_app.engines.musicgen.generate import audio_to_codes
    from musicgen_app.engines.musicgen.loader import load_model

    directory = tiny_stereo_musicgen_dir if stereo else tiny_musicgen_dir
    engine = MusicgenEngine(str(directory), device="cpu", local_files_only=True, prompt_s=2.0)
    rng = np.random.default_rng(3)
    # loud: the tiny random codec quantises anything near full scale or quieter to one and the same code
    before = (100.0 * rng.standard_normal((3 * 44_100, 2))).astype(np.float32)
    heard, new = engine.continue_audio(make_plan(), before, new_s=4.0)
    assert heard.shape == (2 * 44_100, 2)  # the whole prompt frames it heard: 2 s (tiny hop: 0.2 s)
    assert new.shape[0] >= 4 * 44_100 and new.shape[1] == 2 and np.any(new)
    other_heard, other_new = engine.continue_audio(make_plan(), before[::-1].copy(), new_s=4.0)
    assert not np.array_equal(heard, other_heard) and other_new.shape == new.shape
    loaded = load_model(str(directory), device="cpu", local_files_only=True, precision="fp32")
    loud = (100.0 * rng.standard_normal((6400 * 3, 2 if stereo else 1))).astype(np.float32)
    codes = audio_to_codes(loaded, loud)
    assert tuple(codes.shape) == (loaded.model.decoder.num_codebooks, 3)
    assert not torch.equal(codes, audio_to_codes(loaded, loud[::-1].copy()))
    nothing_before, fresh = engine.continue_audio(make_plan(), np.zeros((0, 2), dtype=np.float32), new_s=4.0)
    assert nothing_before.shape == (0, 2) and fresh.shape[0] >= 4 * 44_100
