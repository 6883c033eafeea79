"""Lineage (parent_id, operation), cancel and variations through the REST API: the contract's shapes
(202, 404, 409, 422) and what the new tracks hold."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest

from musicgen_app.audio.tags import read_smpl_loop, read_tags
from musicgen_app.config import Settings
from musicgen_app.formats import STEM_NAMES
from musicgen_app.store.db import make_engine
from musicgen_app.store.models import TrackRow
from musicgen_app.track import new_track_id
from musicgen_app.track_json import PUBLIC_FIELDS

from .helpers import decode, residual_db, wait_for_track

_MISSING = "0" * 32


def _error(answer, status: int) -> dict:
    assert answer.status_code == status, answer.text
    return answer.json()["error"]


@pytest.fixture(scope="module")
def parent(api_client) -> dict:
    body = {
        "prompt": "warm lo-fi beat with piano",
        "duration": 8,
        "seed": 4,
        "engine": "symbolic",
        "output_format": "wav",
        "key": "F# minor",
    }
    created = api_client.post("/v1/music/generate", json=body)
    assert created.status_code == 202
    assert created.json()["parent_id"] is None and created.json()["operation"] is None
    return wait_for_track(api_client, created.json()["id"])


def test_a_generated_track_has_no_parent(parent) -> None:
    assert parent["status"] == "completed"
    assert parent["parent_id"] is None and parent["operation"] is None
    assert {"parent_id", "operation"} <= {f.name for f in PUBLIC_FIELDS}


def test_variations_keep_key_tempo_and_structure_by_default(api_client, parent) -> None:
    answer = api_client.post(f"/v1/music/{parent['id']}/variations", json={"count": 2, "seed": 100})
    assert answer.status_code == 202, answer.text
    made = answer.json()
    assert made["count"] == 2 and len(made["data"]) == 2
    for child in made["data"]:
        assert child["parent_id"] == parent["id"] and child["operation"] == "variation"
    children = [wait_for_track(api_client, c["id"]) for c in made["data"]]
    for child in children:
        assert child["status"] == "completed", child["error"]
        assert (child["key"], child["tempo"], child["duration"]) == (parent["key"], parent["tempo"], 8)
        assert child["plan"]["time_signature"] == parent["plan"]["time_signature"]
        assert child["plan"]["sources"]["key"] == "kept from the parent"
        assert child["sections"] == parent["sections"]
        assert child["seed"] != parent["seed"]
    assert children[0]["seed"] + 1 == children[1]["seed"]
    first, second = (api_client.get(f"/v1/music/{c['id']}/audio").content for c in children)
    assert first != second, "two variations with different seeds sound different"
    listed = api_client.get("/v1/music", params={"limit": 5}).json()["data"]
    assert {c["id"] for c in children} <= {t["id"] for t in listed}


def test_a_variation_not_keeping_the_key_decides_it_again(api_client, parent) -> None:
    answer = api_client.post(
        f"/v1/music/{parent['id']}/variations", json={"keep": ["tempo"], "count": 4, "seed": 7}
    )
    assert answer.status_code == 202
    plans = [api_client.get(f"/v1/music/{c['id']}").json()["plan"] for c in answer.json()["data"]]
    assert all(p["sources"]["key"] != "kept from the parent" for p in plans)
    assert all(p["tempo_bpm"] == parent["tempo"] for p in plans)
    # the prompt names no key, so a fresh seed picks among the genre's keys
    assert len({(p["key"], p["mode"]) for p in plans} | {("F#", "minor")}) > 1
    for child in answer.json()["data"]:
        api_client.post(f"/v1/music/{child['id']}/cancel")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"count": 0}, "count"),
        ({"count": 5}, "count"),
        ({"keep": ["mood"]}, "keep"),
        ({"keep": ["key", "key"]}, "keep"),
        ({"colour": "red"}, "colour"),
        ([], "body"),
    ],
)
def test_variation_bodies_break_named_rules(api_client, parent, body, field) -> None:
    error = _error(api_client.post(f"/v1/music/{parent['id']}/variations", json=body), 422)
    assert error["code"] == "invalid_request" and error["details"][0]["field"] == field


def test_variations_of_an_unknown_track_are_404(api_client) -> None:
    assert _error(api_client.post(f"/v1/music/{_MISSING}/variations", json={}), 404)["code"] == "not_found"
    assert _error(api_client.post("/v1/music/not-an-id/variations", json={}), 404)["code"] == "not_found"


def _long_track(api_client) -> str:
    body = {"prompt": "long ambient drift", "duration": 300, "engine": "symbolic", "seed": 1}
    return api_client.post("/v1/music/generate", json=body).json()["id"]


def test_cancel_stops_a_running_job_and_leaves_no_files(api_client) -> None:
    track_id = _long_track(api_client)
    answer = api_client.post(f"/v1/music/{track_id}/cancel")
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "cancelled" and answer.json()["audio_url"] is None
    time.sleep(1.0)
    again = api_client.get(f"/v1/music/{track_id}").json()
    assert again["status"] == "cancelled"
    assert _error(api_client.get(f"/v1/music/{track_id}/audio"), 409)["code"] == "not_ready"
    assert _error(api_client.post(f"/v1/music/{track_id}/cancel"), 409)["code"] == "already_finished"
    assert api_client.get("/v1/music", params={"status": "cancelled"}).json()["count"] >= 1


def test_a_cancelled_processing_job_frees_its_worker(api_client) -> None:
    track_id = _long_track(api_client)
    deadline = time.monotonic() + 60
    while api_client.get(f"/v1/music/{track_id}").json()["status"] == "pending":
        assert time.monotonic() < deadline, "the long track never started"
        time.sleep(0.1)
    api_client.post(f"/v1/music/{track_id}/cancel")
    body = {"prompt": "short piano sketch", "duration": 5, "engine": "symbolic", "seed": 2}
    started = time.monotonic()
    follower = wait_for_track(api_client, api_client.post("/v1/music/generate", json=body).json()["id"])
    assert follower["status"] == "completed"
    # the one worker dropped the 300 s render instead of finishing it first (that takes minutes here)
    assert time.monotonic() - started < 45
    assert api_client.get(f"/v1/music/{track_id}").json()["status"] == "cancelled"


def test_cancel_of_a_finished_or_unknown_track(api_client, parent) -> None:
    error = _error(api_client.post(f"/v1/music/{parent['id']}/cancel"), 409)
    assert error["code"] == "already_finished" and "completed" in error["message"]
    assert _error(api_client.post(f"/v1/music/{_MISSING}/cancel"), 404)["code"] == "not_found"


def test_an_edit_of_a_track_that_is_not_completed_is_409(api_client) -> None:
    track_id = _long_track(api_client)
    error = _error(api_client.post(f"/v1/music/{track_id}/variations", json={}), 409)
    assert error["code"] == "not_ready"
    api_client.post(f"/v1/music/{track_id}/cancel")
    assert _error(api_client.post(f"/v1/music/{track_id}/variations", json={}), 409)["code"] == "not_ready"


def test_a_database_of_the_last_release_gains_the_lineage_columns(tmp_path) -> None:
    import sqlite3

    from sqlalchemy import create_engine

    from musicgen_app.store.schema import upgrade

    path = tmp_path / "old.db"
    old = create_engine(f"sqlite:///{path}")
    assert upgrade(old, "0002") == "0002"  # the schema before lineage
    old.dispose()
    with sqlite3.connect(path) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(tracks)")}
    assert not {"parent_id", "operation", "edit"} & columns
    make_engine(Settings(data_dir=tmp_path, database_url=f"sqlite:///{path}").resolved_database_url)
    with sqlite3.connect(path) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(tracks)")}
        indexes = {row[1] for row in db.execute("PRAGMA index_list(tracks)")}
    assert {"parent_id", "operation", "edit"} <= columns and "ix_tracks_parent_id" in indexes


def test_a_remix_is_a_new_track_with_the_stems_rebalanced(api_client, parent) -> None:
    body = {"levels_db": {"bass": -6}, "mute": ["drums"]}
    answer = api_client.post(f"/v1/music/{parent['id']}/remix", json=body)
    assert answer.status_code == 202, answer.text
    assert answer.headers["Location"] == f"/v1/music/{answer.json()['id']}"
    assert (answer.json()["parent_id"], answer.json()["operation"]) == (parent["id"], "remix")
    child = wait_for_track(api_client, answer.json()["id"])
    assert child["status"] == "completed", child["error"]
    assert child["edit"] == {"levels_db": {"vocals": 0.0, "drums": None, "bass": -6.0, "other": 0.0}}
    assert (child["duration"], child["key"], child["tempo"]) == (
        parent["duration"],
        parent["key"],
        parent["tempo"],
    )
    assert child["details"]["stem_peak_dbfs"]["drums"] < -100, "a muted stem is silent"
    assert parent["details"]["stem_peak_dbfs"]["drums"] > -60
    for side in ("midi", "beats"):
        assert api_client.get(f"/v1/music/{child['id']}/{side}").content == (
            api_client.get(f"/v1/music/{parent['id']}/{side}").content
        )
    stems = [decode(api_client.get(f"/v1/music/{child['id']}/stems/{n}").content)[0] for n in STEM_NAMES]
    mix, sr = decode(api_client.get(f"/v1/music/{child['id']}/audio").content)
    assert sr == 44_100 and mix.shape[0] == 8 * sr
    assert residual_db(mix, sum(stems)) < -60
    assert child["loudness_lufs"] == pytest.approx(-14, abs=1)
    # the parent is left as it was
    again = api_client.get(f"/v1/music/{parent['id']}").json()
    assert (again["completed_at"], again["loudness_lufs"]) == (
        parent["completed_at"],
        parent["loudness_lufs"],
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"levels_db": {"drums": 7}}, "levels_db"),
        ({"levels_db": {"guitar": -3}}, "levels_db"),
        ({"levels_db": {"drums": "loud"}}, "levels_db"),
        ({"mute": ["guitar"]}, "mute"),
        ({"mute": "drums"}, "mute"),
        ({"mute": list(STEM_NAMES)}, "mute"),
        ({"gains": {}}, "gains"),
    ],
)
def test_remix_bodies_break_named_rules(api_client, parent, body, field) -> None:
    error = _error(api_client.post(f"/v1/music/{parent['id']}/remix", json=body), 422)
    assert error["details"][0]["field"] == field


def test_a_remix_of_a_track_that_is_not_completed_or_unknown(api_client) -> None:
    track_id = _long_track(api_client)
    assert _error(api_client.post(f"/v1/music/{track_id}/remix", json={"mute": ["drums"]}), 409)["code"] == (
        "not_ready"
    )
    api_client.post(f"/v1/music/{track_id}/cancel")
    assert _error(api_client.post(f"/v1/music/{_MISSING}/remix", json={}), 404)["code"] == "not_found"


@pytest.fixture(scope="module")
def extended(api_client, parent) -> dict:
    answer = api_client.post(f"/v1/music/{parent['id']}/extend", json={"seconds": 6, "seed": 9})
    assert answer.status_code == 202, answer.text
    assert (answer.json()["parent_id"], answer.json()["operation"]) == (parent["id"], "extend")
    return wait_for_track(api_client, answer.json()["id"])


def _audio(api_client, track_id: str, route: str = "audio", fmt: str | None = None):
    params = {"format": fmt} if fmt else None
    return decode(api_client.get(f"/v1/music/{track_id}/{route}", params=params).content)


def test_extend_keeps_the_parent_sample_for_sample_up_to_a_bar_line(api_client, parent, extended) -> None:
    assert extended["status"] == "completed", extended["error"]
    assert (extended["duration"], extended["key"], extended["tempo"]) == (14, parent["key"], parent["tempo"])
    kept_s = extended["edit"]["kept_until_s"]
    bar_s = 60.0 / parent["tempo"] * 4
    assert 0 < kept_s < parent["duration"] and kept_s / bar_s == pytest.approx(round(kept_s / bar_s))
    kept = round(kept_s * 44_100)
    for route, fmt in [("audio", None), ("audio", "flac"), *((f"stems/{n}", "flac") for n in STEM_NAMES)]:
        old, _ = _audio(api_client, parent["id"], route, fmt)
        new, sr = _audio(api_client, extended["id"], route, fmt)
        assert new.shape[0] == 14 * sr, route
        assert np.array_equal(new[:kept], old[:kept]), route
    mix, _ = _audio(api_client, extended["id"], "audio", "flac")
    steps = np.abs(np.diff(mix, axis=0)).max(axis=1)
    # no click at the join: the step there is no larger than the music's own steps elsewhere
    assert steps[kept - 1] <= np.percentile(steps, 99.9)
    assert not np.array_equal(mix[kept:], np.zeros_like(mix[kept:]))


def test_extend_continues_the_beats_and_sections(api_client, parent, extended) -> None:
    old = api_client.get(f"/v1/music/{parent['id']}/beats").json()
    new = api_client.get(f"/v1/music/{extended['id']}/beats").json()
    kept_s = extended["edit"]["kept_until_s"]
    assert (new["tempo"], new["time_signature"]) == (old["tempo"], old["time_signature"])
    assert [b for b in new["beats"] if b < kept_s] == [b for b in old["beats"] if b < kept_s]
    assert new["beats"][-1] > old["beats"][-1] and new["sections"][-1]["end_s"] == 14
    kept_sections = [s["name"] for s in old["sections"] if s["start_s"] < kept_s - 1e-3]
    assert [s["name"] for s in new["sections"][: len(kept_sections)]] == kept_sections
    assert new["sections"][-1]["name"] == "ending"
    assert extended["loudness_lufs"] == pytest.approx(-14, abs=1.5)
    assert extended["true_peak_dbtp"] <= -0.9


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "seconds"),
        ({"seconds": 0}, "seconds"),
        ({"seconds": 5, "tempo": 90}, "tempo"),
        ({"seconds": 295}, "seconds"),
    ],
)
def test_extend_bodies_break_named_rules(api_client, parent, body, field) -> None:
    error = _error(api_client.post(f"/v1/music/{parent['id']}/extend", json=body), 422)
    assert error["details"][0]["field"] == field


def test_an_extend_of_an_unfinished_track_is_409(api_client) -> None:
    track_id = _long_track(api_client)
    error = _error(api_client.post(f"/v1/music/{track_id}/extend", json={"seconds": 5}), 409)
    assert error["code"] == "not_ready"
    api_client.post(f"/v1/music/{track_id}/cancel")


def _child(api_client, parent_id: str, route: str, body: dict) -> dict:
    answer = api_client.post(f"/v1/music/{parent_id}/{route}", json=body)
    assert answer.status_code == 202, answer.text
    child = wait_for_track(api_client, answer.json()["id"])
    assert child["status"] == "completed", child["error"]
    assert (child["parent_id"], child["operation"]) == (parent_id, route)  # the immediate parent
    return child


def _same_pcm(api_client, old_id: str, new_id: str, frames: slice) -> None:
    for route, fmt in [("audio", None), *((f"stems/{n}", "flac") for n in STEM_NAMES)]:
        old, _ = _audio(api_client, old_id, route, fmt)
        new, _ = _audio(api_client, new_id, route, fmt)
        assert np.array_equal(new[frames], old[frames]), route


def test_a_chain_of_edits_extend_extend_regenerate_loop(api_client, extended) -> None:
    """Edits of edits: each keeps its immediate parent's samples where the contract says, and its
    lineage points at that parent."""
    again = _child(api_client, extended["id"], "extend", {"seconds": 5, "seed": 12})
    assert again["duration"] == extended["duration"] + 5 == 19
    bar_s = 60.0 / extended["tempo"] * 4
    kept_s = again["edit"]["kept_until_s"]
    # the first extension's own ending is where the second one starts: past the first cut
    assert extended["edit"]["kept_until_s"] < kept_s < extended["duration"]
    assert kept_s / bar_s == pytest.approx(round(kept_s / bar_s))
    _same_pcm(api_client, extended["id"], again["id"], slice(0, round(kept_s * 44_100)))
    mix, sr = _audio(api_client, again["id"])
    assert mix.shape[0] == 19 * sr

    fixed = _child(api_client, again["id"], "regenerate", {"start_s": 8.5, "end_s": 11.0, "seed": 3})
    start, stop = (round(t * 44_100) for t in fixed["details"]["changed_s"])
    _same_pcm(api_client, again["id"], fixed["id"], slice(0, start))
    _same_pcm(api_client, again["id"], fixed["id"], slice(stop, None))
    assert fixed["duration"] == 19 and fixed["sections"] == again["sections"]
    old_mix, _ = _audio(api_client, again["id"])
    new_mix, _ = _audio(api_client, fixed["id"])
    assert not np.array_equal(new_mix[start:stop], old_mix[start:stop])

    looped = _child(api_client, fixed["id"], "loop", {"bars": 4})
    assert looped["loop"]["bars"] == 4 and looped["tempo"] == fixed["tempo"]
    error = _error(api_client.post(f"/v1/music/{looped['id']}/regenerate", json={"section": 0}), 422)
    assert error["details"][0]["field"] == "track" and "loop" in error["message"]


def test_a_remix_then_extend_keeps_the_remix_balance(api_client, parent) -> None:
    """The new music of an extend follows its parent's stem levels: a stem the remix muted stays muted."""
    remix = _child(api_client, parent["id"], "remix", {"mute": ["drums"]})
    longer = _child(api_client, remix["id"], "extend", {"seconds": 5, "seed": 2})
    kept = round(longer["edit"]["kept_until_s"] * 44_100)
    _same_pcm(api_client, remix["id"], longer["id"], slice(0, kept))
    drums, _ = _audio(api_client, longer["id"], "stems/drums", "flac")
    assert not np.any(drums), "the muted drums stay muted in the new music"
    bass, _ = _audio(api_client, longer["id"], "stems/bass", "flac")
    assert np.any(bass[kept:])


