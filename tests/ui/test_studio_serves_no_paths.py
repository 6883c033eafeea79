"""Issue 12, findings 7 and 8 through the studio: its players and downloads come from the ``/v1`` file
routes (signed links behind API keys), and nothing the studio answers names a path on the server.

The real server (``python app.py``, API keys on) is driven over Gradio's own protocol, as a browser
does: login, generate, stems, remix, variation, extend; every raw body it sends back is searched.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from .gradio_http import StudioSession
from .server import REPO, running_server

pytestmark = pytest.mark.slow

ALICE = "alice-key-0123456789abcdef"
BOB = "bob-key-0123456789abcdef00"


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("studio-keys")
    env = {"MUSICGEN_APP_API_KEYS": f"{ALICE},{BOB}"}
    with running_server(data_dir, env=env) as base_url:
        session = StudioSession(base_url, login=("ann", ALICE))
        yield session, base_url, data_dir
        session.close()


def _file_urls(outputs: Any) -> list[str]:
    """The URLs of every file value (``gradio.FileData``) in a list of outputs."""
    found = []
    if isinstance(outputs, dict):
        if outputs.get("meta", {}).get("_type") == "gradio.FileData":
            found.append(outputs["url"])
        for value in outputs.values():
            found += _file_urls(value)
    elif isinstance(outputs, list):
        for value in outputs:
            found += _file_urls(value)
    return found


def _links(outputs: Any) -> list[str]:
    text = str(outputs)
    return sorted(set(re.findall(r'href="(http[^"]+/v1/music/[^"]+)"', text)))


def _fetch(url: str, **headers: str) -> httpx.Response:
    # a fresh client: no login cookie, no Authorization, as an <audio> element or a download link asks
    return httpx.get(url.replace("&amp;", "&"), headers=headers, timeout=60)


def _track_id(url: str) -> str:
    return urlsplit(url).path.split("/")[3]


def test_players_and_downloads_are_signed_v1_links_that_play(studio) -> None:
    session, base_url, _data_dir = studio
    session.get("/")
    outputs = session.trigger(
        "mg-generate", "click", {"mg-prompt": "calm piano by a window", "mg-duration": 5}
    )
    players = _file_urls(outputs)
    assert players, "no player got a file"
    track_id = _track_id(players[0])
    for url in players:
        assert url.startswith(f"{base_url}/v1/music/{track_id}/"), url
        assert "token" in parse_qs(urlsplit(url).query)
        answer = _fetch(url)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("audio/"), url
        ranged = _fetch(url, Range="bytes=0-1,2-3", Cookie="secret=1")
        assert ranged.status_code in (206, 416) and "secret" not in str(ranged.headers)
    links = _links(outputs)
    kinds = {urlsplit(link).path.rsplit("/", 1)[-1] for link in links}
    assert {"download", "midi", "waveform", "bundle"} <= kinds
    for link in links:
        assert _fetch(link).status_code == 200, link
    # without the token, with a forged one, or with another key: refused
    bare = players[0].split("?", 1)[0]
    assert _fetch(bare).status_code == 401
    assert _fetch(f"{bare}?token=forged.9999999999.AAAA").status_code == 401
    assert _fetch(bare, Authorization=f"Bearer {BOB}").status_code == 403
    assert _fetch(bare, Authorization=f"Bearer {ALICE}").status_code == 200


def test_remix_variation_and_extend_play_from_v1_too(studio) -> None:
    session, base_url, _data_dir = studio
    first = _file_urls(
        session.trigger("mg-generate", "click", {"mg-prompt": "funk groove", "mg-duration": 5})
    )
    track_id = _track_id(first[0])
    [remix] = _file_urls(session.trigger("mg-render-remix", "click", {"mg-level-drums": -12.0}))
    assert urlsplit(remix).path == f"/v1/music/{track_id}/remix"
    assert parse_qs(urlsplit(remix).query)["drums"] == ["-12"]
    answer = _fetch(remix)
    assert answer.status_code == 200 and answer.headers["content-type"] == "audio/wav"
    assert answer.content[:4] == b"RIFF"

    for trigger in ("mg-variation", "mg-extend"):
        made = _file_urls(session.trigger(trigger, "click"))
        child = _track_id(made[0])
        assert child != track_id and all(url.startswith(f"{base_url}/v1/music/{child}/") for url in made)
        assert all(_fetch(url).status_code == 200 for url in made)
        # a link signed for one track opens no other
        token = parse_qs(urlsplit(made[0]).query)["token"][0]
        assert _fetch(f"{base_url}/v1/music/{track_id}/audio?token={token}").status_code == 401


def test_nothing_the_studio_answered_names_a_server_path(studio) -> None:
    session, _base_url, data_dir = studio
    for path in ("/", "/config", "/gradio_api/info", "/theme.css"):
        session.get(path)
    assert len(session.bodies) > 10, "the other tests of this module drive the studio first"
    needles = {str(data_dir), str(data_dir.resolve()), str(REPO), tempfile.gettempdir() + "/", "/tmp/"}
    needles |= {str(Path.home()) + "/"} if str(Path.home()) != "/" else set()
    leaks = [(what, needle) for what, body in session.bodies for needle in needles if needle.encode() in body]
    assert leaks == []


def test_track_files_are_not_reachable_through_gradios_file_route(studio) -> None:
    session, _base_url, data_dir = studio
    masters = sorted(data_dir.glob("tracks/*/master/mix.flac"))
    assert masters
    for header in (None, "bytes=0-1,2-3", "bytes=0-9"):
        headers = {"X-Probe": "secret-probe", **({"Range": header} if header else {})}
        answer = session.client.get(f"/gradio_api/file={masters[0]}", headers=headers)
        assert answer.status_code == 403, answer.status_code
        echoed = str(answer.headers)
        assert "secret-probe" not in echoed
        assert not any(value in echoed for value in session.client.cookies.values())


def test_no_route_of_the_studio_answers_a_multi_range_with_a_500_or_echoes_headers(studio) -> None:
    session, _base_url, _data_dir = studio
    page = session.client.get("/").text
    assets = sorted(set(re.findall(r"""(?:src|href)=["'](/[^"'?]+)""", page)))[:10]
    paths = ["/", "/config", "/theme.css", "/favicon.ico", "/gradio_api/info", *assets]
    for path in paths:
        for header in ("bytes=0-1,2-3", "bytes=0-1,1-2,500-", "bytes=zz", "bytes=999999999-"):
            answer = session.client.get(path, headers={"Range": header, "X-Probe": "secret-probe"})
            assert answer.status_code < 500, (path, header, answer.status_code)
            assert "secret-probe" not in str(answer.headers), (path, header)
