"""The repository and its queue operations: claims, leases, retries, stale workers."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from musicgen_app.errors import NotFound
from musicgen_app.store.db import make_engine, make_sessionmaker
from musicgen_app.store.models import utc_now
from musicgen_app.store.tracks import TrackRepository
from musicgen_app.track import Track, TrackOutcome, check_track_id, new_track_id


@pytest.fixture
def repo(tmp_path) -> TrackRepository:
    return TrackRepository(make_sessionmaker(make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")))


def make_outcome(**changes) -> TrackOutcome:
    values = dict(
        files={"mix": "master/mix.flac"},
        engine="symbolic",
        engine_version="2",
        model="FluidR3_GM.sf2",
        license="MIT",
        key="C major",
        loudness_lufs=-14.0,
        true_peak_dbtp=-1.5,
        notices=("a notice",),
        sections=(("intro", 0.0), ("verse", 8.0)),
        details={"parts": [{"notes": 3}]},
    )
    return TrackOutcome(**{**values, **changes})


def make_track(**changes) -> Track:
    values = dict(
        id=new_track_id(),
        status="pending",
        prompt="lo-fi",
        duration_s=5,
        genre="lo-fi",
        tempo_bpm=80,
        key="C minor",
        output_format="wav",
        seed=1,
        engine_requested="auto",
        created_at=utc_now(),
        plan={"genre": "lo-fi"},
    )
    values.update(changes)
    return Track(**values)


def test_round_trip_keeps_every_field_and_timezone(repo) -> None:
    stored = repo.add(make_track(notices=("a notice",)))
    again = repo.get(stored.id)
    assert again == stored
    assert again.created_at.tzinfo is not None
    assert again.notices == ("a notice",)


def test_list_is_newest_first_and_paginated(repo) -> None:
    base = utc_now()
    ids = [repo.add(make_track(created_at=base + dt.timedelta(seconds=i))).id for i in range(5)]
    page, count = repo.list(limit=2, offset=1)
    assert count == 5
    assert [t.id for t in page] == [ids[3], ids[2]]


def test_claim_takes_oldest_pending_once(repo) -> None:
    first = repo.add(make_track(created_at=utc_now() - dt.timedelta(seconds=5)))
    repo.add(make_track())
    claimed = repo.claim_next("w1", lease_s=30, max_attempts=3)
    assert claimed.id == first.id and claimed.status == "processing" and claimed.attempts == 1
    second = repo.claim_next("w2", lease_s=30, max_attempts=3)
    assert second.id != first.id
    assert repo.claim_next("w3", lease_s=30, max_attempts=3) is None


def test_concurrent_claims_never_share_a_job(repo) -> None:
    for _ in range(20):
        repo.add(make_track())
    claimed: list[str] = []

    def worker(name: str) -> None:
        while (track := repo.claim_next(name, lease_s=30, max_attempts=3)) is not None:
            claimed.append(track.id)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claimed) == 20 == len(set(claimed))


def test_expired_lease_is_claimed_again_and_stale_worker_is_ignored(repo) -> None:
    track = repo.add(make_track())
    repo.claim_next("dead", lease_s=1.05, max_attempts=3)
    assert repo.claim_next("live", lease_s=30, max_attempts=3) is None
    time.sleep(1.1)
    again = repo.claim_next("live", lease_s=30, max_attempts=3)
    assert again.id == track.id and again.attempts == 2
    assert not repo.set_progress(track.id, "dead", 0.5)
    assert not repo.complete(track.id, "dead", make_outcome())
    assert repo.set_progress(track.id, "live", 0.5)
    assert repo.get(track.id).progress == 0.5


def test_exhausted_jobs_fail_with_a_reason(repo) -> None:
    track = repo.add(make_track())
    repo.claim_next("w", lease_s=1.05, max_attempts=1)
    time.sleep(1.1)
    assert repo.claim_next("w2", lease_s=30, max_attempts=1) is None
    assert repo.fail_exhausted(max_attempts=1) == 1
    failed = repo.get(track.id)
    assert failed.status == "failed" and "interrupted" in failed.error


def test_complete_release_and_fail(repo) -> None:
    track = repo.add(make_track())
    repo.claim_next("w", lease_s=30, max_attempts=3)
    assert repo.release(track.id, "w")
    assert repo.get(track.id).status == "pending"
    repo.claim_next("w", lease_s=30, max_attempts=3)
    outcome = make_outcome()
    assert repo.complete(track.id, "w", outcome)
    done = repo.get(track.id)
    assert done.status == "completed" and done.progress == 1.0 and done.completed_at is not None
    # every outcome field round-trips through the row, as the in-memory transition gives it
    expected = track.completed_with(outcome)
    for name in outcome.fields():
        assert getattr(done, name) == getattr(expected, name), name


def test_unknown_and_malformed_ids(repo) -> None:
    with pytest.raises(NotFound):
        repo.get(new_track_id())
    for bad in ["../../etc/passwd", "..%2F..%2Fetc", "A" * 32, "", "0" * 31]:
        with pytest.raises(NotFound):
            check_track_id(bad)


def test_leases_of_dead_owners_end_at_once(repo) -> None:
    dead = repo.add(make_track())
    alive = repo.add(make_track())
    repo.claim_next("dead-worker", lease_s=300, max_attempts=3)
    repo.claim_next("live-worker", lease_s=300, max_attempts=3)
    assert repo.expire_leases(lambda owner: owner == "dead-worker") == 1
    again = repo.claim_next("new-worker", lease_s=300, max_attempts=3)
    assert again.id == dead.id and again.attempts == 2
    assert repo.get(alive.id).status == "processing"


def test_children_are_found_by_parent_among_any_number_of_tracks(repo) -> None:
    """The family of an old track still lists its children after more than a page of newer tracks."""
    base = utc_now()
    parent = repo.add(make_track(created_at=base))
    first = repo.add(
        make_track(created_at=base + dt.timedelta(seconds=1), parent_id=parent.id, operation="loop")
    )
    for i in range(120):  # newer tracks push the child far past the newest 100
        repo.add(make_track(created_at=base + dt.timedelta(seconds=2 + i)))
    other_owner = make_track(
        created_at=base + dt.timedelta(seconds=200), parent_id=parent.id, operation="remix", owner="k2"
    )
    last = repo.add(
        make_track(created_at=base + dt.timedelta(seconds=300), parent_id=parent.id, operation="extend")
    )
    repo.add(other_owner)
    newest, _count = repo.list(limit=100, offset=0)
    assert first.id not in {t.id for t in newest}
    assert [t.id for t in repo.children(parent.id, limit=100)] == [first.id, other_owner.id, last.id]
    assert [t.id for t in repo.children(parent.id, limit=1)] == [first.id]
    assert repo.children(parent.id, limit=100, owner="k2") == [repo.get(other_owner.id)]
    assert repo.children(first.id, limit=100) == []