def test_a_section_of_a_variation_is_regenerated(api_client, parent) -> None:
    made = api_client.post(f"/v1/music/{parent['id']}/variations", json={"count": 1, "seed": 31}).json()
    variation = wait_for_track(api_client, made["data"][0]["id"])
    child = _child(api_client, variation["id"], "regenerate", {"start_s": 2, "end_s": 4, "seed": 6})
    start, _stop = (round(t * 44_100) for t in child["details"]["changed_s"])
    _same_pcm(api_client, variation["id"], child["id"], slice(0, start))


@pytest.fixture(scope="module")
def loop(api_client) -> dict:
    body = {"prompt": "deep house groove", "duration": 8, "tempo": 124, "loop": True, "seed": 3}
    answer = api_client.post(
        "/v1/music/generate", json={**body, "engine": "symbolic", "output_format": "wav"}
    )
    assert answer.status_code == 202, answer.text
    return wait_for_track(api_client, answer.json()["id"])


def test_a_generated_loop_has_whole_bars_and_its_points_everywhere(api_client, loop, tmp_path) -> None:
    assert loop["status"] == "completed", loop["error"]
    bars = round(8 / (4 * 60 / 124))  # 8 s at 124 BPM in 4/4: 4.13 bars -> 4
    frames = round(bars * 4 * 60 / 124 * 44_100)
    assert loop["loop"] == {
        "bars": bars,
        "start_frame": 0,
        "length_frames": frames,
        "length_s": round(frames / 44_100, 6),
    }
    assert loop["plan"]["loop_bars"] == bars and loop["duration"] == round(frames / 44_100)
    wav = api_client.get(f"/v1/music/{loop['id']}/audio").content
    audio, _ = decode(wav)
    assert audio.shape[0] == frames
    (tmp_path / "loop.wav").write_bytes(wav)
    assert read_smpl_loop(tmp_path / "loop.wav") == (0, frames - 1)
    for fmt in ("flac", "mp3", "ogg"):
        path = tmp_path / f"loop.{fmt}"
        path.write_bytes(api_client.get(f"/v1/music/{loop['id']}/audio", params={"format": fmt}).content)
        tags = read_tags(path)
        assert (tags["loopstart"], tags["looplength"]) == ("0", str(frames)), fmt
    assert read_tags(tmp_path / "loop.wav")["looplength"] == str(frames)
    beats = api_client.get(f"/v1/music/{loop['id']}/beats").json()
    assert len(beats["downbeats"]) == bars and beats["tempo"] == 124


