"""The beat grid: exact for the symbolic engine (the score's own beats and sections), tracked and marked
estimated for audio from neural engines."""

from __future__ import annotations

import numpy as np
import pytest

from musicgen_app.beats import estimate_beat_grid, metric_grid, tempo_from_beats
from musicgen_app.engines.symbolic.compose import compose
from musicgen_app.engines.symbolic.score import beats_per_bar, beats_to_seconds
from musicgen_app.plan import Plan

from .helpers import wait_for_track


def test_a_4_4_grid_has_a_beat_every_quarter_and_a_downbeat_every_bar() -> None:
    grid = metric_grid(120, (4, 4), 4.0, 10.0, (("intro", 0.0), ("verse", 4.0)))
    assert grid.beats_s == tuple(round(0.5 * k, 4) for k in range(20))
    assert grid.downbeats_s == (0.0, 2.0, 4.0, 6.0, 8.0)
    assert [(s.name, s.start_s, s.end_s) for s in grid.sections] == [
        ("intro", 0.0, 4.0),
        ("verse", 4.0, 10.0),
    ]
    assert not grid.estimated


@pytest.mark.parametrize(
    ("signature", "per_bar", "first_bar"),
    [((3, 4), 3.0, (0.0, 0.6, 1.2)), ((6, 8), 2.0, (0.0, 0.6)), ((7, 8), 3.5, (0.0, 0.6, 1.2, 1.8))],
)
def test_odd_meters_beat_on_each_whole_beat_of_the_bar(signature, per_bar, first_bar) -> None:
    grid = metric_grid(100, signature, per_bar, 12.0)
    bar_s = per_bar * 0.6
    assert grid.downbeats_s[:3] == (0.0, round(bar_s, 4), round(2 * bar_s, 4))
    assert grid.beats_s[: len(first_bar)] == first_bar
    assert grid.beats_s[len(first_bar)] == round(bar_s, 4)
    assert grid.time_signature == signature


def test_a_tracked_grid_finds_the_tempo_of_a_click_and_says_it_is_estimated() -> None:
    sr, bpm = 22_050, 100
    audio = np.zeros((sr * 12, 2), dtype=np.float32)
    for k in range(int(12 * bpm / 60)):
        start = int(k * 60 / bpm * sr)
        audio[start : start + 200] = 0.8
    grid = estimate_beat_grid(audio, sr, time_signature=(4, 4), tempo_hint_bpm=100)
    assert grid.estimated and abs(grid.tempo_bpm - bpm) / bpm < 0.04
    steps = np.diff(grid.beats_s)
    assert abs(float(np.median(steps)) - 0.6) < 0.02
    assert grid.downbeats_s == grid.beats_s[::4]


@pytest.mark.parametrize(
    ("prompt", "tempo"), [("driving synthwave at night", 118), ("a waltz in 3/4 for strings", 96)]
)
def test_the_beats_route_gives_the_scores_grid_and_sections(api_client, prompt: str, tempo: int) -> None:
    body = {"prompt": prompt, "duration": 20, "tempo": tempo, "seed": 4, "output_format": "wav"}
    track = wait_for_track(api_client, api_client.post("/v1/music/generate", json=body).json()["id"])
    assert track["status"] == "completed", track["error"]
    grid = api_client.get(track["beats_url"]).json()
    plan = Plan.from_dict(track["plan"])
    score = compose(plan)  # the same plan composes the same score
    per_bar = beats_per_bar(score.time_signature)
    assert grid["tempo"] == tempo and grid["time_signature"] == track["plan"]["time_signature"]
    assert grid["estimated"] is False
    bars = int(np.ceil(20 / beats_to_seconds(per_bar, tempo)))
    expected_downbeats = [beats_to_seconds(bar * per_bar, tempo) for bar in range(bars)]
    assert np.allclose(grid["downbeats"], [t for t in expected_downbeats if t < 20], atol=1e-3)
    pulses = int(np.ceil(per_bar - 1e-9))
    expected_beats = [beats_to_seconds(b * per_bar + p, tempo) for b in range(bars) for p in range(pulses)]
    assert np.allclose(grid["beats"], [t for t in expected_beats if t < 20 - 1e-9], atol=1e-3)
    starts = [beats_to_seconds(s.start_bar * per_bar, tempo) for s in score.sections]
    assert [s["name"] for s in grid["sections"]] == [s.name for s in score.sections]
    assert np.allclose([s["start_s"] for s in grid["sections"]], starts, atol=1e-3)
    assert grid["sections"][-1]["end_s"] == 20
    assert [s["start_s"] for s in grid["sections"]] == pytest.approx(
        [s["start_s"] for s in track["sections"]], abs=1e-3
    )


def test_tempo_from_beats_counts_a_skipped_beat_and_a_slip_onto_the_offbeat_as_what_they_are() -> None:
    period = 60 / 124
    beats = [k * period for k in range(60)]
    del beats[20]  # the tracker lost one beat where the kit dropped out
    beats = beats[:40] + [t + period / 2 for t in beats[40:50]] + beats[50:]  # ten beats on the offbeat
    assert abs(np.polyfit(np.arange(len(beats)), beats, 1)[0] * 124 / 60 - 1) > 0.015  # one line: wrong
    assert tempo_from_beats(beats) == pytest.approx(124, rel=1e-6)


def test_tempo_from_beats_measures_a_wrong_tempo_as_wrong_and_needs_four_beats() -> None:
    jitter = np.random.default_rng(3).normal(0, 0.01, 50)
    assert tempo_from_beats([k * 60 / 110 + j for k, j in enumerate(jitter)]) == pytest.approx(110, rel=0.003)
    assert tempo_from_beats([0.0, 0.5, 1.0]) is None
