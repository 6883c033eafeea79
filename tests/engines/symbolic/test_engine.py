"""SymbolicEngine: availability, and a Plan in, exact stems, MIDI and provenance out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from musicgen_app.engines.symbolic import fluidsynth
from musicgen_app.engines.symbolic.engine import ENGINE_VERSION, LICENSE, SymbolicEngine
from musicgen_app.engines.symbolic.fluidsynth import library_available
from musicgen_app.errors import EngineUnavailable
from musicgen_app.formats import SAMPLE_RATE
from musicgen_app.plan import Plan

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
needs_fluidsynth = pytest.mark.skipif(
    not (library_available()[0] and SOUNDFONT.is_file()),
    reason="needs apt-get install fluidsynth fluid-soundfont-gm",
)


def _plan(**kw) -> Plan:
    values = dict(
        prompt="dusty lo-fi beat with rain",
        genre="lo-fi",
        tempo_bpm=82,
        key="D",
        mode="minor",
        duration_s=8.0,
        seed=11,
        ambience=("rain",),
    )
    values.update(kw)
    return Plan(**values)


def test_identity() -> None:
    engine = SymbolicEngine(SOUNDFONT)
    assert engine.name == "symbolic" and engine.version == ENGINE_VERSION
    with pytest.raises(ValueError):
        SymbolicEngine(SOUNDFONT, threads=0)


def test_missing_soundfont_is_reported_not_raised_by_available(tmp_path: Path) -> None:
    engine = SymbolicEngine(tmp_path / "gone.sf2")
    ok, why = engine.available()
    assert not ok and "gone.sf2" in why and "apt-get install" in why
    with pytest.raises(EngineUnavailable, match="gone"):
        engine.generate(_plan())


@needs_fluidsynth
def test_available_here() -> None:
    assert SymbolicEngine(SOUNDFONT).available() == (True, "")


@needs_fluidsynth
def test_generate_makes_exact_stems_midi_and_provenance() -> None:
    seen: list[float] = []
    plan = _plan()
    result = SymbolicEngine(SOUNDFONT).generate(plan, progress=seen.append)
    assert result.stems.frames == round(plan.duration_s * SAMPLE_RATE)
    assert result.stems.sample_rate == SAMPLE_RATE
    assert result.stems.drums.any() and result.stems.bass.any() and result.stems.other.any()
    assert np.isfinite(result.stems.mix()).all()
    assert result.engine == "symbolic" and result.model == "FluidR3_GM.sf2" and result.license == LICENSE
    assert result.midi is not None and result.midi.startswith(b"MThd")
    assert result.sections and result.sections[0][1] == 0.0
    assert result.extra["key"] == "D minor"
    parts = result.extra["parts"]
    assert {p["stem"] for p in parts} >= {"drums", "bass"}
    assert all({"name", "instrument", "program"} <= set(p) for p in parts)
    assert seen == sorted(seen) and seen[-1] == 1.0


@needs_fluidsynth
def test_same_plan_same_audio_and_the_seed_matters() -> None:
    engine = SymbolicEngine(SOUNDFONT, threads=2)
    one = engine.generate(_plan(duration_s=6.0)).stems
    two = SymbolicEngine(SOUNDFONT, threads=1).generate(_plan(duration_s=6.0)).stems
    for (name, a), (_, b) in zip(one.items(), two.items(), strict=True):
        np.testing.assert_array_equal(a, b, err_msg=name)
    other = engine.generate(_plan(duration_s=6.0, seed=12)).stems
    assert not np.array_equal(one.mix(), other.mix())


@needs_fluidsynth
def test_unknown_ambience_gives_a_notice() -> None:
    result = SymbolicEngine(SOUNDFONT).generate(_plan(duration_s=5.0, ambience=("campfire",)))
    assert any("campfire" in notice for notice in result.notices)


@needs_fluidsynth
def test_warm_up_leaves_one_synth_per_thread_in_the_pool(monkeypatch) -> None:
    monkeypatch.setattr(fluidsynth, "_idle", {})  # an empty pool, as in a new worker process
    SymbolicEngine(SOUNDFONT, threads=2).warm_up()

    def no_new_synths(*_args, **_kwargs):
        raise AssertionError("warm_up should have left enough synths in the pool")

    monkeypatch.setattr(fluidsynth.Synth, "__init__", no_new_synths)
    with fluidsynth.warm_synth(SOUNDFONT) as one, fluidsynth.warm_synth(SOUNDFONT) as two:
        assert one is not two
