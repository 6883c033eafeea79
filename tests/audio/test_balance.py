"""The stem balance readout: levels against the mix and energy per band."""

from __future__ import annotations

import numpy as np
import pytest

from musicgen_app.audio.balance import BANDS, stem_readouts

SR = 44_100


def _tone(freq_hz: float, amplitude: float) -> np.ndarray:
    t = np.arange(SR * 2) / SR
    return np.stack([amplitude * np.sin(2 * np.pi * freq_hz * t)] * 2, axis=1).astype(np.float32)


def test_each_stem_lands_in_its_band_at_its_level() -> None:
    readouts = stem_readouts({"bass": _tone(45.0, 0.4), "other": _tone(3000.0, 0.1)}, SR)
    by_name = {r.name: r for r in readouts}
    assert [r.name for r in readouts] == ["mix", "bass", "other"]
    assert by_name["bass"].band_percent["sub"] > 99.0
    assert by_name["other"].band_percent["high-mid"] > 99.0
    # 0.4 and 0.1 amplitudes: the bass is 12 dB above the other stem, and nearly the whole mix
    assert by_name["bass"].vs_mix_db - by_name["other"].vs_mix_db == pytest.approx(12.0, abs=0.2)
    assert by_name["bass"].vs_mix_db == pytest.approx(-0.3, abs=0.2)
    assert set(by_name["mix"].band_percent) == {name for name, _, _ in BANDS}


def test_silent_stems_and_bad_input() -> None:
    readouts = stem_readouts({"vocals": np.zeros((SR, 2), np.float32), "drums": _tone(100.0, 0.3)[:SR]}, SR)
    silent = readouts[1]
    assert silent.vs_mix_db == -120.0 and sum(silent.band_percent.values()) == 0.0
    with pytest.raises(ValueError, match="same shape"):
        stem_readouts({"a": np.zeros((10, 2)), "b": np.zeros((11, 2))}, SR)
    with pytest.raises(ValueError, match="at least one"):
        stem_readouts({}, SR)
