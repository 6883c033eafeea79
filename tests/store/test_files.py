"""The file store publishes whole directories atomically and never builds paths from user input."""

from __future__ import annotations

import pytest

from musicgen_app.errors import NotFound
from musicgen_app.store.files import FileStore
from musicgen_app.track import new_track_id


def test_publish_replaces_an_earlier_attempt(tmp_path) -> None:
    store = FileStore(tmp_path)
    track_id = new_track_id()
    for attempt, content in ((1, b"first"), (2, b"second")):
        staging = store.staging_dir(track_id, attempt)
        (staging / "track.wav").write_bytes(content)
        store.publish(track_id, staging)
    assert (store.track_dir(track_id) / "track.wav").read_bytes() == b"second"
    assert not list(tmp_path.glob(".staging-*")) and not list(tmp_path.glob(".old-*"))


def test_a_new_attempt_clears_the_staging_left_by_a_crash(tmp_path) -> None:
    store = FileStore(tmp_path)
    track_id = new_track_id()
    (store.staging_dir(track_id, 1) / "partial.mp3").write_bytes(b"half")
    store.staging_dir(track_id, 2)
    assert [p.name for p in tmp_path.glob(".staging-*")] == [f".staging-{track_id}-2"]


def test_paths_stay_inside_the_track_directory(tmp_path) -> None:
    store = FileStore(tmp_path)
    track_id = new_track_id()
    store.publish(track_id, store.staging_dir(track_id, 1))
    with pytest.raises(ValueError):
        store.path(track_id, "../../etc/passwd")
    with pytest.raises(NotFound):
        store.track_dir("../" + track_id)
