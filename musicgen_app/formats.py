"""The audio contract as constants: one place drives code, tests and error messages."""

from __future__ import annotations

__all__ = [
    "CHANNELS",
    "ENGINES",
    "MAX_DURATION_S",
    "MAX_PROMPT_CHARS",
    "MAX_TEMPO_BPM",
    "MEDIA_TYPES",
    "MIN_DURATION_S",
    "MIN_TEMPO_BPM",
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

MIN_DURATION_S = 5
MAX_DURATION_S = 300
MIN_TEMPO_BPM = 40
MAX_TEMPO_BPM = 220
MAX_PROMPT_CHARS = 2000

ENGINES: tuple[str, ...] = ("auto", "symbolic", "musicgen")
