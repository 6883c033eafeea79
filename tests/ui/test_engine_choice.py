"""What the studio says of its engines, and when its lyrics box shows (no browser, no Gradio)."""

from __future__ import annotations

import pytest

from musicgen_app.ui.engines import engine_choice, lyrics_shown
from musicgen_app.ui.form import Form, regenerate_body

ORDER = ("acestep", "musicgen", "symbolic")
MODELS = {"acestep": "/models/acestep-turbo", "musicgen": "facebook/musicgen-small"}
MISSING = "ACE-Step model 'x' is not available: its vae is missing. Download the checkpoint"


def test_available_engines_say_ready_with_their_model_and_auto_names_its_pick() -> None:
    choice = engine_choice({"acestep": (True, ""), "musicgen": (True, "")}, order=ORDER, models=MODELS)
    assert dict((v, label) for label, v in choice.choices) == {
        "auto": "Auto (ACE-Step here)",
        "symbolic": "Symbolic (offline)",
        "acestep": "ACE-Step · sings lyrics",
        "musicgen": "MusicGen",
    }
    assert "ACE-Step ready: /models/acestep-turbo." in choice.info and choice.auto_engine == "acestep"


def test_an_unavailable_engine_says_so_with_the_first_sentence_of_why() -> None:
    choice = engine_choice(
        {"acestep": (False, MISSING), "musicgen": (False, "not installed (torch)")},
        order=ORDER,
        models=MODELS,
    )
    labels = dict((v, label) for label, v in choice.choices)
    assert labels["acestep"] == "ACE-Step (unavailable)" and labels["auto"] == "Auto (Symbolic here)"
    assert "ACE-Step unavailable: ACE-Step model 'x' is not available: its vae is missing." in choice.info
    assert "Download" not in choice.info and "MusicGen unavailable: not installed (torch)." in choice.info


def test_the_engine_order_and_the_servers_engine_setting_decide_auto() -> None:
    ready = {"acestep": (True, ""), "musicgen": (True, "")}
    assert engine_choice(ready, order=("musicgen", "acestep"), models=MODELS).auto_engine == "musicgen"
    pinned = engine_choice(ready, order=ORDER, models=MODELS, configured="symbolic")
    assert pinned.auto_engine == "symbolic" and pinned.info.endswith("Auto uses Symbolic.")


@pytest.mark.parametrize(
    ("engine", "acestep_ok", "configured", "shown"),
    [
        ("acestep", True, "auto", True),
        ("acestep", False, "auto", True),  # chosen explicitly: the job then says why it cannot run
        ("auto", True, "auto", True),
        ("auto", False, "auto", False),
        ("auto", True, "symbolic", False),  # the server pins auto to an engine that cannot sing
        ("musicgen", True, "auto", False),
        ("symbolic", True, "auto", False),
    ],
)
def test_the_lyrics_box_shows_when_the_chosen_engine_sings(engine, acestep_ok, configured, shown) -> None:
    statuses = {"acestep": (acestep_ok, "" if acestep_ok else MISSING), "musicgen": (False, "no")}
    assert lyrics_shown(engine, statuses, configured=configured) is shown


def test_lyrics_go_into_the_body_only_from_a_shown_box() -> None:
    words = "[verse]\nla la\n\n[chorus]\noh oh"
    assert Form("pop", engine="acestep", lyrics=words, lyrics_on=True).body()["lyrics"] == words
    assert "lyrics" not in Form("pop", engine="musicgen", lyrics=words, lyrics_on=False).body()
    assert "lyrics" not in Form("pop", engine="acestep", lyrics="  \n ", lyrics_on=True).body()


@pytest.mark.parametrize(
    ("choice", "body"),
    [(2, {"section": 2}), (None, {"section": 0}), ("3-6.5", {"start_s": 3.0, "end_s": 6.5})],
)
def test_the_section_dropdown_choice_is_a_section_or_a_span(choice, body) -> None:
    assert regenerate_body(choice) == body