def test_a_loop_made_from_a_track_keeps_its_key_and_tempo(api_client, parent) -> None:
    answer = api_client.post(f"/v1/music/{parent['id']}/loop", json={"bars": 8})
    assert answer.status_code == 202, answer.text
    child = wait_for_track(api_client, answer.json()["id"])
    assert (child["parent_id"], child["operation"], child["edit"]) == (parent["id"], "loop", {"bars": 8})
    assert (child["key"], child["tempo"], child["seed"]) == (parent["key"], parent["tempo"], parent["seed"])
    assert child["loop"]["bars"] == 8
    mix, _ = decode(api_client.get(f"/v1/music/{child['id']}/audio", params={"format": "flac"}).content)
    steps = np.abs(np.diff(np.concatenate([mix, mix]), axis=0)).max(axis=1)
    assert steps[mix.shape[0] - 1] <= np.percentile(steps, 99.9)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"prompt": "x", "loop": "yes"}, "loop"),
        ({"prompt": "x", "loop": True, "engine": "musicgen", "instruments": ["piano"]}, "instruments"),
        ({"prompt": "x", "loop": True, "structure": [{"section": "verse", "bars": 2}]}, "structure"),
    ],
)
def test_loop_rules_on_generate(api_client, body, field) -> None:
    error = _error(api_client.post("/v1/music/generate", json=body), 422)
    assert error["details"][0]["field"] == field


