"""What the studio shows for a track: stage, progress, errors, plan, downloads, history rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from musicgen_app.track import Track
from musicgen_app.ui import views


@pytest.fixture
def track() -> Track:
    return Track(
        id="a" * 32,
        status="completed",
        prompt="Chill lo-fi beat with *Rhodes* <b>piano</b>",
        duration_s=95,
        genre="lo-fi",
        tempo_bpm=80,
        key="D minor",
        output_format="mp3",
        seed=42,
        engine_requested="auto",
        created_at=dt.datetime(2025, 3, 4, 5, 6, tzinfo=dt.UTC),
        plan={
            "time_signature": "4/4",
            "instruments": ["electric piano", "drums"],
            "moods": ["chill"],
            "energy": 0.35,
        },
        engine="symbolic",
        engine_version="1.0",
        model="FluidR3_GM.sf2",
        license="royalty-free",
        progress=1.0,
        notices=("Made with the symbolic engine: MusicGen is not available here.",),
        files={
            "mix": "track.mp3",
            "vocals": "stems/vocals.mp3",
            "drums": "stems/drums.mp3",
            "bass": "stems/bass.mp3",
            "other": "stems/other.mp3",
            "waveform": "waveform.json",
        },
        loudness_lufs=-14.02,
        true_peak_dbtp=-1.61,
    )


@pytest.mark.parametrize(
    ("status", "progress", "label"),
    [
        ("pending", 0.0, "Waiting in the queue"),
        ("processing", 0.1, "Generating the music"),
        ("processing", 0.65, "Making the stems"),
        ("processing", 0.0, "Starting the engine"),
        ("processing", 0.72, "Mastering"),
        ("processing", 0.9, "Saving the master and encoding the mix"),
        ("processing", 0.99, "Saving the files"),
        ("completed", 1.0, "Done"),
        ("failed", 0.3, "Failed"),
    ],
)
def test_stage_label_follows_status_and_progress(track, status, progress, label):
    assert views.stage_label(replace(track, status=status, progress=progress)) == label


def test_progress_html_shows_stage_and_percentage(track):
    html = views.progress_html(replace(track, status="processing", progress=0.426))
    assert 'aria-valuenow="43"' in html and "width: 43%" in html and "Generating the music — 43%" in html
    assert 'data-status="processing"' in html


def test_error_html_escapes_the_message():
    html = views.error_html("prompt: <script>alert(1)</script>")
    assert "<script>" not in html and "&lt;script&gt;" in html and 'role="alert"' in html


def test_title_escapes_markdown_and_html_of_the_prompt(track):
    title = views.title_markdown(track)
    assert "<b>" not in title and "\\*Rhodes\\*" in title
    assert "lo-fi · 80 BPM · D minor · 1:35 · symbolic · seed 42" in title


def test_plan_lists_the_resolved_plan_license_and_notices(track):
    plan = views.plan_markdown(track)
    for text in (
        "| Genre | lo-fi |",
        "| Tempo | 80 BPM |",
        "electric piano, drums",
        "| Energy | 0.35 |",
        "symbolic 1.0 (FluidR3\\_GM.sf2)",
        "-14.0 LUFS, true peak -1.6 dBTP",
        "| License | royalty-free |",
        "> Made with the symbolic engine",
    ):
        assert text in plan


def test_plan_of_a_pending_track_names_the_requested_engine(track):
    plan = views.plan_markdown(replace(track, status="pending", engine=None, notices=(), loudness_lufs=None))
    assert "| Engine | auto (requested) |" in plan and "Notices" not in plan and "| Loudness | — |" in plan


def test_downloads_link_only_the_files_the_track_has(track):
    html = views.downloads_html(track, base_url="https://studio.example/")
    root = f"https://studio.example/v1/music/{track.id}"
    for path in ("download", "stems/vocals", "stems/other", "waveform"):
        assert f'href="{root}/{path}"' in html
    assert "midi" not in html.lower()
    with_midi = views.downloads_html(replace(track, files={**track.files, "midi": "track.mid"}))
    assert f'href="/v1/music/{track.id}/midi"' in with_midi


def test_history_rows_follow_the_headers(track):
    long = replace(track, id="b" * 32, prompt="x" * 100, status="processing", progress=0.5, engine=None)
    rows = views.history_rows([track, long])
    assert len(rows[0]) == len(views.HISTORY_HEADERS)
    assert rows[0] == [
        "2025-03-04 05:06",
        track.prompt,
        "lo-fi",
        80,
        "1:35",
        "symbolic",
        "completed",
        "a" * 32,
    ]
    assert rows[1][1] == "x" * 60 + "…" and rows[1][5] == "auto" and rows[1][6] == "processing 50%"


@pytest.mark.parametrize(
    ("version", "model", "shown"),
    [
        ("symbolic-1", "FluidR3_GM.sf2", "| Engine | symbolic-1 (FluidR3\\_GM.sf2) |"),
        ("2.0", None, "| Engine | symbolic 2.0 |"),
        (None, None, "| Engine | symbolic |"),
    ],
)
def test_plan_names_the_engine_once(track, version, model, shown):
    assert shown in views.plan_markdown(replace(track, engine_version=version, model=model))


def test_notices_with_quotes_show_no_entity_text(track):
    noted = replace(track, notices=("MusicGen model 'facebook/musicgen-small' is not available.",))
    markdown = views.plan_markdown(noted)
    assert "'facebook/musicgen-small'" in markdown and "&#" not in markdown


def test_silent_stems_get_no_download(track):
    peaks = {"vocals": -200.0, "drums": -3.2, "bass": -6.0, "other": -81.0}
    quiet = replace(track, details={**track.details, "stem_peak_dbfs": peaks})
    assert views.silent_stems(quiet) == {"vocals", "other"}
    links = views.downloads_html(quiet)
    assert (
        'data-kind="drums"' in links
        and 'data-kind="vocals"' not in links
        and 'data-kind="other"' not in links
    )
    assert views.silent_stems(replace(track, details={})) == set()  # unknown: nothing hidden


def test_family_html_links_parent_and_children_and_escapes_their_prompts(track):
    parent = replace(track, prompt="<b>parent</b>")
    child = replace(track, id="b" * 32, prompt="child", parent_id=parent.id, operation="extend")
    html_text = views.family_html(child, parent, [])
    assert 'href="/?track=' + parent.id + '"' in html_text and "Made from (extend)" in html_text
    assert "<b>" not in html_text and "&lt;b&gt;parent" in html_text
    assert 'data-track="' + child.id + '"' in views.family_html(parent, None, [child])
    assert "a track that is gone" in views.family_html(child, None, [])
    assert views.family_html(parent, None, []) == ""
    assert views.share_url(parent.id, base_url="https://x.test/") == f"https://x.test/?track={parent.id}"
