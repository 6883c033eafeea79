"""Claims, re-sends and chores on SQLite and PostgreSQL: the queue semantics both databases must share."""

from __future__ import annotations

import contextlib
import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import update

from musicgen_app.prompt.interpret import interpret
from musicgen_app.request import parse_request
from musicgen_app.store.db import make_engine, make_sessionmaker
from musicgen_app.store.models import TrackRow
from musicgen_app.store.schema import upgrade
from musicgen_app.store.tracks import TrackRepository
from musicgen_app.track import Track, utc_now

from ..scale.services import postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def repo(request, tmp_path):
    context = (
        postgres_database()
        if request.param == "postgresql"
        else contextlib.nullcontext(f"sqlite:///{tmp_path / 'db.sqlite'}")
    )
    with context as url:
        engine = make_engine(url, prepare=False)
        upgrade(engine)
        yield TrackRepository(make_sessionmaker(engine))
        engine.dispose()


def _add(repo: TrackRepository, seed: int) -> Track:
    request = parse_request({"prompt": "calm piano", "duration": 5, "seed": seed})
    return repo.add(Track.new(request, interpret(request, seed=seed)), max_waiting=100)


def test_a_track_is_claimed_once_however_often_its_message_comes(repo) -> None:
    track = _add(repo, 1)
    with ThreadPoolExecutor(8) as pool:
        claims = list(
            pool.map(lambda i: repo.claim(track.id, f"w:{i}", lease_s=30, max_attempts=3), range(8))
        )
    winners = [c for c in claims if c is not None]
    assert len(winners) == 1 and winners[0].status == "processing" and winners[0].attempts == 1
    assert repo.claim(track.id, "late", lease_s=30, max_attempts=3) is None


def test_concurrent_claimers_take_different_tracks(repo) -> None:
    ids = {_add(repo, seed).id for seed in range(6)}
    with ThreadPoolExecutor(6) as pool:
        claimed = list(pool.map(lambda i: repo.claim_next(f"w:{i}", lease_s=30, max_attempts=3), range(6)))
    assert {t.id for t in claimed if t is not None} == ids


def test_an_expired_lease_is_claimed_again_and_needs_a_message(repo) -> None:
    track = _add(repo, 2)
    assert repo.claim(track.id, "dead:1", lease_s=30, max_attempts=3) is not None
    assert repo.needing_a_message(older_than_s=60, max_attempts=3) == []
    past = utc_now() - dt.timedelta(seconds=120)
    with repo._sessions.begin() as session:
        session.execute(
            update(TrackRow).where(TrackRow.id == track.id).values(lease_expires_at=past, enqueued_at=past)
        )
    assert repo.needing_a_message(older_than_s=60, max_attempts=3) == [track.id]
    again = repo.claim(track.id, "alive:2", lease_s=30, max_attempts=3)
    assert again is not None and again.attempts == 2


def test_a_pending_track_whose_message_is_old_needs_another(repo) -> None:
    fresh, old = _add(repo, 3), _add(repo, 4)
    repo.mark_enqueued([fresh.id, old.id])
    with repo._sessions.begin() as session:
        past = utc_now() - dt.timedelta(seconds=600)
        session.execute(update(TrackRow).where(TrackRow.id == old.id).values(enqueued_at=past))
    assert repo.needing_a_message(older_than_s=60, max_attempts=3) == [old.id]


def test_one_winner_per_period(repo) -> None:
    with ThreadPoolExecutor(8) as pool:
        wins = list(pool.map(lambda i: repo.try_lead("chore", f"n{i}", period_s=60), range(8)))
    assert wins.count(True) == 1
    assert not repo.try_lead("chore", "later", period_s=60)
    assert repo.try_lead("another-chore", "later", period_s=60)