def test_loop_route_rules(api_client, parent, loop) -> None:
    for body, field in (({"bars": 0}, "bars"), ({"bars": 65}, "bars"), ({"beats": 4}, "beats")):
        error = _error(api_client.post(f"/v1/music/{parent['id']}/loop", json=body), 422)
        assert error["details"][0]["field"] == field
    assert _error(api_client.post(f"/v1/music/{_MISSING}/loop", json={}), 404)["code"] == "not_found"


def test_an_extended_loop_plays_the_whole_loop_then_goes_on(api_client, loop) -> None:
    longer = _child(api_client, loop["id"], "extend", {"seconds": 4, "seed": 5})
    frames = loop["loop"]["length_frames"]
    assert longer["loop"] is None and longer["edit"]["kept_until_s"] == pytest.approx(
        frames / 44_100, abs=1e-4
    )
    _same_pcm(api_client, loop["id"], longer["id"], slice(0, frames))
    mix, sr = _audio(api_client, longer["id"])
    assert mix.shape[0] == round((frames / sr + 4) * sr)


@pytest.fixture(scope="module")
def song(api_client) -> dict:
    """A track long enough to have several sections (a span in the middle has music on both sides)."""
    body = {"prompt": "upbeat pop song with piano", "duration": 24, "tempo": 120, "seed": 8}
    answer = api_client.post(
        "/v1/music/generate", json={**body, "engine": "symbolic", "output_format": "flac"}
    )
    return wait_for_track(api_client, answer.json()["id"])


