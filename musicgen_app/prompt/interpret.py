"""From a request to a :class:`~musicgen_app.plan.Plan`: explicit fields win, then the prompt, then defaults.

``Plan.sources`` records how each field was decided: ``explicit`` (a request field), ``prompt`` (the
words), ``mood`` (derived from mood words), ``genre default`` (the genre's habit), ``semantic`` or
``lexical`` (the genre guessed by similarity, with or without the embedding model) and ``default``
(nothing said; a seeded or neutral choice).
"""

from __future__ import annotations

from ..genres import Genre, genre_by_id, resolve_genre
from ..plan import Plan, bar_seconds
from ..request import GenerationRequest
from .embed import GenreMatcher, default_matcher
from .explicit import apply_key, apply_lineup, apply_meter, resolve_loop, resolve_sections
from .keys import choose_key, default_mode_for
from .moods import GENRE_CHARACTER, blend_character, mood_mode
from .reading import PromptReading, read_prompt
from .tempo import TempoReading, decide_tempo

__all__ = ["WEAK_GENRE_BONUS", "decide_genre", "interpret"]

#: Cosine-similarity bonus for a genre a weak word named (all-MiniLM similarities span about 0.1-0.7).
WEAK_GENRE_BONUS = 0.1


def interpret(request: GenerationRequest, *, seed: int, matcher: GenreMatcher | None = None) -> Plan:
    """Read ``request`` into a fully decided :class:`Plan`.

    Parameters
    ----------
    request : a validated request; its ``genre``, ``tempo_bpm``, ``key``, ``time_signature``,
        ``instruments``, ``exclude`` and ``structure``, when set, override the prompt
        (see :mod:`.explicit`).
    seed : the seed every choice derives from (the caller decides it: explicit or random).
    matcher : the semantic genre matcher; defaults to the process-wide one (loaded on first need).

    Raises
    ------
    UnknownGenre
        When ``request.genre`` names no known genre (the message lists the closest ones).
    InvalidRequest
        When the structure does not fit the duration, or exclude names an instrument asked for.
    """
    reading = read_prompt(request.prompt)
    sources: dict[str, str] = {}
    genre, sources["genre"] = decide_genre(request, reading, matcher=matcher)
    energy, brightness = blend_character(genre.id, reading.moods)
    baseline = GENRE_CHARACTER.get(genre.id, (0.5, 0.5))[0]
    if reading.tempo_position is not None:
        # Tempo words colour energy too: "frantic" is not only a number.
        energy = round(0.7 * energy + 0.3 * reading.tempo_position, 3)
    sources["energy"] = sources["brightness"] = "mood" if reading.moods else "genre default"
    named = sources["genre"] in ("explicit", "prompt")
    tempo_bpm, sources["tempo_bpm"] = _decide_tempo(request, reading, genre, energy, baseline, named)
    overrides: dict[str, str] = {}
    key, mode = _decide_key(reading, genre.id, seed, sources)
    key, mode = apply_key(request, reading, genre.id, (key, mode), sources, overrides)
    meter = reading.time_signature or genre.time_signature
    sources["time_signature"] = "prompt" if reading.time_signature else "genre default"
    meter = apply_meter(request, reading, meter, sources, overrides)
    for name in ("instruments", "excluded", "moods", "ambience", "structure", "vocals"):
        sources[name] = "prompt" if getattr(reading, name) else "default"
    lineup = apply_lineup(request, reading, _idiomatic_guitar(reading, genre.id), sources, overrides)
    loop_bars = resolve_loop(request, tempo_bpm, meter, sources)
    sections = resolve_sections(request, genre.id, tempo_bpm, meter, sources)
    duration_s = loop_bars * bar_seconds(tempo_bpm, meter) if loop_bars else float(request.duration_s)
    return Plan(
        prompt=request.prompt,
        genre=genre.id,
        tempo_bpm=tempo_bpm,
        key=key,
        mode=mode,
        duration_s=duration_s,
        seed=seed,
        time_signature=meter,
        instruments=lineup.instruments,
        excluded=lineup.excluded,
        moods=reading.moods,
        energy=energy,
        brightness=brightness,
        ambience=reading.ambience,
        structure=reading.structure,
        vocals=_decide_vocals(request, lineup.vocals, sources),
        lyrics=request.lyrics or "",
        sections=sections,
        loop_bars=loop_bars,
        sources=sources,
        overrides=overrides,
    )


