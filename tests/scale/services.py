"""The real services the scale-out tests run against, each test with its own corner of them.

PostgreSQL (a database of its own), Redis (a key namespace of its own, or a private server for tests that
flush it), RabbitMQ (a vhost of its own) and S3 (moto's server mode on loopback: a real HTTP endpoint, a
bucket of its own). Everything is removed afterwards: other people run tests against the same services.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
RABBIT_PORT = 5672


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


def need(port: int, name: str) -> None:
    """Skip when a service that the machine should run does not answer (``.ci/run`` starts them)."""
    if not _answers(port):
        pytest.skip(f"{name} does not answer on 127.0.0.1:{port}")


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database; yields its SQLAlchemy URL and drops it afterwards."""
    from sqlalchemy import create_engine, text

    need(5432, "PostgreSQL")
    name = unique("mgtest")
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def rabbitmq_vhost() -> Iterator[str]:
    """A fresh RabbitMQ vhost (guest may use it); yields its amqp:// URL and deletes it afterwards."""
    need(RABBIT_PORT, "RabbitMQ")
    ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    vhost = unique("mgtest")
    subprocess.run([ctl, "add_vhost", vhost], check=True, capture_output=True, timeout=60)
    try:
        subprocess.run(
            [ctl, "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield f"amqp://guest:guest@127.0.0.1:{RABBIT_PORT}/{vhost}"
    finally:
        subprocess.run([ctl, "delete_vhost", vhost], capture_output=True, timeout=60)


@contextlib.contextmanager
def redis_namespace() -> Iterator[tuple[str, str]]:
    """The machine's Redis with a key namespace of its own: yields (URL, namespace); its keys are
    deleted afterwards."""
    import redis

    need(REDIS_PORT, "Redis")
    namespace = unique("mgtest")
    url = f"redis://{REDIS_HOST}:{REDIS_PORT}/0"
    try:
        yield url, namespace
    finally:
        client = redis.Redis.from_url(url)
        for key in client.scan_iter(f"{namespace}*"):
            client.delete(key)
        client.close()


@contextlib.contextmanager
def private_redis(tmp_path: Path) -> Iterator[str]:
    """A redis-server of this test's own on a free port (it may be flushed); yields its URL."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


@contextlib.contextmanager
def moto_s3() -> Iterator[str]:
    """moto's S3 server on a free loopback port; yields its endpoint URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, "moto server")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


@contextlib.contextmanager
def s3_bucket(endpoint: str) -> Iterator[str]:
    """A fresh bucket on ``endpoint``; yields its name, emptied and deleted afterwards."""
    client = s3_client(endpoint)
    bucket = unique("mgtest").replace("_", "-")
    client.create_bucket(Bucket=bucket)
    try:
        yield bucket
    finally:
        for key in s3_keys(endpoint, bucket):
            client.delete_object(Bucket=bucket, Key=key)
        client.delete_bucket(Bucket=bucket)


def s3_client(endpoint: str):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        config=Config(
            request_checksum_calculation="when_required", response_checksum_validation="when_required"
        ),
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def s3_keys(endpoint: str, bucket: str, prefix: str = "") -> list[str]:
    paginator = s3_client(endpoint).get_paginator("list_objects_v2")
    return [
        o["Key"]
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix)
        for o in page.get("Contents", [])
    ]


S3_ENV = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}


def _wait_for(port: int, name: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not _answers(port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not start on port {port}")
        time.sleep(0.1)
