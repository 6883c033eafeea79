"""The studio's behaviour (Studio, Form) against a fake service with the real service's surface."""

from __future__ import annotations

import asyncio
import zipfile

import pytest
import soundfile as sf

from musicgen_app.audio.remix import MIN_GAIN_DB
from musicgen_app.formats import STEM_NAMES
from musicgen_app.ui.form import structure_body
from musicgen_app.ui.handlers import Form, Studio, new_seed
from musicgen_app.ui.wiring import shared_track_id

from .fake_service import FakeService


@pytest.fixture
def service(tmp_path) -> FakeService:
    return FakeService(tmp_path / "tracks", fail_prompts=("broken synth",))


@pytest.fixture
def studio(service) -> Studio:
    return Studio(service, poll_s=0.0)


def _run(studio: Studio, form: Form) -> list:
    async def collect():
        return [step async for step in studio.generate(form)]

    return asyncio.run(collect())


def test_form_body_leaves_auto_fields_to_the_prompt():
    body = Form(
        "rain", genre="auto", auto_tempo=True, tempo_bpm=120.0, duration_s=30.0, random_seed=True, seed=5.0
    ).body()
    assert body == {"prompt": "rain", "duration": 30, "output_format": "mp3", "engine": "auto"}


def test_form_body_sends_fixed_choices_as_integers():
    body = Form(
        "rain",
        genre="jazz",
        auto_tempo=False,
        tempo_bpm=96.0,
        duration_s=12.0,
        output_format="wav",
        random_seed=False,
        seed=1234.0,
        engine="symbolic",
    ).body()
    assert body == {
        "prompt": "rain",
        "duration": 12,
        "output_format": "wav",
        "engine": "symbolic",
        "genre": "jazz",
        "tempo": 96,
        "seed": 1234,
    }
    assert isinstance(body["tempo"], int) and isinstance(body["seed"], int)


@pytest.mark.parametrize(("typed", "sent"), [("1234", 1234), (" 7 ", 7), ("12.5", 12.5), ("seven", "seven")])
def test_the_seed_box_text_goes_to_the_request_as_typed_numbers_as_integers(typed, sent):
    body = Form("rain", random_seed=False, seed=typed).body()
    assert body["seed"] == sent and type(body["seed"]) is type(sent)
    assert "seed" not in Form("rain", random_seed=False, seed="").body()
    assert "seed" not in Form("rain", random_seed=True, seed="99").body()


def test_new_seed_is_in_range_and_varies():
    seeds = {new_seed() for _ in range(20)}
    assert len(seeds) > 1 and all(0 <= s < 2**32 for s in seeds)


def test_generate_reports_progress_then_the_completed_view(studio, service):
    steps = _run(studio, Form("calm pads", duration_s=5))
    assert [s.done for s in steps] == [False, False, False, True]
    assert "Waiting in the queue" in steps[0].status_html
    assert 'data-progress="40"' in steps[1].status_html and 'data-progress="90"' in steps[2].status_html
    view = steps[-1].view
    assert view is not None and view.track.status == "completed"
    # the players play the /v1 file routes: URLs, never a path on the server
    assert view.mix == (
        f"http://localhost/v1/music/{view.track.id}/audio",
        f"calm-pads-{view.track.id[:8]}.mp3",
    )
    assert set(view.stems) == set(STEM_NAMES)
    for name, (url, file_name) in view.stems.items():
        assert url == f"http://localhost/v1/music/{view.track.id}/stems/{name}" and name in file_name
    assert str(service.files.root) not in repr(view)
    assert view.waveform_html.startswith('<svg class="mg-waveform"') and "mg-section" in view.waveform_html
    assert "/download" in view.downloads_html and "| Genre | ambient |" in view.plan_md


def test_generate_with_an_empty_prompt_fails_inline_without_a_job(studio, service):
    steps = _run(studio, Form("   "))
    assert len(steps) == 1 and steps[0].done and steps[0].view is None
    assert 'role="alert"' in steps[0].status_html and "prompt: must not be blank" in steps[0].status_html
    assert service.submitted == []


def test_a_failed_job_shows_its_reason(studio):
    steps = _run(studio, Form("broken synth"))
    assert steps[-1].done and steps[-1].view is None
    assert "The track could not be made: the synth ran out of notes" in steps[-1].status_html


