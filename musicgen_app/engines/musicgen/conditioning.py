"""The text MusicGen is conditioned on: the user's prompt plus what the plan decided and the prompt lacks.

MusicGen was trained on short descriptions such as ``"lo-fi track with soft piano, 80 bpm, calm"``, so the
plan's genre, tempo, key and moods are appended as comma-separated phrases, each only when the prompt does
not already say it (repeating a word the user wrote would over-weight it).
"""

from __future__ import annotations

import re

from ...plan import Plan

__all__ = ["conditioning_text", "mentions"]

#: Spellings of the plan's pitch-class names that a prompt may use instead.
_KEY_SPELLINGS: dict[str, tuple[str, ...]] = {
    "C#": ("C#", "C sharp", "Db", "D flat"),
    "Eb": ("Eb", "E flat", "D#", "D sharp"),
    "F#": ("F#", "F sharp", "Gb", "G flat"),
    "Ab": ("Ab", "A flat", "G#", "G sharp"),
    "Bb": ("Bb", "B flat", "A#", "A sharp"),
}


def _words(text: str) -> str:
    """Lower-case words joined by single spaces, punctuation dropped (``Lo-Fi`` -> ``lo fi``)."""
    return " ".join(re.findall(r"[a-z0-9#]+", text.lower()))


def mentions(prompt: str, phrase: str) -> bool:
    """Whether ``prompt`` already carries ``phrase`` as whole words, ignoring case, hyphens and spacing.

    ``lofi``, ``lo-fi`` and ``Lo Fi`` all mention ``lo-fi``; ``rocket`` does not mention ``rock``.
    """
    words, wanted = _words(prompt), _words(phrase)
    if not wanted:
        return True
    if re.search(rf"(?<![a-z0-9#]){re.escape(wanted)}(?![a-z0-9#])", words):
        return True
    compact = wanted.replace(" ", "")
    return compact != wanted and re.search(rf"\b{re.escape(compact)}\b", words) is not None


def _mentions_tempo(prompt: str, tempo_bpm: int) -> bool:
    return re.search(rf"(?<!\d){tempo_bpm}\s*(bpm|beats per minute)\b", prompt, re.IGNORECASE) is not None


def _mentions_key(prompt: str, key: str, mode: str) -> bool:
    # The tonic is matched case-sensitively ("a minor detail" is not A minor) unless "in" precedes it.
    for spelling in _KEY_SPELLINGS.get(key, (key,)):
        tonic = re.escape(spelling).replace(r"\ ", r"[\s-]?")
        tail = rf"(?![A-Za-z#])\s*-?\s*(?i:{re.escape(mode)})\b"
        if re.search(rf"(?<![A-Za-z]){tonic}{tail}", prompt):
            return True
        if re.search(rf"(?i:\bin\s+{tonic}){tail}", prompt):
            return True
    return False


def conditioning_text(plan: Plan) -> str:
    """The description MusicGen is conditioned on.

    Parameters
    ----------
    plan : the resolved plan; its prompt leads, then genre, ``at N BPM``, ``in <key> <mode>`` and mood
        words, each only when the prompt does not carry it already.

    Returns
    -------
    One line of comma-separated phrases, e.g. ``"rainy night piano, lo-fi, at 80 BPM, in A minor, calm"``.
    """
    prompt = " ".join(plan.prompt.split())
    phrases = [prompt] if prompt else []
    if plan.genre and not mentions(prompt, plan.genre):
        phrases.append(plan.genre)
    if not _mentions_tempo(prompt, plan.tempo_bpm):
        phrases.append(f"at {plan.tempo_bpm} BPM")
    if not _mentions_key(prompt, plan.key, plan.mode):
        phrases.append(f"in {plan.key_name}")
    phrases.extend(mood for mood in plan.moods if not mentions(prompt, mood))
    return ", ".join(phrases)
