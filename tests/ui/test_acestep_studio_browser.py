"""The studio with ACE-Step in a real browser: the engine choice says what is available and why, the
lyrics box shows when the chosen engine sings, and a sung track's vocals stem says it is sung.

The server runs the real ACE-Step engine on a tiny random-weight pipeline (``save_pretrained`` files) and
a tiny Demucs, as ``tests/test_acestep_api.py`` does.
"""

from __future__ import annotations

import httpx
import pytest

from ..audio.conftest_demucs import save_in_repo, tiny_model
from ..engines.acestep.conftest import build_tiny_acestep
from .conftest import PageWatch
from .controls import set_slider
from .server import UI_WAIT_MS, running_server

pytestmark = pytest.mark.browser

LYRICS = "[verse]\nCity lights are calling me\n\n[chorus]\nSing it loud, la la la"
GENERATION_TIMEOUT_MS = 180_000


@pytest.fixture(scope="module")
def acestep_url(tmp_path_factory) -> str:
    acestep_dir = build_tiny_acestep(tmp_path_factory.mktemp("acestep"))
    demucs_repo = tmp_path_factory.mktemp("demucs")
    save_in_repo(tiny_model(seed=1), demucs_repo, "tiny0001")
    data = tmp_path_factory.mktemp("acestep-studio")
    env = {
        "MUSICGEN_APP_ENGINE": "auto",
        "MUSICGEN_APP_ACESTEP_MODEL": str(acestep_dir),
        "MUSICGEN_APP_MUSICGEN_MODEL": str(data / "no-musicgen"),
        "MUSICGEN_APP_DEMUCS_MODEL": "tiny0001",
        "MUSICGEN_APP_DEMUCS_REPO": str(demucs_repo),
    }
    with running_server(data, env=env) as base_url:
        yield base_url


def _open(browser, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(UI_WAIT_MS)
    page = context.new_page()
    watch = PageWatch(url)
    watch.watch(page)
    page.goto(url)
    page.wait_for_selector("#mg-prompt textarea")
    return context, page, watch


def _closed_clean(context, page, watch) -> None:
    toasts = page.locator("[data-testid=toast-body]").all_inner_texts()
    context.close()
    watch.assert_clean(toasts)


def _choose_engine(page, label: str) -> None:
    page.click("#mg-engine input")
    page.locator("ul[role=listbox] li", has_text=label).first.click()


def _wait_for_text(page, selector: str, text: str, *, timeout_ms: float = 30_000) -> None:
    page.wait_for_function(
        "([sel, text]) => document.querySelector(sel)?.innerText.includes(text)",
        arg=[selector, text],
        timeout=timeout_ms,
    )


def test_engine_choice_lyrics_box_and_a_sung_vocals_stem(browser, acestep_url) -> None:
    context, page, watch = _open(browser, acestep_url)
    # the page load looks on disk: ACE-Step is ready, MusicGen is not and says why
    _wait_for_text(page, "#mg-engine", "ACE-Step ready")
    _wait_for_text(page, "#mg-engine", "MusicGen unavailable")
    assert "no-musicgen" in page.inner_text("#mg-engine") and "Auto uses ACE-Step" in page.inner_text(
        "#mg-engine"
    )
    lyrics = page.locator("#mg-lyrics textarea")
    lyrics.wait_for(state="visible")  # auto sends lyrics to ACE-Step here
    _choose_engine(page, "Symbolic (offline)")
    lyrics.wait_for(state="hidden")  # the symbolic engine cannot sing
    _choose_engine(page, "ACE-Step · sings lyrics")
    lyrics.wait_for(state="visible")
    lyrics.fill(LYRICS)
    page.fill("#mg-prompt textarea", "upbeat pop song with bright synths")
    set_slider(page, "mg-duration", 5)
    page.click("#mg-generate")
    _wait_for_text(page, "#mg-status", "Done", timeout_ms=GENERATION_TIMEOUT_MS)
    track = httpx.get(f"{acestep_url}/v1/music", params={"limit": 1}).json()["data"][0]
    assert (track["engine"], track["plan"]["lyrics"], track["details"]["sung"]) == ("acestep", LYRICS, True)
    # the vocals stem (Demucs split it from a sung mix) is labelled as sung, in its player and its link
    _wait_for_text(page, "#mg-stem-vocals", "Vocals (sung lyrics)")
    _wait_for_text(page, "#mg-downloads", "Vocals (sung lyrics)")
    # ACE-Step knows no sections: the Edit panel offers spans, which its repaint task makes anew
    page.click("#mg-edit")  # open the accordion
    page.wait_for_function("() => document.querySelector('#mg-section input')?.value.startsWith('1 ·')")
    page.click("#mg-section input")
    page.locator("ul[role=listbox] li", has_text="2 ·").first.click()
    page.click("#mg-regenerate")
    page.wait_for_function(
        "id => !document.querySelector('#mg-title').innerText.includes(id)",
        arg=track["id"],
        timeout=GENERATION_TIMEOUT_MS,
    )
    child = httpx.get(f"{acestep_url}/v1/music", params={"limit": 1}).json()["data"][0]
    assert (child["operation"], child["parent_id"], child["status"]) == (
        "regenerate",
        track["id"],
        "completed",
    )
    assert child["details"]["task_type"] == "repaint" and child["details"]["changed_s"] == [
        1.24,
        2.52,
    ]  # 1.25-2.5 s, snapped out to 40 ms frames
    _closed_clean(context, page, watch)


def test_without_a_singing_engine_the_lyrics_box_stays_hidden_and_acestep_says_why(page) -> None:
    # the shared studio server has no ACE-Step checkpoint and pins its engine to symbolic
    _wait_for_text(page, "#mg-engine", "ACE-Step unavailable")
    assert "Auto uses Symbolic" in page.inner_text("#mg-engine")
    assert (
        page.locator("#mg-lyrics textarea").count() == 0
        or not page.locator("#mg-lyrics textarea").is_visible()
    )
    page.click("#mg-engine input")
    assert page.locator("ul[role=listbox] li", has_text="ACE-Step (unavailable)").count() == 1
