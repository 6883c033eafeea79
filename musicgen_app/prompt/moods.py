"""Mood words: canonical moods, their synonyms, and what each does to energy, brightness and mode.

Energy drives density, dynamics and tempo within the genre's range; brightness drives register, timbre
and, when the prompt names no mode, the choice between minor and major. Genres have a baseline of both
so that "a calm trap beat" sits low in trap's range rather than at some global "calm" value.
"""

from __future__ import annotations

from dataclasses import dataclass

from .lexicon import TermIndex

__all__ = ["GENRE_CHARACTER", "MOODS", "MOOD_INDEX", "Mood", "blend_character", "mood_mode"]


@dataclass(frozen=True)
class Mood:
    """A canonical mood: ``energy`` and ``brightness`` in 0..1 and the mode it leans to (or None)."""

    name: str
    energy: float
    brightness: float
    mode: str | None
    synonyms: tuple[str, ...] = ()


def _m(name: str, energy: float, brightness: float, mode: str | None, *synonyms: str) -> Mood:
    return Mood(name, energy, brightness, mode, synonyms)


MOODS: tuple[Mood, ...] = (
    _m("happy", 0.65, 0.85, "major", "glad", "sunny", "feel good", "feel-good", "good vibes"),
    _m("joyful", 0.7, 0.9, "major", "joyous", "jubilant", "celebratory", "festive", "joy"),
    _m("cheerful", 0.65, 0.85, "major", "merry", "jolly", "chirpy"),
    _m("uplifting", 0.65, 0.8, "major", "inspiring", "inspirational", "motivational", "hopeful"),
    _m("optimistic", 0.6, 0.8, "major", "positive", "bright future"),
    _m("playful", 0.6, 0.8, "major", "bouncy", "whimsical", "quirky", "fun", "silly", "cute"),
    _m("upbeat", 0.7, 0.75, "major", "up-beat", "peppy"),
    _m("lively", 0.75, 0.75, "major", "vibrant", "spirited", "bustling"),
    _m("energetic", 0.85, 0.7, None, "energizing", "high energy", "high-energy", "pumping", "hype"),
    _m("triumphant", 0.8, 0.8, "major", "victorious", "victory", "glorious", "anthemic"),
    _m("heroic", 0.8, 0.7, "major", "brave", "adventurous", "adventure", "noble"),
    _m("epic", 0.85, 0.6, "minor", "grand", "majestic", "powerful"),
    _m("intense", 0.9, 0.45, "minor", "fierce", "relentless", "hard hitting", "hard-hitting"),
    _m("aggressive", 0.95, 0.35, "minor", "angry", "furious", "brutal", "violent", "rage"),
    _m("tense", 0.65, 0.3, "minor", "suspense", "suspenseful", "nervous", "anxious", "stealth"),
    _m("dark", 0.55, 0.15, "minor", "ominous", "gloomy", "sinister", "brooding", "moody", "grim"),
    _m("spooky", 0.45, 0.2, "minor", "creepy", "eerie", "haunting", "haunted", "scary", "horror"),
    _m("mysterious", 0.4, 0.3, "minor", "mystery", "enigmatic", "mystical", "magical", "arcane"),
    _m("sad", 0.25, 0.2, "minor", "sorrowful", "heartbroken", "tearful", "grief", "mournful", "tragic"),
    _m("melancholic", 0.3, 0.3, "minor", "melancholy", "wistful", "bittersweet", "somber", "sombre"),
    _m("nostalgic", 0.4, 0.45, None, "nostalgia", "retro feel", "memories", "reminiscent"),
    _m("romantic", 0.4, 0.6, "major", "love", "loving", "tender", "sensual"),
    _m("dreamy", 0.3, 0.65, None, "ethereal", "floaty", "hazy", "washed out", "washed-out", "lush"),
    _m("calm", 0.2, 0.55, None, "serene", "tranquil", "gentle", "soft", "soothing"),
    _m("peaceful", 0.2, 0.6, "major", "peace", "restful", "idyllic"),
    _m("relaxing", 0.25, 0.6, None, "relaxed", "relax", "laid back", "laid-back", "easygoing"),
    _m("chill", 0.3, 0.55, None, "chilled", "chillout", "chill out", "mellow", "cozy", "cosy"),
    _m("meditative", 0.15, 0.5, None, "meditation", "zen", "mindful", "contemplative", "spiritual"),
    _m(
        "quiet",
        0.15,
        0.5,
        None,
        "subdued",
        "hushed",
        "understated",
        "minimal",
        "sparse",
        "delicate",
        "intimate",
    ),
    _m("hypnotic", 0.6, 0.4, "minor", "trance", "trancey", "mesmerizing", "mesmerising", "repetitive"),
    _m("focused", 0.4, 0.5, None, "focus", "concentration", "productive", "studying", "steady"),
    _m("groovy", 0.7, 0.65, None, "grooving", "funky feel", "danceable", "head nodding"),
    _m("elegant", 0.4, 0.65, None, "graceful", "refined", "classy", "sophisticated", "stately"),
    _m("warm", 0.35, 0.6, None, "warmth", "cozy warm", "comforting"),
    _m("emotional", 0.5, 0.4, "minor", "moving", "heartfelt", "touching", "poignant", "cinematic emotion"),
    _m("futuristic", 0.6, 0.55, None, "sci fi", "sci-fi", "cyberpunk", "space age", "spacey", "space"),
)