def test_load_and_history_list_tracks_newest_first(studio):
    first = _run(studio, Form("first", duration_s=5))[-1].track
    second = _run(studio, Form("second", duration_s=5))[-1].track
    rows, ids = studio.history()
    assert ids == [second.id, first.id] and rows[0][1] == "second"
    assert studio.load(first.id).view.track.prompt == "first"
    assert "no track" in studio.load("f" * 32).status_html


def test_remix_renders_once_per_set_of_levels(studio, service):
    track = _run(studio, Form("calm pads", duration_s=5))[-1].track
    solo_bass = {name: (0.0 if name == "bass" else MIN_GAIN_DB) for name in STEM_NAMES}
    url, file_name = studio.remix(track.id, solo_bass)
    assert url == (
        f"http://localhost/v1/music/{track.id}/remix?vocals=-60&drums=-60&bass=0&other=-60"
    ) and file_name.endswith(".wav")
    [path] = (service.files.track_dir(track.id) / "remix").iterdir()
    info = sf.info(str(path))
    assert info.samplerate == 44_100 and info.channels == 2 and info.duration == pytest.approx(5.0)
    mtime = path.stat().st_mtime_ns
    assert studio.remix(track.id, solo_bass) == (url, file_name) and path.stat().st_mtime_ns == mtime
    assert studio.remix(track.id, {})[0] != url
    assert len(list(path.parent.iterdir())) == 2


def test_delete_removes_the_track_and_its_files(studio, service):
    track = _run(studio, Form("calm pads", duration_s=5))[-1].track
    studio.remix(track.id, {"drums": -6.0})
    assert "Track deleted." in studio.delete(track.id)
    assert not service.files.track_dir(track.id).exists()
    assert 'role="alert"' in studio.delete(track.id)


def _collect(steps) -> list:
    async def collect():
        return [step async for step in steps]

    return asyncio.run(collect())


def test_a_variation_keeps_the_key_and_tempo_and_names_its_parent(studio):
    parent = _run(studio, Form("calm pads", genre="ambient", auto_tempo=False, tempo_bpm=84.0))[-1].track
    steps = _collect(studio.vary(parent.id))
    child = steps[-1].track
    assert steps[-1].done and steps[-1].view is not None
    assert child.id != parent.id and child.seed != parent.seed
    assert (child.key, child.tempo_bpm) == (parent.key, parent.tempo_bpm)
    assert (child.parent_id, child.operation) == (parent.id, "variation")


def test_a_variation_without_a_loaded_track_says_what_to_do(studio):
    steps = _collect(studio.vary(""))
    assert len(steps) == 1 and "Load or generate a track first" in steps[0].status_html


def test_form_body_carries_the_advanced_panel_and_the_loop_switch():
    body = Form(
        "waltz",
        key=" D dorian ",
        time_signature="3/4",
        instruments=["piano", "cello"],
        exclude=["drums"],
        structure=[["intro", 2, None, None], ["", 4, None, None], ["verse", None, "12", 0.7]],
        loop=True,
    ).body()
    assert body["key"] == "D dorian" and body["time_signature"] == "3/4"
    assert body["instruments"] == ["piano", "cello"] and body["exclude"] == ["drums"]
    assert body["structure"] == [
        {"section": "intro", "bars": 2},
        {"section": "verse", "seconds": 12, "energy": 0.7},
    ]
    assert body["loop"] is True and isinstance(body["structure"][0]["bars"], int)


def test_an_untouched_advanced_panel_adds_nothing_to_the_body():
    body = Form("rain", key="", time_signature="auto", structure=[["", None, None, None]]).body()
    assert set(body) == {"prompt", "duration", "output_format", "engine"}


@pytest.mark.parametrize(
    ("cells", "entry"),
    [
        (["chorus", float("nan"), 8.0, ""], {"section": "chorus", "seconds": 8}),
        ([" bridge ", "4", None, "0.5"], {"section": "bridge", "bars": 4, "energy": 0.5}),
        (["hook", "two", None, None], {"section": "hook", "bars": "two"}),  # for the rules to refuse
        (["outro"], {"section": "outro"}),
    ],
)
def test_structure_rows_become_entries_as_typed(cells, entry):
    assert structure_body([cells]) == [entry]
    assert structure_body(None) == []


def test_bad_advanced_values_get_the_request_rules_message(studio, service):
    steps = _run(studio, Form("waltz", key="H major"))
    assert len(steps) == 1 and 'role="alert"' in steps[0].status_html and "key:" in steps[0].status_html
    steps = _run(studio, Form("waltz", instruments=["kazoo-9000"]))
    assert "instruments" in steps[0].status_html and service.submitted == []


