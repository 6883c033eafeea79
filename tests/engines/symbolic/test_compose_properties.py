"""Property tests: any plan within the rules composes into a valid, deterministic score."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from musicgen_app.engines.symbolic.compose import compose
from musicgen_app.engines.symbolic.score import seconds_to_beats
from musicgen_app.genres import GENRES
from musicgen_app.instruments import INSTRUMENTS, instrument
from musicgen_app.plan import MODES, PITCH_CLASSES, Plan

plans = st.builds(
    Plan,
    prompt=st.just("property"),
    genre=st.sampled_from([g.id for g in GENRES]),
    tempo_bpm=st.integers(40, 220),
    key=st.sampled_from(PITCH_CLASSES),
    mode=st.sampled_from(MODES),
    duration_s=st.floats(5.0, 90.0),
    seed=st.integers(0, 2**32 - 1),
    time_signature=st.sampled_from([(4, 4), (3, 4), (6, 8), (2, 4), (12, 8), (5, 4)]),
    instruments=st.lists(st.sampled_from([i.name for i in INSTRUMENTS]), max_size=4, unique=True).map(tuple),
    excluded=st.lists(
        st.sampled_from(["drums", "bass", "vocals", "piano", "synth"]), max_size=2, unique=True
    ).map(tuple),
    energy=st.floats(0.0, 1.0),
    brightness=st.floats(0.0, 1.0),
    vocals=st.booleans(),
    structure=st.lists(
        st.sampled_from(["intro", "build-up", "drop", "loop", "fade out"]), max_size=2, unique=True
    ).map(tuple),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans)
def test_any_plan_composes_within_the_rules(plan):
    score = compose(plan)
    assert score.tempo_bpm == plan.tempo_bpm and score.duration_s == plan.duration_s
    total = seconds_to_beats(plan.duration_s, plan.tempo_bpm)
    for part in score.parts:
        inst = instrument(part.instrument)
        for note in part.notes:
            assert 0 <= note.start_beat < note.end_beat <= total
            assert 1 <= note.velocity <= 127
            if not part.is_drum:
                assert inst.low <= note.pitch <= inst.high
    names = {p.instrument for p in score.parts if p.notes}
    assert not set(plan.excluded) & names
    for name in set(plan.instruments) - set(plan.excluded):
        family = instrument(name).family
        blocked = (
            ("drums" in plan.excluded and instrument(name).is_drum)
            or ("vocals" in plan.excluded and family == "voice")
            or ("bass" in plan.excluded and family == "bass")
        )
        assert blocked or name in names, name
    if "drums" in plan.excluded:
        assert not any(p.is_drum for p in score.parts)
    if score.parts_for_stem("vocals"):
        assert plan.vocals or {"choir", "vocals"} & set(plan.instruments)
    assert compose(plan) == score
