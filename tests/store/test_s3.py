"""S3 track storage against moto's S3 server (a real HTTP endpoint): whole publication, one set of
objects per track, staging swept, deletes complete."""

from __future__ import annotations

import os

import pytest

from musicgen_app.store.s3 import S3Storage

from ..scale.services import S3_ENV, moto_s3, s3_bucket, s3_keys

TRACK = "ab" * 16


@pytest.fixture
def storage(tmp_path, monkeypatch):
    for name, value in S3_ENV.items():
        monkeypatch.setenv(name, value)
    with moto_s3() as endpoint, s3_bucket(endpoint) as bucket:
        yield S3Storage(f"s3://{bucket}/p/q", cache_dir=tmp_path / "cache", endpoint_url=endpoint), endpoint


def _stage(storage: S3Storage, attempt: int, files: dict[str, bytes]):
    staging = storage.staging_dir(TRACK, attempt)
    for relative, data in files.items():
        (staging / relative).parent.mkdir(parents=True, exist_ok=True)
        (staging / relative).write_bytes(data)
    return staging


def test_publish_makes_one_set_and_replaces_an_earlier_attempt(storage) -> None:
    s3, endpoint = storage
    s3.publish(TRACK, _stage(s3, 1, {"master/mix.flac": b"one", "old.json": b"{}"}))
    s3.publish(TRACK, _stage(s3, 2, {"master/mix.flac": b"two", "waveform.json": b"[]"}))
    keys = s3_keys(endpoint, s3.bucket)
    assert sorted(keys) == [f"p/q/tracks/{TRACK}/master/mix.flac", f"p/q/tracks/{TRACK}/waveform.json"]
    assert s3.path(TRACK, "master/mix.flac").read_bytes() == b"two"
    obj = s3.remote(TRACK, "master/mix.flac")
    assert obj.size == 3 and b"".join(s3.read_range(obj, 1, 3)) == b"wo"
    assert s3.remote(TRACK, "nothing.mp3") is None and not s3.path(TRACK, "nothing.mp3").exists()


def test_a_crashed_upload_is_swept_and_remove_deletes_everything(storage) -> None:
    s3, endpoint = storage
    s3._client.put_object(Bucket=s3.bucket, Key=f"p/q/staging/{TRACK}/dead/master/mix.flac", Body=b"x")
    assert s3.sweep_staging(older_than_s=3600) == 0  # young: another node may be uploading it
    assert s3.sweep_staging(older_than_s=-1) == 1
    s3.publish(TRACK, _stage(s3, 1, {"master/mix.flac": b"one"}))
    (s3.track_dir(TRACK) / "encoded").mkdir()
    (s3.track_dir(TRACK) / "encoded" / "mix.mp3").write_bytes(b"mp3")
    s3.commit(TRACK, "encoded/mix.mp3")
    assert s3.listing(TRACK, "encoded") == {"mix.mp3"}
    assert s3.track_ids() == [TRACK]
    s3.remove(TRACK)
    assert s3_keys(endpoint, s3.bucket) == [] and not os.path.exists(s3.root / TRACK)


def test_health_says_when_the_bucket_cannot_be_written(storage, tmp_path) -> None:
    s3, endpoint = storage
    assert s3.check_writable(min_free_bytes=0) is None
    missing = S3Storage("s3://no-such-bucket/x", cache_dir=tmp_path / "c2", endpoint_url=endpoint)
    assert "not writable" in missing.check_writable(min_free_bytes=0)
