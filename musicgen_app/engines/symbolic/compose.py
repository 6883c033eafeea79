"""The offline composer: a Plan in, a Score (notes per part) out. Deterministic for ``plan.seed``."""

from __future__ import annotations

from ...errors import InvalidRequest
from ...instruments import instrument
from ...plan import Plan
from .arrange import PartSpec, arrange
from .bass import bass_notes
from .changes import build_changes
from .comp import figure_notes
from .context import Context, build_context, derive_rng
from .drums import drum_notes
from .form import Form, plan_form
from .lines import VOCAL_SECTIONS, bend_into, counter_notes, is_legato, tune_notes
from .melody import Tone, write_line
from .meter import Meter
from .percussion import KIT_PIECE_KEYS, carve_kit, percussion_notes
from .score import Note, Part, Score, Section
from .styles import STYLES, style_for

__all__ = ["compose"]

_MIN_NOTE_BEATS = 0.02


def _meter(plan: Plan) -> Meter:
    num, den = plan.time_signature
    if not (1 <= num <= 16 and den in (2, 4, 8, 16)):
        raise InvalidRequest.for_field("time_signature", f"unsupported time signature {num}/{den}")
    return Meter(num, den)


def _fit(notes: list[Note], form: Form) -> tuple[Note, ...]:
    """Cut the body at the ending and every note at the end of the music."""
    out: list[Note] = []
    for note in notes:
        is_final = abs(note.start_beat - form.ending_beat) < 1e-9
        limit = form.end_beat if is_final else form.ending_beat
        if note.start_beat >= limit - _MIN_NOTE_BEATS and not is_final:
            continue
        length = min(note.duration_beats, limit - note.start_beat)
        if length >= _MIN_NOTE_BEATS:
            out.append(Note(note.start_beat, length, note.pitch, note.velocity, note.bend))
    return tuple(out)


def _notes_for(ctx: Context, spec: PartSpec, tones: list[Tone], vocals: bool) -> list[Note]:
    role, family = spec.role, instrument(spec.instrument).family
    if role == "drums":
        return drum_notes(ctx)
    if role == "perc":
        return percussion_notes(ctx, spec.instrument)
    if role == "bass":
        return bass_notes(ctx, low=spec.low, high=spec.high)
    if role in ("chords", "pad", "arp", "choir"):
        return figure_notes(ctx, role, low=spec.low, high=spec.high)
    if role == "counter":
        return counter_notes(ctx, low=spec.low, high=spec.high)
    if role == "vocals":
        return tune_notes(
            ctx, tones, low=spec.low, high=spec.high, legato=True, sections=VOCAL_SECTIONS, label="vocals"
        )
    exclude = VOCAL_SECTIONS if vocals else frozenset()
    notes = tune_notes(
        ctx, tones, low=spec.low, high=spec.high, legato=is_legato(family), exclude=exclude, label="lead"
    )
    if family == "guitar":
        notes = bend_into(notes, ctx.rng("lead:bends"), share=ctx.style.bends)
    return notes


def _fade(notes: tuple[Note, ...], form: Form, meter: Meter) -> tuple[Note, ...]:
    """Velocities taper over the last section down to 35 %: the plan asked for a fade-out."""
    if not form.sections:
        return notes
    start = form.sections[-1].start_bar * meter.beats_per_bar
    span = max(1e-9, form.end_beat - start)
    out = []
    for note in notes:
        share = min(1.0, max(0.0, (note.start_beat - start) / span))
        velocity = max(1, round(note.velocity * (1.0 - 0.65 * share)))
        out.append(Note(note.start_beat, note.duration_beats, note.pitch, velocity, note.bend))
    return tuple(out)


def _form_kind(plan: Plan, kind: str) -> str:
    """A drop asked for in a song-shaped style turns the form into build / drop / breakdown."""
    return "edm" if "drop" in plan.structure and kind in ("song", "loop") else kind


def _part(spec: PartSpec, notes: tuple[Note, ...]) -> Part:
    return Part(
        name=spec.name,
        stem=spec.stem,
        program=spec.program,
        notes=notes,
        is_drum=spec.is_drum,
        gain_db=spec.gain_db,
        pan=spec.pan,
        reverb_send=spec.reverb_send,
        instrument=spec.instrument,
        role=spec.role,
    )


