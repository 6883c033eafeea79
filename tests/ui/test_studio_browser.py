"""The studio in a real browser against the real server (symbolic engine): generate, play, remix, list."""

from __future__ import annotations

import io

import httpx
import pytest
import soundfile as sf

from musicgen_app.formats import STEM_NAMES

from .controls import set_slider

pytestmark = pytest.mark.browser

GENERATION_TIMEOUT_MS = 90_000


def _generate(page, prompt: str, *, duration_s: int = 5) -> None:
    page.fill("#mg-prompt textarea", prompt)
    set_slider(page, "mg-duration", duration_s)
    page.click("#mg-generate")


def _source(page, player: str) -> str:
    """The URL a player plays, once it has one (its download link carries the same URL)."""
    link = page.locator(f"{player} a[data-testid=download-link]")
    link.wait_for(state="attached", timeout=GENERATION_TIMEOUT_MS)
    return link.get_attribute("href")


def _fetch_audio(page, url: str) -> tuple[int, str, bytes]:
    response = page.request.get(url)
    return response.status, response.headers.get("content-type", ""), response.body()


def _wait_for_text(page, selector: str, text: str, *, timeout_ms: float = 30_000) -> None:
    page.wait_for_function(
        "([sel, text]) => document.querySelector(sel)?.innerText.includes(text)",
        arg=[selector, text],
        timeout=timeout_ms,
    )


def _newest_track(studio_url: str) -> dict:
    return httpx.get(f"{studio_url}/v1/music", params={"limit": 1}).json()["data"][0]


def test_generate_plays_the_mix_stems_waveform_and_lists_it(page, studio_url):
    _generate(page, "calm ambient pads with soft rain")
    source = _source(page, "#mg-player")
    # the player streams the API's file route, not a path on the server through Gradio's file route
    assert source == f"{studio_url}/v1/music/{_newest_track(studio_url)['id']}/audio"
    status, media_type, body = _fetch_audio(page, source)
    assert status == 200 and media_type.startswith("audio/")
    audio, sr = sf.read(io.BytesIO(body), always_2d=True)
    assert sr == 44_100 and audio.shape[0] / sr == pytest.approx(5.0, abs=0.1)
    page.wait_for_selector("#mg-waveform svg.mg-waveform path.mg-envelope")
    track = _newest_track(studio_url)
    peaks = track["details"]["stem_peak_dbfs"]
    for name in STEM_NAMES:
        player = page.locator(f"#mg-stem-{name}")
        if peaks[name] < -80:  # an empty stem (the vocals of an instrumental) has no player
            assert not player.is_visible(), name
            continue
        stem_status, stem_type, _ = _fetch_audio(page, _source(page, f"#mg-stem-{name}"))
        assert (stem_status, stem_type.split("/")[0]) == (200, "audio")
    assert any(peaks[name] >= -80 for name in STEM_NAMES)
    assert track["status"] == "completed" and track["prompt"] == "calm ambient pads with soft rain"
    _wait_for_text(page, "#mg-history", track["id"])
    assert track["id"] in page.inner_text("#mg-title")
    assert "License" in page.inner_text("#mg-plan") and track["genre"] in page.inner_text("#mg-plan")
    assert page.locator("#mg-downloads a[data-kind=midi]").count() == 1


def test_an_empty_prompt_shows_an_inline_error(page):
    page.click("#mg-generate")
    error = page.wait_for_selector("#mg-status .mg-error")
    assert "prompt: must not be blank" in error.inner_text()
    assert "Traceback" not in page.content()
    assert not page.locator("#mg-result").is_visible()


def test_a_track_made_through_the_api_shows_in_the_history(page, studio_url):
    answer = httpx.post(
        f"{studio_url}/v1/music/generate",
        json={"prompt": "api made jazz trio", "duration": 5, "genre": "jazz"},
    )
    assert answer.status_code == 202
    page.click("#mg-refresh")
    _wait_for_text(page, "#mg-history", answer.json()["id"])
    assert "api made jazz trio" in page.inner_text("#mg-history")


