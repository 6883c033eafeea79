"""The audio contract as constants (rates, formats, stems, loudness): one place for code and tests.

Request limits (duration, tempo, prompt length, engines) are request rules: see ``request.py``.
"""

from __future__ import annotations

__all__ = [
    "CHANNELS",
    "MEDIA_TYPES",
    "OUTPUT_FORMATS",
    "SAMPLE_RATE",
    "STEM_NAMES",
    "TARGET_LUFS",
    "TRUE_PEAK_CEILING_DBTP",
]

SAMPLE_RATE = 44_100
CHANNELS = 2

#: Output formats in the order the UI lists them; the value is the file suffix.
OUTPUT_FORMATS: tuple[str, ...] = ("mp3", "wav", "flac", "ogg")
MEDIA_TYPES: dict[str, str] = {
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
}

#: Always four stems, in this order, for every engine.
STEM_NAMES: tuple[str, ...] = ("vocals", "drums", "bass", "other")

TARGET_LUFS = -14.0
#: The contract says <= -1 dBTP; lossy encoders add overshoot, so we aim a little lower.
TRUE_PEAK_CEILING_DBTP = -1.5
