"""Ambience beds: seeded, stereo, at their level under the music, only when named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from musicgen_app.engines.symbolic.ambience import AMBIENCES, LEVEL_DB, ambience_bed, render_ambience
from musicgen_app.engines.symbolic.fluidsynth import library_available
from musicgen_app.engines.symbolic.render import render_score
from musicgen_app.engines.symbolic.score import Note, Part, Score

SR = 44_100
FRAMES = 3 * SR
SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")


def _rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))


def _centroid_hz(audio: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(audio.mean(axis=1)))
    freqs = np.fft.rfftfreq(audio.shape[0], 1.0 / SR)
    return float((spectrum * freqs).sum() / spectrum.sum())


@pytest.mark.parametrize("name", AMBIENCES)
def test_each_bed_is_stereo_unit_level_and_seeded(name: str) -> None:
    bed = ambience_bed(name, frames=FRAMES, sr=SR, seed=7)
    assert bed.shape == (FRAMES, 2) and bed.dtype == np.float32
    assert np.isfinite(bed).all()
    assert _rms(bed) == pytest.approx(1.0, rel=1e-3)
    assert np.corrcoef(bed[:, 0], bed[:, 1])[0, 1] < 0.95  # not a mono bed in two channels
    np.testing.assert_array_equal(bed, ambience_bed(name, frames=FRAMES, sr=SR, seed=7))
    assert not np.array_equal(bed, ambience_bed(name, frames=FRAMES, sr=SR, seed=8))


def test_beds_differ_from_each_other_for_one_seed() -> None:
    beds = [ambience_bed(name, frames=SR, sr=SR, seed=1) for name in AMBIENCES]
    for i, a in enumerate(beds):
        for b in beds[i + 1 :]:
            assert abs(np.corrcoef(a[:, 0], b[:, 0])[0, 1]) < 0.5


def test_rain_is_brighter_than_the_ocean_and_vinyl_is_mostly_crackle() -> None:
    rain, ocean = (ambience_bed(n, frames=FRAMES, sr=SR, seed=2) for n in ("rain", "ocean"))
    assert _centroid_hz(rain) > 2 * _centroid_hz(ocean)
    vinyl = ambience_bed("vinyl", frames=FRAMES, sr=SR, seed=2)
    assert np.abs(vinyl).max() > 6 * _rms(vinyl)  # impulsive, unlike noise


def test_ocean_swells_slowly() -> None:
    ocean = ambience_bed("ocean", frames=30 * SR, sr=SR, seed=4)
    level = np.sqrt(np.mean(ocean[:, 0].reshape(-1, SR // 2) ** 2, axis=1))
    assert level.max() > 3 * level.min()


def test_levels_sit_under_the_music() -> None:
    music = np.random.default_rng(0).standard_normal((FRAMES, 2)).astype(np.float32) * 0.2
    rain = render_ambience(["rain"], frames=FRAMES, sr=SR, seed=3, music=music)
    middle = slice(SR // 2, 2 * SR)  # between the fades
    level_db = 20 * np.log10(_rms(rain[middle]) / _rms(music))
    assert level_db == pytest.approx(LEVEL_DB["rain"], abs=1.0)
    both = render_ambience(["rain", "wind", "rain"], frames=FRAMES, sr=SR, seed=3, music=music)
    wind = render_ambience(["wind"], frames=FRAMES, sr=SR, seed=3, music=music)
    np.testing.assert_allclose(both, rain + wind, atol=1e-6)
    silent_reference = render_ambience(["rain"], frames=FRAMES, sr=SR, seed=3)
    np.testing.assert_allclose(silent_reference, rain * np.float32(0.03 / _rms(music)), rtol=1e-4, atol=1e-9)


def test_beds_fade_in_and_out() -> None:
    bed = render_ambience(["wind"], frames=FRAMES, sr=SR, seed=5)
    assert np.abs(bed[:10]).max() < 1e-4 and np.abs(bed[-10:]).max() < 1e-4
    start, middle = _rms(bed[: SR // 10]), _rms(bed[SR : 2 * SR])
    assert start < 0.2 * middle


def test_unknown_or_no_ambience_is_silence() -> None:
    assert not render_ambience(["campfire-unknown"], frames=SR, sr=SR, seed=0).any()
    assert not render_ambience([], frames=SR, sr=SR, seed=0).any()


@pytest.mark.skipif(
    not (library_available()[0] and SOUNDFONT.is_file()),
    reason="needs apt-get install fluidsynth fluid-soundfont-gm",
)
def test_render_score_adds_ambience_to_other_only_when_named() -> None:
    kit = Part("drums", "drums", 0, tuple(Note(b, 0.5, 36) for b in range(4)), is_drum=True)

    def render(ambience, seed=0):
        score = Score(120.0, (4, 4), "C", "major", 2.0, (kit,), ambience=ambience)
        return render_score(score, soundfont=SOUNDFONT, seed=seed)

    plain, rainy = render(()), render(("vinyl",))
    assert not plain.other.any()
    assert rainy.other.any()
    np.testing.assert_array_equal(plain.drums, rainy.drums)
    np.testing.assert_array_equal(rainy.other, render(("vinyl",)).other)
    assert not np.array_equal(rainy.other, render(("vinyl",), seed=1).other)