def test_regenerate_changes_only_the_span_snapped_to_bars(api_client, song) -> None:
    answer = api_client.post(
        f"/v1/music/{song['id']}/regenerate", json={"start_s": 5.1, "end_s": 9.9, "seed": 77}
    )
    assert answer.status_code == 202, answer.text
    child = wait_for_track(api_client, answer.json()["id"])
    assert child["status"] == "completed", child["error"]
    assert (child["parent_id"], child["operation"]) == (song["id"], "regenerate")
    edit = child["edit"]
    assert (edit["start_bar"], edit["end_bar"], edit["start_s"], edit["end_s"]) == (2, 5, 4.0, 10.0)
    start, stop = (round(t * 44_100) for t in child["details"]["changed_s"])
    assert start == 4 * 44_100 and stop == round((10.0 + 2.0) * 44_100)
    for route in ("audio", *(f"stems/{n}" for n in STEM_NAMES)):
        old, _ = _audio(api_client, song["id"], route)
        new, sr = _audio(api_client, child["id"], route)
        assert new.shape == old.shape == (24 * sr, 2), route
        assert np.array_equal(new[:start], old[:start]), route
        assert np.array_equal(new[stop:], old[stop:]), route
    mix_old, _ = _audio(api_client, song["id"])
    mix_new, _ = _audio(api_client, child["id"])
    assert not np.array_equal(mix_new[start:stop], mix_old[start:stop]), "the span is new music"
    steps = np.abs(np.diff(mix_new, axis=0)).max(axis=1)
    assert steps[start - 1] <= np.percentile(steps, 99.9)
    assert api_client.get(f"/v1/music/{child['id']}/beats").content == (
        api_client.get(f"/v1/music/{song['id']}/beats").content
    )
    assert child["sections"] == song["sections"] and child["duration"] == song["duration"]
    midi_old = api_client.get(f"/v1/music/{song['id']}/midi").content
    assert api_client.get(f"/v1/music/{child['id']}/midi").content != midi_old


