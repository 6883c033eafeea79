"""What ACE-Step is conditioned on: a caption, the lyrics, and the metadata its prompt template carries.

ACE-Step's text encoder reads a caption ("# Caption") and metadata ("# Metas": bpm, time signature as
the numerator alone, key as "C major"); lyrics go through their own encoder, section tags included.
The caption is the user's prompt plus the plan's genre, instruments and moods that the prompt lacks
(repeating a word the user wrote would over-weight it), and what the ``vocals`` choice asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...plan import Plan
from ..musicgen.conditioning import mentions

__all__ = ["INSTRUMENTAL_LYRICS", "Conditioning", "conditioning"]

#: What ACE-Step's own tools pass as lyrics for a track without singing.
INSTRUMENTAL_LYRICS = "[Instrumental]"
#: ACE-Step names only major and minor: the modes with a minor third read as minor.
_MINOR_MODES = frozenset({"minor", "dorian", "phrygian"})


@dataclass(frozen=True)
class Conditioning:
    """The pipeline's inputs for one plan.

    Attributes
    ----------
    caption : the description (prompt first, then the plan's words it lacks).
    lyrics : words to sing with their section tags, or :data:`INSTRUMENTAL_LYRICS` / ``""`` (wordless).
    bpm : tempo in beats per minute.
    keyscale : ``"<tonic> major"`` or ``"<tonic> minor"``.
    timesignature : the meter's numerator as a string (``"4"``, ``"3"``, ``"6"``), as the model reads it.
    """

    caption: str
    lyrics: str
    bpm: int
    keyscale: str
    timesignature: str


def _caption(plan: Plan) -> str:
    prompt = " ".join(plan.prompt.split())
    phrases = [prompt] if prompt else []
    words = [plan.genre, *plan.instruments, *plan.moods]
    if plan.lyrics:
        words.append("vocals")
    elif plan.vocals:
        words.append("wordless vocals")
    else:
        words.append("instrumental")
    phrases.extend(word for word in words if word and not mentions(prompt, word))
    return ", ".join(phrases)


def _lyrics(plan: Plan) -> str:
    if plan.lyrics:
        return plan.lyrics
    # wordless voices: no words to sing, the caption asks for the voices
    return "" if plan.vocals else INSTRUMENTAL_LYRICS


def conditioning(plan: Plan) -> Conditioning:
    """The caption, lyrics and metadata ACE-Step gets for ``plan``."""
    scale = "minor" if plan.mode in _MINOR_MODES else "major"
    return Conditioning(
        caption=_caption(plan),
        lyrics=_lyrics(plan),
        bpm=plan.tempo_bpm,
        keyscale=f"{plan.key} {scale}",
        timesignature=str(plan.time_signature[0]),
    )
