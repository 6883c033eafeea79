"""Web and worker nodes as real processes on PostgreSQL, Redis or RabbitMQ, and S3 (moto's server).

No mock of any service: the tests talk to them over the network like a deployment does.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine, text

from musicgen_app.store.db import make_engine
from musicgen_app.store.schema import upgrade

from .cluster import Node, cluster_env, wait_all
from .services import (
    moto_s3,
    postgres_database,
    private_redis,
    rabbitmq_vhost,
    redis_namespace,
    s3_bucket,
    s3_client,
    s3_keys,
    unique,
)

pytestmark = pytest.mark.slow

PROMPTS = ["lofi hip hop with rain", "upbeat funk groove", "dark techno", "calm piano ballad", "bossa nova"]


@contextlib.contextmanager
def _backends(broker: str, tmp_path):
    """(env for the nodes, endpoint, bucket, database URL) on fresh corners of the real services."""
    with contextlib.ExitStack() as stack:
        database_url = stack.enter_context(postgres_database())
        engine = make_engine(database_url, prepare=False)
        upgrade(engine)  # what `python -m musicgen_app db upgrade` does, once per deployment
        engine.dispose()
        if broker == "redis":
            broker_url, namespace = stack.enter_context(redis_namespace())
        elif broker == "private-redis":
            broker_url, namespace = stack.enter_context(private_redis(tmp_path)), unique("mgtest")
        else:
            broker_url, namespace = stack.enter_context(rabbitmq_vhost()), "musicgen_app"
        endpoint = stack.enter_context(moto_s3())
        bucket = stack.enter_context(s3_bucket(endpoint))
        yield (
            cluster_env(database_url, broker_url, namespace, endpoint, bucket),
            endpoint,
            bucket,
            database_url,
        )


@contextlib.contextmanager
def _nodes(tmp_path, env: dict, *, workers: int, web: bool = True):
    nodes: list[Node] = []
    try:
        if web:
            nodes.append(Node(["serve", "--no-workers"], tmp_path / "web", env))
            nodes[0].wait_healthy()
        for index in range(workers):
            nodes.append(Node(["worker", "--processes", "1", "--threads", "1"], tmp_path / f"w{index}", env))
        yield nodes
    finally:
        for node in nodes:
            node.stop()


def _submit(base_url: str, count: int, *, duration: int = 5) -> list[str]:
    def one(index: int) -> str:
        body = {"prompt": PROMPTS[index % len(PROMPTS)], "duration": duration, "seed": index}
        answer = httpx.post(f"{base_url}/v1/music/generate", json=body, timeout=60)
        assert answer.status_code == 202, answer.text
        return answer.json()["id"]

    with ThreadPoolExecutor(max_workers=10) as pool:
        return list(pool.map(one, range(count)))


def _object(endpoint: str, bucket: str, key: str) -> bytes:
    return s3_client(endpoint).get_object(Bucket=bucket, Key=key)["Body"].read()


def _check_files_equal_the_objects(base_url: str, endpoint: str, bucket: str, track: dict) -> None:
    track_id = track["id"]
    keys = set(s3_keys(endpoint, bucket, "studio/tracks/"))
    prefix = f"studio/tracks/{track_id}/"
    mine = {key.removeprefix(prefix) for key in keys if key.startswith(prefix)}
    assert {"master/mix.flac", "master/drums.flac", "encoded/mix.mp3", "waveform.json"} <= mine, mine
    served = {
        "encoded/mix.mp3": f"/v1/music/{track_id}/audio",
        "master/drums.flac": f"/v1/music/{track_id}/stems/drums?format=flac",
        "waveform.json": f"/v1/music/{track_id}/waveform",
        "track.mid": f"/v1/music/{track_id}/midi",
    }
    for relative, route in served.items():
        answer = httpx.get(base_url + route, timeout=60)
        assert answer.status_code == 200, (route, answer.text)
        assert answer.content == _object(endpoint, bucket, prefix + relative), route
    whole = _object(endpoint, bucket, prefix + "encoded/mix.mp3")
    ranged = httpx.get(
        f"{base_url}/v1/music/{track_id}/audio", headers={"Range": "bytes=100-1099"}, timeout=60
    )
    assert ranged.status_code == 206
    assert ranged.headers["content-range"] == f"bytes 100-1099/{len(whole)}"
    assert ranged.content == whole[100:1100]


def _one_set_per_track(endpoint: str, bucket: str, ids: list[str]) -> None:
    """Every object belongs to a known track; no staging object is left; one master per track."""
    keys = s3_keys(endpoint, bucket, "studio/")
    assert not [k for k in keys if k.startswith("studio/staging/")], "staging objects left behind"
    owners = {key.split("/")[2] for key in keys if key.startswith("studio/tracks/")}
    assert owners == set(ids)
    for track_id in ids:
        masters = [k for k in keys if k == f"studio/tracks/{track_id}/master/mix.flac"]
        assert len(masters) == 1


@pytest.mark.parametrize("broker", ["redis", "rabbitmq"])
def test_twenty_concurrent_tracks_complete_on_two_worker_nodes(tmp_path, broker) -> None:
    with (
        _backends(broker, tmp_path) as (env, endpoint, bucket, _db),
        _nodes(tmp_path, env, workers=2) as nodes,
    ):
        web = nodes[0]
        health = httpx.get(f"{web.url}/healthz", timeout=10).json()
        assert {"database", "broker", "storage"} <= set(health)
        assert health["broker"]["ok"] and health["database"]["kind"] == "postgresql"
        assert health["storage"]["kind"] == "s3"
        ids = _submit(web.url, 20)
        done = wait_all(web.url, ids, timeout_s=600)
        for track in done.values():
            _check_files_equal_the_objects(web.url, endpoint, bucket, track)
        _one_set_per_track(endpoint, bucket, ids)
        # the work was shared: both worker processes completed tracks
        owners = {t["id"]: t for t in done.values()}
        assert len(owners) == 20
        deleted = ids[0]
        assert httpx.delete(f"{web.url}/v1/music/{deleted}", timeout=30).status_code == 204
        assert not s3_keys(endpoint, bucket, f"studio/tracks/{deleted}/")


def _lease_owner(database_url: str, track_id: str) -> str | None:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        owner = connection.execute(
            text("SELECT lease_owner FROM tracks WHERE id = :i"), {"i": track_id}
        ).scalar()
    engine.dispose()
    return owner


def _attempts(database_url: str, track_id: str) -> int:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        attempts = connection.execute(
            text("SELECT attempts FROM tracks WHERE id = :i"), {"i": track_id}
        ).scalar()
    engine.dispose()
    return attempts


def _wait_processing(base_url: str, track_id: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while httpx.get(f"{base_url}/v1/music/{track_id}", timeout=10).json()["status"] != "processing":
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.05)


def test_a_worker_killed_mid_render_leaves_the_track_to_the_other(tmp_path) -> None:
    with (
        _backends("redis", tmp_path) as (env, endpoint, bucket, database_url),
        _nodes(tmp_path, env, workers=2) as nodes,
    ):
        web = nodes[0]
        time.sleep(3)  # both worker nodes consuming
        (track_id,) = _submit(web.url, 1, duration=60)
        _wait_processing(web.url, track_id)
        owner = _lease_owner(database_url, track_id)
        killed_pid = int(owner.split(":")[1])
        os.kill(killed_pid, signal.SIGKILL)
        done = wait_all(web.url, [track_id], timeout_s=300)
        assert _attempts(database_url, track_id) == 2  # the killed one, then the other worker's
        _check_files_equal_the_objects(web.url, endpoint, bucket, done[track_id])
        _one_set_per_track(endpoint, bucket, [track_id])


def test_a_broker_flushed_while_tracks_wait_still_completes_them(tmp_path) -> None:
    """Redis FLUSHALL (a broker restarted empty) with 5 pending tracks: the reconciler sends again."""
    import redis

    with (
        _backends("private-redis", tmp_path) as (env, endpoint, bucket, _db),
        _nodes(tmp_path, env, workers=0) as nodes,
    ):
        web = nodes[0]
        ids = _submit(web.url, 5)
        client = redis.Redis.from_url(env["MUSICGEN_APP_BROKER_URL"])
        assert client.dbsize() > 0  # the messages are there...
        client.flushall()  # ...and now they are gone
        client.close()
        with _nodes(tmp_path, env, workers=1, web=False):
            wait_all(web.url, ids, timeout_s=300)
        _one_set_per_track(endpoint, bucket, ids)


def test_the_same_message_twice_makes_one_track(tmp_path) -> None:
    from musicgen_app.jobs.dramatiq_queue import DramatiqQueue, make_broker
    from musicgen_app.store.db import make_sessionmaker
    from musicgen_app.store.tracks import TrackRepository

    with (
        _backends("redis", tmp_path) as (env, endpoint, bucket, database_url),
        _nodes(tmp_path, env, workers=0) as nodes,
    ):
        web = nodes[0]
        (track_id,) = _submit(web.url, 1)
        engine = make_engine(database_url)
        broker = make_broker(env["MUSICGEN_APP_BROKER_URL"], namespace=env["MUSICGEN_APP_BROKER_NAMESPACE"])
        DramatiqQueue(broker, TrackRepository(make_sessionmaker(engine))).actor.send(track_id)
        broker.close()
        with _nodes(tmp_path, env, workers=2, web=False):
            wait_all(web.url, [track_id], timeout_s=300)
            time.sleep(3)  # the second message is consumed too, and must change nothing
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT status, attempts FROM tracks WHERE id = :i"), {"i": track_id}
            ).one()
        engine.dispose()
        assert tuple(row) == ("completed", 1)
        _one_set_per_track(endpoint, bucket, [track_id])


def test_killed_database_connections_while_rendering_are_survived(tmp_path) -> None:
    with (
        _backends("redis", tmp_path) as (env, endpoint, bucket, database_url),
        _nodes(tmp_path, env, workers=1) as nodes,
    ):
        web = nodes[0]
        (track_id,) = _submit(web.url, 1, duration=60)
        _wait_processing(web.url, track_id)
        database = database_url.rsplit("/", 1)[1]
        admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test")
        killed = 0
        for _ in range(3):  # again and again during the render
            with admin.connect() as connection:
                killed += len(
                    connection.execute(
                        text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = :d AND pid <> pg_backend_pid()"
                        ),
                        {"d": database},
                    ).all()
                )
            time.sleep(1.0)
        admin.dispose()
        assert killed > 0
        done = wait_all(web.url, [track_id], timeout_s=300)
        assert _attempts(database_url, track_id) == 1  # reconnected: the render was never lost
        _check_files_equal_the_objects(web.url, endpoint, bucket, done[track_id])


def test_presign_mode_redirects_to_a_signed_url_on_the_endpoint(tmp_path) -> None:
    with (
        _backends("redis", tmp_path) as (env, endpoint, bucket, _db),
        _nodes(tmp_path, env, workers=1) as nodes,
    ):
        (track_id,) = _submit(nodes[0].url, 1)
        wait_all(nodes[0].url, [track_id], timeout_s=300)
        signed = Node(["serve", "--no-workers"], tmp_path / "web2", {**env, "MUSICGEN_APP_S3_PRESIGN": "1"})
        try:
            signed.wait_healthy()
            answer = httpx.get(f"{signed.url}/v1/music/{track_id}/download", timeout=30)
            assert 300 <= answer.status_code < 400
            location = answer.headers["location"]
            assert location.startswith(f"{endpoint}/{bucket}/studio/tracks/{track_id}/")
            assert "Signature" in location or "X-Amz-Signature" in location
            fetched = httpx.get(location, timeout=30)
            key = f"studio/tracks/{track_id}/encoded/mix.mp3"
            assert fetched.status_code == 200 and fetched.content == _object(endpoint, bucket, key)
            assert "attachment" in fetched.headers["content-disposition"]
        finally:
            signed.stop()


def test_one_serve_node_with_dramatiq_runs_jobs_itself(tmp_path) -> None:
    """Without --no-workers, a Dramatiq web node consumes its own messages (a whole studio in one node)."""
    with _backends("redis", tmp_path) as (env, endpoint, bucket, _db):
        node = Node(["serve"], tmp_path / "solo", env)
        try:
            node.wait_healthy()
            ids = _submit(node.url, 2)
            wait_all(node.url, ids, timeout_s=300)
            _one_set_per_track(endpoint, bucket, ids)
        finally:
            node.stop()


def test_the_local_queue_on_postgres_runs_on_worker_nodes(tmp_path) -> None:
    """No broker: worker nodes claim rows of the shared PostgreSQL database directly (SKIP LOCKED)."""
    with _backends("redis", tmp_path) as (env, endpoint, bucket, _db):
        env = {**env, "MUSICGEN_APP_QUEUE": "local"}
        with _nodes(tmp_path, env, workers=2) as nodes:
            health = httpx.get(f"{nodes[0].url}/healthz", timeout=10).json()
            assert health["broker"]["kind"] == "none" and health["queue"]["kind"] == "local"
            ids = _submit(nodes[0].url, 6)
            done = wait_all(nodes[0].url, ids, timeout_s=300)
            for track in done.values():
                _check_files_equal_the_objects(nodes[0].url, endpoint, bucket, track)
            _one_set_per_track(endpoint, bucket, ids)