def test_regenerate_a_section_by_its_index(api_client, song) -> None:
    index = 1
    answer = api_client.post(f"/v1/music/{song['id']}/regenerate", json={"section": index, "seed": 5})
    assert answer.status_code == 202, answer.text
    child = wait_for_track(api_client, answer.json()["id"])
    assert child["status"] == "completed", child["error"]
    assert child["edit"]["start_s"] == pytest.approx(song["sections"][index]["start_s"], abs=1e-3)
    assert child["edit"]["end_s"] == pytest.approx(song["sections"][index + 1]["start_s"], abs=1e-3)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "start_s"),
        ({"start_s": 2}, "end_s"),
        ({"section": 1, "start_s": 2, "end_s": 4}, "section"),
        ({"start_s": 6, "end_s": 4}, "end_s"),
        ({"start_s": 2, "end_s": 40}, "end_s"),
        ({"section": 99}, "section"),
        ({"section": 1, "tempo": 100}, "tempo"),
    ],
)
def test_regenerate_bodies_break_named_rules(api_client, song, body, field) -> None:
    error = _error(api_client.post(f"/v1/music/{song['id']}/regenerate", json=body), 422)
    assert error["details"][0]["field"] == field


def test_regenerate_of_an_unfinished_track_is_409(api_client) -> None:
    track_id = _long_track(api_client)
    assert _error(api_client.post(f"/v1/music/{track_id}/regenerate", json={"section": 0}), 409)["code"] == (
        "not_ready"
    )
    api_client.post(f"/v1/music/{track_id}/cancel")


