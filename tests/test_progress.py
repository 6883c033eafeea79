"""Progress moves through every stage of a job: real fractions where a step has them (frames encoded,
parts rendered), an eased estimate inside a step that has none, always increasing, ending at 1.0."""

from __future__ import annotations

import itertools
import threading
import time

import numpy as np
import pytest

from musicgen_app.audio.encode import encode_audio
from musicgen_app.audio.tags import Tags
from musicgen_app.config import Settings
from musicgen_app.pipeline import STAGES, JobSpec, produce_track
from musicgen_app.progress import SteadyProgress, SummedProgress
from musicgen_app.prompt import interpret
from musicgen_app.request import parse_request

TAGS = Tags(title="t", engine="symbolic", model="m", prompt="p", seed="1", license="MIT")


def test_steady_progress_eases_inside_a_silent_step_but_never_reaches_its_end() -> None:
    seen: list[float] = []
    with SteadyProgress(seen.append, tick_s=0.02, idle_s=0.05) as steady:
        steady.step(0.2, 0.5)
        time.sleep(0.6)  # a step with no progress of its own
        eased = steady.value
        steady(0.5)
    assert seen[0] == 0.2 and 0.2 < eased < 0.5
    assert seen == sorted(seen) and len(set(seen)) == len(seen) and seen[-1] == 0.5


def test_steady_progress_ignores_values_behind_it_and_does_not_ease_past_a_finished_step() -> None:
    seen: list[float] = []
    with SteadyProgress(seen.append, tick_s=0.02, idle_s=0.05) as steady:
        steady(0.4)
        steady(0.3)
        time.sleep(0.2)  # no step entered: nothing to ease toward
    assert seen == [0.4]


def test_a_failure_in_the_heartbeat_reaches_the_job() -> None:
    class Gone(Exception):
        pass

    def report(fraction: float) -> None:
        if threading.current_thread().name == "progress-heartbeat":
            raise Gone

    with pytest.raises(Gone), SteadyProgress(report, tick_s=0.02, idle_s=0.02) as steady:
        steady.step(0.0, 1.0)
        time.sleep(0.3)
        steady(0.9)


def test_steady_progress_refuses_a_step_out_of_order() -> None:
    with SteadyProgress(lambda _f: None) as steady, pytest.raises(ValueError, match="start <= end"):
        steady.step(0.6, 0.5)


def test_summed_progress_weighs_each_piece_by_its_size() -> None:
    seen: list[float] = []
    total = SummedProgress(seen.append, start=0.5, end=1.0)
    big, small = total.add(3.0), total.add(1.0)
    small(1.0)
    big(0.5)
    assert seen == pytest.approx([0.5 + 0.5 * 0.25, 0.5 + 0.5 * (0.25 + 0.375)])
    with pytest.raises(ValueError, match="weight"):
        total.add(0)


@pytest.mark.parametrize("fmt", ["mp3", "flac", "wav", "ogg"])
def test_encoding_reports_the_frames_handed_to_the_encoder(tmp_path, fmt: str) -> None:
    audio = np.random.default_rng(1).uniform(-0.5, 0.5, (44_100 * 20, 2)).astype(np.float32)
    seen: list[float] = []
    encode_audio(
        audio, 44_100, tmp_path / f"x.{fmt}", fmt, tags=TAGS, bits_per_sample=16, progress=seen.append
    )
    assert len(seen) >= 3 and seen == sorted(seen) and seen[-1] == 1.0


def test_a_job_reports_every_stage_in_order_and_ends_at_one(tmp_path) -> None:
    request = parse_request({"prompt": "lofi beat with rhodes and rain", "duration": 20, "seed": 4})
    plan = interpret(request, seed=4)
    config = Settings(data_dir=tmp_path / "data").engine_config()
    spec = JobSpec("t1", plan.as_dict(), "mp3", "symbolic", config)
    seen: list[float] = []
    produce_track(spec, tmp_path, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0
    reached = {label for start, label in STAGES if any(start <= f for f in seen)}
    assert reached == {label for _, label in STAGES}
    encoding = [f for f in seen if STAGES[4][0] < f < STAGES[5][0]]
    assert len(encoding) >= 5  # by frames, not one jump per stage


def test_easing_in_a_long_step_stays_slow() -> None:
    seen: list[float] = []
    with SteadyProgress(seen.append, tick_s=0.02, idle_s=0.0) as steady:
        steady.step(0.0, 1.0)
        time.sleep(0.2)
    steps = [b - a for a, b in itertools.pairwise(seen)]
    assert steps and max(steps) <= 0.004 + 1e-9  # about ten ticks: nowhere near the step's end
