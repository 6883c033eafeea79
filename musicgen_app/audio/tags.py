"""Provenance tags: one :class:`Tags` value, written in each container's own idiom and read back.

==========  =====================================================================================
container   where each field goes
==========  =====================================================================================
MP3         ID3v2.4: ``TIT2`` title, ``TPE1`` artist, ``TSSE`` software, ``COMM`` comment, and
            ``TXXX`` frames ``ENGINE``, ``MODEL``, ``PROMPT``, ``SEED``, ``LICENSE``
FLAC, OGG   Vorbis comments ``TITLE``, ``ARTIST``, ``ENGINE``, ``MODEL``, ``PROMPT``, ``SEED``,
            ``LICENSE``, ``COMMENT``
WAV         RIFF ``LIST/INFO``: ``INAM`` title, ``IART`` artist, ``ICOP`` license, ``ISFT`` software,
            ``ICMT`` one ``key: value`` line per remaining field (engine, model, seed, prompt,
            comment; backslashes and newlines escaped) because INFO has no fields of its own for them;
            a loop also as a ``smpl`` chunk (one forward loop), which samplers and DAWs read
==========  =====================================================================================

A seamless loop carries ``loopstart`` and ``looplength`` (in frames): ``TXXX:LOOPSTART`` /
``TXXX:LOOPLENGTH`` in ID3, ``LOOPSTART`` / ``LOOPLENGTH`` Vorbis comments (the names game engines and
players read), ``ICMT`` lines and the ``smpl`` chunk in WAV.

:func:`read_tags` recognises the container by its first bytes, not by the file name.
"""

from __future__ import annotations

import re
import struct
from dataclasses import asdict, dataclass
from pathlib import Path

from mutagen.flac import FLAC
from mutagen.id3 import COMM, ID3, TIT2, TPE1, TSSE, TXXX
from mutagen.oggvorbis import OggVorbis

__all__ = [
    "TAG_KEYS",
    "Tags",
    "append_smpl_loop",
    "read_smpl_loop",
    "read_tags",
    "riff_info_strings",
    "write_id3",
    "write_vorbis_comments",
]

#: The keys of :meth:`Tags.as_dict` and :func:`read_tags`, in display order.
TAG_KEYS: tuple[str, ...] = (
    "title", "artist", "engine", "model", "prompt", "seed", "license", "comment", "loopstart", "looplength",
)  # fmt: skip
_EXTRA_KEYS = ("engine", "model", "prompt", "seed", "license", "loopstart", "looplength")  # ID3 TXXX
_ICMT_KEYS = ("engine", "model", "seed", "prompt", "comment", "loopstart", "looplength")  # WAV comment lines
_ICMT_LINE = re.compile(r"^(\w+): (.*)$")


@dataclass(frozen=True)
class Tags:
    """What a file says about where it came from.

    ``seed`` may be given as an int; it is kept as text. NUL characters are dropped: ID3 reads them as
    value separators and RIFF INFO as the end of the string, so no container would keep them.
    """

    title: str
    engine: str
    model: str
    prompt: str
    seed: str
    license: str
    artist: str = "musicgen_app"
    comment: str = ""
    loopstart: str = ""
    looplength: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "seed", str(self.seed))
        for key, value in asdict(self).items():
            if not isinstance(value, str):
                raise TypeError(f"tag {key!r} must be text, got {type(value).__name__}")
            object.__setattr__(self, key, value.replace("\0", ""))

    def as_dict(self) -> dict[str, str]:
        """Non-empty fields in :data:`TAG_KEYS` order (what :func:`read_tags` gives back)."""
        values = asdict(self)
        return {key: values[key] for key in TAG_KEYS if values[key]}

    @property
    def software(self) -> str:
        """One line naming what made the audio, for ``TSSE`` and ``ISFT``."""
        return f"{self.artist} ({self.engine}; {self.model})"


def write_id3(path: Path, tags: Tags) -> None:
    """Write ``tags`` as an ID3v2.4 header at the start of the MP3 at ``path`` (replacing any)."""
    id3 = ID3()
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TPE1(encoding=3, text=tags.artist))
    id3.add(TSSE(encoding=3, text=tags.software))
    for key in _EXTRA_KEYS:
        if getattr(tags, key) or key not in ("loopstart", "looplength"):
            id3.add(TXXX(encoding=3, desc=key.upper(), text=getattr(tags, key)))
    if tags.comment:
        id3.add(COMM(encoding=3, lang="eng", desc="", text=tags.comment))
    id3.save(path, v2_version=4)


def write_vorbis_comments(path: Path, tags: Tags, fmt: str) -> None:
    """Write ``tags`` as Vorbis comments into the FLAC or Ogg Vorbis file at ``path``."""
    audio = FLAC(path) if fmt == "flac" else OggVorbis(path)
    for key, value in tags.as_dict().items():
        audio[key.upper()] = value
    audio.save()


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), value)


def riff_info_strings(tags: Tags) -> dict[str, str]:
    """``soundfile.SoundFile`` string attributes that libsndfile writes as RIFF INFO chunks."""
    lines = [f"{key}: {_escape(getattr(tags, key))}" for key in _ICMT_KEYS if getattr(tags, key)]
    strings = {
        "title": tags.title,
        "artist": tags.artist,
        "copyright": tags.license,
        "software": tags.software,
        "comment": "\n".join(lines),
    }
    # libsndfile refuses an empty string ("bad string"): an empty field is simply not written
    return {name: value for name, value in strings.items() if value}