def _carve(
    ctx: Context, specs: list[PartSpec], raw: dict[str, list[Note]]
) -> list[tuple[PartSpec, list[Note]]]:
    """Kit pieces the prompt names become parts of their own, taken out of the kit."""
    out = [(spec, raw[spec.name]) for spec in specs]
    kit = next((i for i, (s, _) in enumerate(out) if s.role == "drums"), None)
    if kit is None:
        return out
    for piece in (p for p in KIT_PIECE_KEYS if ctx.plan.excludes(p)):
        spec, notes = out[kit]
        out[kit] = (spec, carve_kit(ctx, notes, piece)[0])  # "no hi-hats": the kit plays without
    for piece in (p for p in ctx.plan.instruments if p in KIT_PIECE_KEYS and not ctx.plan.excludes(p)):
        spec, notes = out[kit]
        rest, taken = carve_kit(ctx, notes, piece)
        out[kit] = (spec, rest)
        piece_spec = PartSpec(
            piece,
            "perc",
            piece,
            0,
            "drums",
            True,
            spec.low,
            spec.high,
            spec.gain_db - 2.0,
            0.0,
            spec.reverb_send,
        )
        out.append((piece_spec, taken))
    return out


def _sections(form: Form, meter: Meter) -> tuple[Section, ...]:
    sections = list(form.sections)
    bar = form.ending_beat / meter.beats_per_bar
    if abs(bar - round(bar)) < 1e-9:
        energy = sections[-1].energy if sections else 0.5
        sections.append(Section("ending", round(bar), 1, energy))
    return tuple(sections)


def compose(plan: Plan) -> Score:
    """Compose the whole track the plan describes.

    Parameters
    ----------
    plan : a resolved :class:`~musicgen_app.plan.Plan`; its genre must be one of ``GENRES``.

    Returns
    -------
    Score
        Parts for drums, bass, harmony, melody (and voices, percussion) at exactly ``plan.tempo_bpm``,
        lasting exactly ``plan.duration_s``; the music resolves on the tonic and rings out before the end.

    Raises
    ------
    InvalidRequest
        When the genre has no style or the time signature is not one the composer can write.
    """
    if plan.genre not in STYLES:
        raise InvalidRequest.for_field("genre", f"no style for genre {plan.genre!r}")
    style = style_for(plan.genre)
    meter = _meter(plan)
    form = plan_form(
        _form_kind(plan, style.form),
        duration_s=plan.duration_s,
        tempo_bpm=plan.tempo_bpm,
        meter=meter,
        energy=plan.energy,
        structure=plan.structure,
        planned=plan.sections,
    )
    changes = build_changes(plan, style, form, meter, derive_rng(plan.seed, "changes"))
    specs = arrange(plan, style)
    roles = {s.role for s in specs}
    ctx = build_context(plan, style, meter, form, changes, has_kit="drums" in roles, has_arp="arp" in roles)
    parts = _compose_parts(ctx, specs)
    return Score(
        tempo_bpm=plan.tempo_bpm,
        time_signature=plan.time_signature,
        key=plan.key,
        mode=plan.mode,
        duration_s=plan.duration_s,
        parts=tuple(parts),
        sections=_sections(form, meter),
        ambience=plan.ambience,
        meta=_meta(ctx, parts),
    )


def _compose_parts(ctx: Context, specs: list[PartSpec]) -> list[Part]:
    roles = {s.role for s in specs}
    tones = write_line(ctx) if roles & {"lead", "vocals"} else []
    raw = {spec.name: _notes_for(ctx, spec, tones, "vocals" in roles) for spec in specs}
    parts = []
    for spec, notes in _carve(ctx, specs, raw):
        fitted = _fit(notes, ctx.form)
        if "fade out" in ctx.plan.structure:
            fitted = _fade(fitted, ctx.form, ctx.meter)
        parts.append(_part(spec, fitted))
    return parts


def _meta(ctx: Context, parts: list[Part]) -> dict[str, str]:
    """What the composer decided, for display and provenance."""
    return {
        "style": ctx.style.id,
        "form": " ".join(f"{s.name}:{s.bars}" for s in ctx.form.sections),
        "progressions": "; ".join(f"{k}: {v}" for k, v in ctx.changes.progressions.items()),
        "lineup": ", ".join(f"{p.name}={p.instrument}" for p in parts),
    }
