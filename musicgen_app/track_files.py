"""Where each file of a track lives inside its directory, and what it is served as.

One lossless master per audio file (FLAC: the mix and the four stems), encodes in other formats made
from it and cached beside it, and the side files. The job writes this layout into a staging directory;
the service serves from it; nothing else spells a file name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .formats import MEDIA_TYPES, OUTPUT_FORMATS, STEM_NAMES

__all__ = [
    "AUDIO_KINDS",
    "ENCODED_DIR",
    "FILE_KINDS",
    "MASTER_FORMAT",
    "SCORE_FILE",
    "SIDE_FILES",
    "TrackFile",
    "download_name",
    "encoded_file",
    "master_file",
    "media_type",
]

#: The audio a track has: its mix and its stems.
AUDIO_KINDS: tuple[str, ...] = ("mix", *STEM_NAMES)
#: The format the master is kept in (lossless; also served as is when FLAC is asked for).
MASTER_FORMAT = "flac"
#: Cached encodes of the master in the other formats.
ENCODED_DIR = "encoded"
#: Side files: name in the track directory and media type.
SIDE_FILES: dict[str, tuple[str, str]] = {
    "waveform": ("waveform.json", "application/json"),
    "beats": ("beats.json", "application/json"),
    "midi": ("track.mid", "audio/midi"),
}
#: The engine's score (symbolic tracks), kept for edits of this track: an edit of an edit starts from
#: the notes it really has, which its plan alone no longer gives. Not served: the MIDI is its public form.
SCORE_FILE = "score.json"
#: Everything a caller may ask for by name.
FILE_KINDS: tuple[str, ...] = (*AUDIO_KINDS, *SIDE_FILES)


def master_file(kind: str) -> str:
    """The master of ``kind`` (``mix`` or a stem), relative to the track directory."""
    if kind not in AUDIO_KINDS:
        raise ValueError(f"no audio named {kind!r}")
    return f"master/{kind}.{MASTER_FORMAT}"


def encoded_file(kind: str, fmt: str) -> str:
    """Where the encode of ``kind`` in ``fmt`` is cached, relative to the track directory."""
    if kind not in AUDIO_KINDS or fmt not in OUTPUT_FORMATS:
        raise ValueError(f"no encode {kind!r} as {fmt!r}")
    return f"{ENCODED_DIR}/{kind}.{fmt}"


def media_type(kind: str, fmt: str) -> str:
    """The media type of ``kind`` served as ``fmt`` (side files have their own)."""
    if kind in SIDE_FILES:
        return SIDE_FILES[kind][1]
    return MEDIA_TYPES[fmt]


def download_name(kind: str, prompt: str, track_id: str, extension: str) -> str:
    """The name a file of a track is downloaded as: its prompt's first words, its id and what it is
    (``chill-lofi-beat-3fa2c1d0-drums.mp3``); ``extension`` with its dot."""
    words = "".join(c.lower() if c.isalnum() else " " for c in prompt).split()
    suffix = "" if kind == "mix" else f"-{kind}"
    return f"{'-'.join(words[:6]) or 'track'}-{track_id[:8]}{suffix}{extension}"


@dataclass(frozen=True)
class TrackFile:
    """A stored file ready to be served: a local ``path``, or (S3 storage, ``local=False``) ``remote``."""

    path: Path | None
    media_type: str
    download_name: str
    remote: Any = None
