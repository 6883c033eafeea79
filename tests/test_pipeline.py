"""Pipeline pieces that are not covered through the API."""

from __future__ import annotations

import numpy as np

from musicgen_app.audio.master import MasterResult
from musicgen_app.engines.base import Stems
from musicgen_app.pipeline import _stems_within_full_scale
from musicgen_app.track import track_title


def _result(stems: Stems) -> MasterResult:
    return MasterResult(stems=stems, gain_db=0.0, loudness_lufs=-14.0, true_peak_dbtp=-1.5)


def test_stems_that_would_clip_are_lowered_together() -> None:
    frames = 1000
    loud = np.full((frames, 2), 1.5, np.float32)
    cancel = np.full((frames, 2), -1.2, np.float32)
    quiet = np.zeros((frames, 2), np.float32)
    lowered, notices = _stems_within_full_scale(_result(Stems(loud, cancel, quiet, quiet)))
    peaks = [np.abs(audio).max() for _, audio in lowered.stems.items()]
    assert max(peaks) <= 0.999
    np.testing.assert_allclose(lowered.stems.mix(), (loud + cancel) * 0.999 / 1.5, rtol=1e-5)
    assert lowered.loudness_lufs < -14.0 and notices and "lowered" in notices[0]


def test_stems_in_range_are_untouched() -> None:
    audio = np.full((100, 2), 0.5, np.float32)
    result = _result(Stems(audio, audio, audio, audio))
    assert _stems_within_full_scale(result) == (result, ())


def test_track_title_is_the_first_clause_cut_on_a_word() -> None:
    assert track_title("Lo-fi beat. With rain") == "Lo-fi beat"
    title = track_title("word " * 40)
    assert len(title) <= 61 and title.endswith("…") and not title.endswith(" …")
