"""The waveform plot: reading audiowaveform v2 peaks and drawing them as SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from musicgen_app.ui.waveform_plot import envelope, parse_waveform, time_ticks, waveform_svg

SVG = "{http://www.w3.org/2000/svg}"


def _document(mins: list[list[int]], maxs: list[list[int]], *, bits: int = 8, per_pixel: int = 441) -> dict:
    """An audiowaveform v2 document from per-pixel, per-channel mins and maxs."""
    channels = len(mins[0])
    data = [
        v
        for lows, highs in zip(mins, maxs, strict=True)
        for lo, hi in zip(lows, highs, strict=True)
        for v in (lo, hi)
    ]
    return {
        "version": 2,
        "channels": channels,
        "sample_rate": 44_100,
        "samples_per_pixel": per_pixel,
        "bits": bits,
        "length": len(mins),
        "data": data,
    }


@pytest.fixture
def sine_document() -> dict:
    """10 s of a swelling signal: 1000 pixels of 441 samples, two channels, 8 bits."""
    level = np.round(127 * np.sin(np.linspace(0, np.pi, 1000))).astype(int)
    return _document([[-v, -v // 2] for v in level], [[v, v // 2] for v in level])


def test_parse_reads_pairs_over_channels_and_duration(sine_document):
    peaks = parse_waveform(sine_document)
    assert peaks.pixels == 1000
    assert peaks.duration_s == pytest.approx(10.0)
    assert peaks.maxs.max() == pytest.approx(127 / 128)
    np.testing.assert_allclose(peaks.mins, -peaks.maxs)  # the louder channel wins both ways


def test_parse_scales_16_bit_peaks():
    peaks = parse_waveform(_document([[-16384]], [[32767]], bits=16))
    assert peaks.mins[0] == pytest.approx(-0.5) and peaks.maxs[0] == pytest.approx(32767 / 32768)


@pytest.mark.parametrize(
    "change",
    [{"length": 999}, {"bits": 12}, {"channels": 0}, {"data": "nope"}, {"sample_rate": 0}],
)
def test_parse_rejects_malformed_documents(sine_document, change):
    with pytest.raises(ValueError):
        parse_waveform({**sine_document, **change})


def test_parse_rejects_a_missing_field(sine_document):
    del sine_document["samples_per_pixel"]
    with pytest.raises(ValueError, match="samples_per_pixel"):
        parse_waveform(sine_document)


def test_envelope_keeps_the_extremes_when_squeezing(sine_document):
    peaks = parse_waveform(sine_document)
    lows, highs = envelope(peaks, columns=7)
    assert lows.shape == highs.shape == (7,)
    assert highs.max() == pytest.approx(peaks.maxs.max())
    assert lows.min() == pytest.approx(peaks.mins.min())
    assert np.all(lows <= 0) and np.all(highs >= 0)


def test_envelope_stretches_few_pixels_over_many_columns():
    peaks = parse_waveform(_document([[-10], [-100]], [[10], [100]]))
    lows, highs = envelope(peaks, columns=4)
    np.testing.assert_allclose(lows * 128, [-10, -10, -100, -100])
    np.testing.assert_allclose(highs * 128, [10, 10, 100, 100])


def test_time_ticks_are_round_and_bounded():
    assert time_ticks(30.0) == [0, 5, 10, 15, 20, 25, 30]
    ticks = time_ticks(300.0)
    assert len(ticks) <= 10 and ticks[1] - ticks[0] == 60
    assert time_ticks(0.0) == [0.0]


def test_svg_is_well_formed_with_envelope_markers_and_axis(sine_document):
    sections = [("intro", 0.0), ('<drop> & "build"', 4.0), ("outro", 9.5), ("beyond", 12.0)]
    svg = waveform_svg(parse_waveform(sine_document), sections=sections, title="Waveform of a & b")
    root = ET.fromstring(svg)  # escaping kept it valid XML
    assert root.tag == f"{SVG}svg" and root.get("data-duration") == "10.00"
    assert len(root.findall(f"{SVG}path")) == 1
    markers = [g for g in root.iter(f"{SVG}g") if g.get("class") == "mg-section"]
    assert [m.get("data-start") for m in markers] == ["0.00", "4.00", "9.50"]  # 12 s is past the end
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert '<drop> & "build"' in texts and "0:10" in texts
    assert root.find(f"{SVG}title").text == "Waveform of a & b"


def test_svg_of_silence_draws_a_flat_envelope():
    svg = waveform_svg(parse_waveform(_document([[0]] * 50, [[0]] * 50)))
    path = ET.fromstring(svg).find(f"{SVG}path").get("d")
    ys = {float(point.split(",")[1]) for point in path.strip("MZ ").split(" L")}
    assert len(ys) == 1  # every point on the centre line


def test_svg_refuses_a_plot_too_small_to_draw(sine_document):
    with pytest.raises(ValueError, match="too small"):
        waveform_svg(parse_waveform(sine_document), width=5)


def test_each_section_is_a_click_target_over_its_span_carrying_its_index(sine_document):
    peaks = parse_waveform(sine_document)
    sections = [("intro", 0.0), ("late", peaks.duration_s + 5), ("verse", peaks.duration_s / 2)]
    root = ET.fromstring(waveform_svg(peaks, sections=sections, width=800))
    groups = root.findall(f"{SVG}g[@class='mg-section']")
    # the section outside the track is not drawn, and the others keep their place in the track's list
    assert [(g.get("data-index"), g.get("data-name")) for g in groups] == [("0", "intro"), ("2", "verse")]
    bands = [g.find(f"{SVG}rect") for g in groups]
    assert [float(b.get("x")) for b in bands] == [0.0, 400.0]
    assert float(bands[1].get("width")) == pytest.approx(400.0)