def test_an_edit_with_an_idempotency_key_is_made_once(api_client, parent) -> None:
    headers = {"Idempotency-Key": f"loop-{parent['id']}"}
    first = api_client.post(f"/v1/music/{parent['id']}/loop", json={"bars": 4}, headers=headers)
    again = api_client.post(f"/v1/music/{parent['id']}/loop", json={"bars": 4}, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    other = api_client.post(f"/v1/music/{parent['id']}/loop", json={"bars": 8}, headers=headers)
    assert _error(other, 422)["details"][0]["field"] == "Idempotency-Key"
    wait_for_track(api_client, first.json()["id"])


def test_variations_with_an_idempotency_key_are_made_once(api_client, parent) -> None:
    headers = {"Idempotency-Key": f"vary-{parent['id']}"}
    url = f"/v1/music/{parent['id']}/variations"
    first = api_client.post(url, json={"count": 3}, headers=headers)
    again = api_client.post(url, json={"count": 3}, headers=headers)
    assert first.status_code == again.status_code == 202
    ids = [track["id"] for track in first.json()["data"]]
    assert len(set(ids)) == 3 and [track["id"] for track in again.json()["data"]] == ids
    other = api_client.post(url, json={"count": 2}, headers=headers)
    assert _error(other, 422)["details"][0]["field"] == "Idempotency-Key"
    for track_id in ids:
        api_client.post(f"/v1/music/{track_id}/cancel")


def test_edits_say_which_engines_can_make_them_for_another_engines_track(api_client, parent) -> None:
    """A track of an engine that cannot loop or extend (ACE-Step here) gets a clear 422 naming the
    engines that can and the one that made it (its regenerate is the model's repaint:
    ``tests/test_acestep_api.py``)."""
    service = api_client.app.state.service
    stored = service.repo.get(parent["id"])
    neural = dataclasses.replace(stored, id=new_track_id(), status="pending", engine=None, files={})
    service.repo.add(neural)
    service.repo.cancel(neural.id)  # keep the workers off it, then complete it as that engine had
    with service.repo._sessions.begin() as session:
        row = session.get(TrackRow, neural.id)
        row.status, row.engine, row.files = "completed", "acestep", dict(stored.files)
    error = _error(api_client.post(f"/v1/music/{neural.id}/loop", json={"bars": 4}), 422)
    assert error["details"][0]["field"] == "track"
    assert "symbolic or musicgen engine" in error["message"] and "acestep" in error["message"]
    error = _error(api_client.post(f"/v1/music/{neural.id}/extend", json={"seconds": 5}), 422)
    assert error["details"][0]["field"] == "track" and "no extend task" in error["message"]


_EDIT_BODIES = {
    "extend": {"seconds": 5},
    "regenerate": {"section": 0},
    "loop": {"bars": 4},
    "remix": {"mute": ["drums"]},
    "variations": {"count": 1},
}


@pytest.mark.parametrize("route", sorted(_EDIT_BODIES))
def test_every_edit_route_answers_the_contracts_shapes(api_client, parent, route) -> None:
    """404 for an unknown track, 422 naming an unknown field, 409 for a track still being made."""
    body = _EDIT_BODIES[route]
    missing = _error(api_client.post(f"/v1/music/{_MISSING}/{route}", json=body), 404)
    assert missing["code"] == "not_found" and _MISSING in missing["message"]
    unknown = _error(api_client.post(f"/v1/music/{parent['id']}/{route}", json={**body, "colour": 1}), 422)
    assert unknown["code"] == "invalid_request" and unknown["details"][0]["field"] == "colour"
    track_id = _long_track(api_client)
    try:
        busy = _error(api_client.post(f"/v1/music/{track_id}/{route}", json=body), 409)
        assert busy["code"] == "not_ready" and track_id in busy["message"]
    finally:
        api_client.post(f"/v1/music/{track_id}/cancel")