def test_cancel_stops_a_running_job_and_its_stream_says_so(studio, service):
    track = service.submit({"prompt": "long piece", "duration": 5})
    assert "The track was cancelled." in studio.cancel(track.id)
    steps = _collect(studio.follow(track.id))
    assert steps[-1].done and "cancelled" in steps[-1].status_html and steps[-1].view is None
    assert "only a running job" in studio.cancel(track.id)
    assert "No track is being made." in studio.cancel("")


def test_download_all_zips_the_tracks_files_once(studio, service):
    track = _run(studio, Form("calm pads", duration_s=5))[-1].track
    assert f'href="/v1/music/{track.id}/bundle"' in studio.view(track).downloads_html
    path = service.bundle(track.id).path
    assert path.name.endswith("-all.zip")
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == sorted(f"{kind}.wav" for kind in ("mix", *STEM_NAMES))
        assert archive.testzip() is None
    mtime = path.stat().st_mtime_ns
    assert service.bundle(track.id).path == path and path.stat().st_mtime_ns == mtime
    assert not list(path.parent.glob("*.part"))


def test_the_view_links_the_track_its_loop_and_its_family(studio):
    parent = _run(studio, Form("calm pads", duration_s=5))[-1].track
    parent_view = studio.view(parent)
    assert parent_view.share_url == f"/?track={parent.id}" and not parent_view.is_loop
    assert parent_view.family_html == ""  # made by generate, nothing made from it yet
    child = _collect(studio.vary(parent.id))[-1].view
    assert f'data-track="{parent.id}"' in child.family_html and "Made from (variation)" in child.family_html
    assert f'href="/?track={parent.id}"' in child.family_html
    assert f'data-track="{child.track.id}"' in studio.view(parent).family_html
    seen = studio.seen_at("http://studio.example:7860/")
    assert seen.view(parent).share_url == f"http://studio.example:7860/?track={parent.id}"


def test_variations_are_compared_side_by_side_with_their_original(studio):
    parent = _run(studio, Form("calm pads", duration_s=5))[-1].track
    assert studio.view(parent).compare_html == ""  # nothing to compare yet
    first = _collect(studio.vary(parent.id))[-1].view
    second = _collect(studio.vary(parent.id))[-1].view
    # from the original or from any variation
    for shown in (studio.view(parent), studio.view(second.track), studio.view(first.track)):
        compare = shown.compare_html
        sides = [compare.index(f'data-track="{t.id}"') for t in (parent, first.track, second.track)]
        assert sides == sorted(sides), "A is the original, then the variations oldest first"
        assert compare.count('class="mg-ab-play"') == 3 and 'data-side="A"' in compare
        assert compare.count("/v1/music/") == 3 and "gradio_api/file=" not in compare


def test_the_waveform_ends_in_an_extend_button(studio):
    track = _run(studio, Form("calm pads", duration_s=5))[-1].track
    svg = studio.view(track).waveform_html
    assert 'class="mg-extend-end"' in svg and 'role="button"' in svg and "Extend" in svg


def test_a_share_url_names_its_track():
    assert shared_track_id({"track": " abc "}) == "abc"
    assert shared_track_id({}) == "" and shared_track_id({"track": None}) == ""


@pytest.mark.parametrize(
    ("engine", "duration_s", "spans"),
    [("acestep", 30, 4), ("musicgen", 30, 4), ("musicgen", 150, 8), ("musicgen", 300, 15)],
)
def test_a_models_track_offers_spans_the_model_can_regenerate(studio, service, engine, duration_s, spans):
    """A model's track knows no sections: the Section list offers equal spans of it, none longer than
    MusicGen's regenerate takes (20 s) nor shorter than its crossfades need."""
    from dataclasses import replace

    from musicgen_app.engines.musicgen.edit import MAX_SPAN_S, MIN_SPAN_S
    from musicgen_app.ui.form import regenerate_body

    made = _run(studio, Form("calm pads", duration_s=5))[-1].track
    service._tracks[made.id] = replace(made, engine=engine, sections=(), duration_s=duration_s)
    choices = studio.section_choices(made.id)
    assert len(choices) == spans
    bodies = [regenerate_body(value) for _label, value in choices]
    assert bodies[0]["start_s"] == 0 and bodies[-1]["end_s"] == duration_s
    for body in bodies:
        assert MIN_SPAN_S <= body["end_s"] - body["start_s"] <= MAX_SPAN_S, body