def _decide_vocals(request: GenerationRequest, from_lineup: bool, sources: dict[str, str]) -> bool:
    """Whether voices are wanted: the ``vocals`` field wins over the prompt and the lineup."""
    if request.vocals == "auto" and request.lyrics is None:
        return from_lineup
    sources["vocals"] = "explicit"
    return request.vocals != "none"


def decide_genre(
    request: GenerationRequest, reading: PromptReading, *, matcher: GenreMatcher | None = None
) -> tuple[Genre, str]:
    """The genre and its source: the explicit field, the prompt's words, else the closest by meaning.

    A weak genre word ("epic", "dance") only tips the balance: when the embedding model is available
    the prompt's meaning decides, with a bonus for the genres the weak words named.
    """
    if request.genre is not None:
        return resolve_genre(request.genre), "explicit"
    if reading.genre is not None and not reading.genre_weak:
        return genre_by_id(reading.genre), "prompt"
    matcher = matcher or default_matcher()
    if reading.genre is not None and not matcher.warm_up():
        return genre_by_id(reading.genre), "prompt"
    prior = dict.fromkeys(reading.genre_mentions, WEAK_GENRE_BONUS)
    guess = matcher.guess(request.prompt, prior=prior)
    source = "prompt" if guess.genre == reading.genre else guess.method
    return genre_by_id(guess.genre), source


# What a bare "guitar" means in genres whose guitar is not the electric one.
_GENRE_GUITAR = {
    "bossa nova": "nylon guitar", "latin": "nylon guitar", "classical": "nylon guitar",
    "country": "acoustic guitar", "folk": "acoustic guitar", "acoustic": "acoustic guitar",
    "metal": "distorted guitar",
}  # fmt: skip
_BARE_GUITAR = frozenset({"guitar", "guitars"})


def _idiomatic_guitar(reading: PromptReading, genre: str) -> tuple[str, ...]:
    """The prompt's instruments, with a bare "guitar" read as the genre's own guitar."""
    wanted = _GENRE_GUITAR.get(genre)
    bare = any(
        e.field == "instruments" and e.value == "electric guitar" and e.text.lower() in _BARE_GUITAR
        for e in reading.evidence
    )
    if wanted is None or not bare or wanted in reading.excluded:
        return reading.instruments
    swapped = (wanted if name == "electric guitar" else name for name in reading.instruments)
    return tuple(dict.fromkeys(swapped))


def _decide_tempo(
    request: GenerationRequest,
    reading: PromptReading,
    genre: Genre,
    energy: float,
    baseline: float,
    named: bool,
) -> tuple[int, str]:
    if request.tempo_bpm is not None:
        return request.tempo_bpm, "explicit"
    tempo = TempoReading(bpm=reading.tempo_bpm, position=reading.tempo_position)
    return decide_tempo(genre, reading=tempo, energy=energy, baseline_energy=baseline, genre_was_named=named)


def _decide_key(reading: PromptReading, genre: str, seed: int, sources: dict[str, str]) -> tuple[str, str]:
    mode, sources["mode"] = reading.mode, "prompt"
    if mode is None and mood_mode(reading.moods):
        mode, sources["mode"] = mood_mode(reading.moods), "mood"
    if reading.key is not None:
        sources["key"] = "prompt"
        if mode is None:
            mode, sources["mode"] = default_mode_for(genre, reading.key), "genre default"
        return reading.key, mode
    key, chosen_mode = choose_key(genre, mode=mode, seed=seed)
    sources["key"] = "default"
    if mode is None:
        sources["mode"] = "genre default"
    return key, chosen_mode