def test_remix_variation_and_loading_from_the_history(page, studio_url):
    _generate(page, "lively celtic jig with fiddle")
    _source(page, "#mg-player")
    original = _newest_track(studio_url)
    page.click("#mg-remix")  # open the accordion
    set_slider(page, "mg-level-drums", -60)
    page.click("#mg-render-remix")
    remix = _source(page, "#mg-remix-player")
    assert "/v1/music/" in remix and "/remix?" in remix
    status, media_type, body = _fetch_audio(page, remix)
    assert (status, media_type) == (200, "audio/wav")
    assert sf.info(io.BytesIO(body)).duration == pytest.approx(5.0, abs=0.05)

    page.click("#mg-variation")
    page.wait_for_function(
        "id => !document.querySelector('#mg-title').innerText.includes(id)",
        arg=original["id"],
        timeout=GENERATION_TIMEOUT_MS,
    )
    variation = _newest_track(studio_url)
    assert variation["id"] != original["id"] and variation["prompt"] == original["prompt"]
    assert variation["seed"] != original["seed"] and variation["genre"] == original["genre"]
    # a variation keeps the key and tempo (issue 13), and says where it came from
    assert (variation["key"], variation["tempo"]) == (original["key"], original["tempo"])
    assert (variation["parent_id"], variation["operation"]) == (original["id"], "variation")
    # the next Generate still draws a new seed, and the tempo control shows the tempo used
    assert page.locator("#mg-random-seed input").is_checked()
    shown = page.locator("#mg-tempo input[type=number]").input_value()
    assert int(float(shown)) == variation["tempo"]

    page.locator("#mg-history [role=gridcell]", has_text=original["id"]).first.click()
    _wait_for_text(page, "#mg-title", original["id"])


def test_delete_removes_the_loaded_track(page, studio_url):
    _generate(page, "short techno loop to delete")
    _source(page, "#mg-player")
    track = _newest_track(studio_url)
    page.click("#mg-delete")
    page.wait_for_selector("#mg-status :text('Track deleted.')")
    assert not page.locator("#mg-result").is_visible()
    assert httpx.get(f"{studio_url}/v1/music/{track['id']}").status_code == 404
    page.wait_for_function(
        "id => !document.querySelector('#mg-history').innerText.includes(id)", arg=track["id"]
    )


def _wait_for_new_title(page, old_id: str) -> None:
    page.wait_for_function(
        "id => !document.querySelector('#mg-title').innerText.includes(id)",
        arg=old_id,
        timeout=GENERATION_TIMEOUT_MS,
    )


def test_extend_regenerate_a_section_and_loop_from_the_edit_panel(page, studio_url):
    _generate(page, "bright pop tune with piano", duration_s=8)
    _source(page, "#mg-player")
    original = _newest_track(studio_url)
    page.click("#mg-edit")  # open the accordion
    set_slider(page, "mg-extend-seconds", 5)
    page.click("#mg-extend")
    _wait_for_new_title(page, original["id"])
    extended = _newest_track(studio_url)
    assert (extended["operation"], extended["parent_id"], extended["duration"]) == (
        "extend",
        original["id"],
        13,
    )
    _wait_for_text(page, "#mg-title", extended["id"])

    # the section list follows the loaded track; regenerate the first section of the original
    page.locator("#mg-history [role=gridcell]", has_text=original["id"]).first.click()
    _wait_for_text(page, "#mg-title", original["id"])
    page.wait_for_function("() => document.querySelector('#mg-section input')?.value.includes('1 ·')")
    page.click("#mg-regenerate")
    _wait_for_new_title(page, original["id"])
    regenerated = _newest_track(studio_url)
    assert (regenerated["operation"], regenerated["parent_id"]) == ("regenerate", original["id"])
    assert regenerated["edit"]["start_s"] == 0.0

    page.locator("#mg-history [role=gridcell]", has_text=original["id"]).first.click()
    _wait_for_text(page, "#mg-title", original["id"])
    page.click("#mg-loop")
    _wait_for_new_title(page, original["id"])
    loop = _newest_track(studio_url)
    assert (loop["operation"], loop["parent_id"], loop["loop"]["bars"]) == ("loop", original["id"], 4)
    assert loop["key"] == original["key"] and loop["tempo"] == original["tempo"]