def _read_id3(path: Path) -> dict[str, str]:
    id3 = ID3(path)
    found = {"title": id3.get("TIT2"), "artist": id3.get("TPE1")}
    found.update({key: id3.get(f"TXXX:{key.upper()}") for key in _EXTRA_KEYS})
    comments = id3.getall("COMM")
    found["comment"] = comments[0] if comments else None
    return {key: str(frame.text[0]) for key, frame in found.items() if frame is not None and frame.text}


def _read_vorbis(audio: FLAC | OggVorbis) -> dict[str, str]:
    comments = audio.tags or {}
    return {key: comments[key.upper()][0] for key in TAG_KEYS if key.upper() in comments}


def _info_entries(body: bytes) -> dict[bytes, str]:
    found: dict[bytes, str] = {}
    offset = 4  # past the b"INFO" list type
    while offset + 8 <= len(body):
        sub_id, size = struct.unpack_from("<4sI", body, offset)
        text = body[offset + 8 : offset + 8 + size].split(b"\0", 1)[0]
        found[sub_id] = text.decode("utf-8", errors="replace")
        offset += 8 + size + (size & 1)
    return found


def _riff_info(path: Path) -> dict[bytes, str]:
    """The ``LIST/INFO`` entries of a RIFF WAVE file by four-byte id. A tiny chunk walker that seeks
    past the audio: libsndfile stops reading INFO at long strings, and a 2000-character prompt is one.
    """
    found: dict[bytes, str] = {}
    with path.open("rb") as handle:
        handle.seek(12)
        while len(header := handle.read(8)) == 8:
            chunk_id, size = struct.unpack("<4sI", header)
            if chunk_id == b"LIST":
                body = handle.read(size + (size & 1))
                if body[:4] == b"INFO":
                    found.update(_info_entries(body[:size]))
            else:
                handle.seek(size + (size & 1), 1)
    return found


def _read_wav(path: Path) -> dict[str, str]:
    info = _riff_info(path)
    found = {"title": info.get(b"INAM"), "artist": info.get(b"IART"), "license": info.get(b"ICOP")}
    for line in info.get(b"ICMT", "").split("\n"):
        match = _ICMT_LINE.match(line)
        if match and match.group(1) in _ICMT_KEYS:
            found[match.group(1)] = _unescape(match.group(2))
    return {key: found[key] for key in TAG_KEYS if found.get(key)}


def read_tags(path: Path | str) -> dict[str, str]:
    """The provenance tags of an audio file written by :func:`~musicgen_app.audio.encode.encode_audio`.

    Parameters
    ----------
    path : Path or str
        An MP3, WAV, FLAC or Ogg Vorbis file; the container is recognised by its first bytes.

    Returns
    -------
    dict[str, str]
        The tags found, keyed as in :data:`TAG_KEYS` (``title``, ``engine``, ``prompt``...).

    Raises
    ------
    ValueError
        When the file is none of the four containers.
    """
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(12)
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return _read_wav(path)
    if head[:4] == b"fLaC":
        return _read_vorbis(FLAC(path))
    if head[:4] == b"OggS":
        return _read_vorbis(OggVorbis(path))
    if head[:3] == b"ID3":
        return _read_id3(path)
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return {}  # an MP3 without an ID3v2 header carries no tags
    raise ValueError(f"{path.name}: not an MP3, WAV, FLAC or Ogg Vorbis file")


_SMPL_HEADER = struct.Struct("<9I")  # manufacturer .. sampler data (36 bytes)
_SMPL_LOOP = struct.Struct("<6I")  # cue id, type, start, end, fraction, play count (24 bytes)


def append_smpl_loop(path: Path, sr: int, *, start_frame: int, length_frames: int) -> None:
    """Add a ``smpl`` chunk with one forward loop (``start_frame`` to the last frame of the loop,
    inclusive, as the chunk counts) to the WAV at ``path``, and fix the RIFF size."""
    period_ns = round(1e9 / sr)
    header = _SMPL_HEADER.pack(0, 0, period_ns, 60, 0, 0, 0, 1, 0)
    loop = _SMPL_LOOP.pack(0, 0, start_frame, start_frame + length_frames - 1, 0, 0)
    body = header + loop
    with path.open("r+b") as handle:
        handle.seek(0, 2)
        if handle.tell() & 1:  # chunks start on even offsets
            handle.write(b"\0")
        handle.write(struct.pack("<4sI", b"smpl", len(body)) + body)
        size = handle.tell() - 8
        handle.seek(4)
        handle.write(struct.pack("<I", size))


def read_smpl_loop(path: Path | str) -> tuple[int, int] | None:
    """``(start_frame, end_frame)`` (inclusive) of the first loop in a WAV's ``smpl`` chunk, if any."""
    with Path(path).open("rb") as handle:
        handle.seek(12)
        while len(header := handle.read(8)) == 8:
            chunk_id, size = struct.unpack("<4sI", header)
            if chunk_id == b"smpl":
                body = handle.read(size)
                if _SMPL_HEADER.unpack_from(body)[7] < 1:
                    return None
                loop = _SMPL_LOOP.unpack_from(body, _SMPL_HEADER.size)
                return loop[2], loop[3]
            handle.seek(size + (size & 1), 1)
    return None
