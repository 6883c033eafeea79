"""`make demo` builds a listening page: one track per genre with its spectrogram."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from musicgen_app import demo


def test_spectrogram_png_shows_where_the_energy_is(tmp_path) -> None:
    sr = 22_050
    t = np.arange(sr * 2) / sr
    tone = np.stack([np.sin(2 * np.pi * 440 * t)] * 2, axis=1) * 0.5
    image = np.asarray(Image.open(demo.spectrogram_png(tone, sr, tmp_path / "s.png", width=200, height=100)))
    assert image.shape == (100, 200, 3)
    brightness = image.sum(axis=2).mean(axis=1)
    assert brightness.argmax() > 50  # a 440 Hz tone sits in the lower half of a mel scale to 11 kHz


def test_demo_renders_a_page_for_the_chosen_genres(tmp_path) -> None:
    assert demo.main(["--out", str(tmp_path), "--duration", "5", "--genres", "reggae"]) == 0
    rows = json.loads((tmp_path / "index.json").read_text())
    assert [r["genre"] for r in rows] == ["Reggae"]
    page = (tmp_path / "index.html").read_text()
    assert rows[0]["audio"] in page and rows[0]["png"] in page
    assert (tmp_path / rows[0]["audio"]).stat().st_size > 10_000


def test_demo_shows_a_stem_readout_and_an_earlier_run_beside(tmp_path) -> None:
    before, after = tmp_path / "before", tmp_path / "after"
    assert demo.main(["--out", str(before), "--duration", "5", "--genres", "trap", "--format", "wav"]) == 0
    args = ["--out", str(after), "--duration", "5", "--genres", "trap", "--before", str(before)]
    assert demo.main([*args, "--format", "wav"]) == 0
    row = json.loads((after / "index.json").read_text())[0]
    readout = {r["name"]: r for r in row["readout"]}
    assert set(readout) == {"mix", "vocals", "drums", "bass", "other"}
    assert abs(readout["mix"]["loudness_lufs"] + 14.0) < 1.0
    assert abs(sum(readout["bass"]["band_percent"].values()) - 100.0) < 0.5
    page = (after / "index.html").read_text()
    assert "before" in page and "after" in page
    assert "../before/" + row["audio"] in page  # the earlier run's track, linked from the new page