MOOD_INDEX = TermIndex((term, mood.name) for mood in MOODS for term in (mood.name, *mood.synonyms))
_BY_NAME = {mood.name: mood for mood in MOODS}

#: Baseline (energy, brightness) of each genre id, before any mood word.
GENRE_CHARACTER: dict[str, tuple[float, float]] = {
    "lo-fi": (0.3, 0.45), "hip-hop": (0.55, 0.45), "trap": (0.7, 0.3), "pop": (0.65, 0.75),
    "rock": (0.75, 0.55), "metal": (0.9, 0.3), "jazz": (0.5, 0.55), "blues": (0.5, 0.45),
    "funk": (0.7, 0.65), "r&b": (0.45, 0.5), "reggae": (0.5, 0.65), "latin": (0.75, 0.75),
    "bossa nova": (0.4, 0.6), "country": (0.6, 0.7), "folk": (0.5, 0.6), "classical": (0.45, 0.55),
    "cinematic": (0.6, 0.4), "ambient": (0.15, 0.5), "house": (0.7, 0.6), "techno": (0.75, 0.35),
    "drum and bass": (0.85, 0.45), "dubstep": (0.85, 0.3), "synthwave": (0.6, 0.5),
    "chiptune": (0.7, 0.8), "gospel": (0.65, 0.75), "afrobeat": (0.7, 0.7), "acoustic": (0.55, 0.8),
}  # fmt: skip


def blend_character(genre: str, moods: tuple[str, ...]) -> tuple[float, float]:
    """Energy and brightness (0..1) of ``genre`` coloured by ``moods``.

    Moods weigh twice the genre baseline each, so one mood word moves the result most of the way.
    """
    energy, brightness = GENRE_CHARACTER.get(genre, (0.5, 0.5))
    weights = 1.0
    for name in moods:
        mood = _BY_NAME[name]
        energy += 2.0 * mood.energy
        brightness += 2.0 * mood.brightness
        weights += 2.0
    return _unit(energy / weights), _unit(brightness / weights)


def mood_mode(moods: tuple[str, ...]) -> str | None:
    """The mode most of the moods lean to (ties and no votes: None)."""
    votes = [_BY_NAME[name].mode for name in moods if _BY_NAME[name].mode]
    minor, major = votes.count("minor"), votes.count("major")
    if minor == major:
        return None
    return "minor" if minor > major else "major"


def _unit(value: float) -> float:
    return round(min(1.0, max(0.0, value)), 3)
