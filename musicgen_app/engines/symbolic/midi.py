"""Standard MIDI File export of a Score: one track per part, drums on channel 10.

Track 0 holds the tempo, time signature, key signature and a marker per section. Each part's track
names the part, sets its program (melodic parts), pan, and, when notes glide, a pitch-bend range of
12 semitones so ``Note.bend`` can be written as pitch-bend ramps.
"""

from __future__ import annotations

import io

import mido

from .score import Part, Score, is_compound

__all__ = ["TICKS_PER_QUARTER", "key_signature_name", "score_to_midi"]

TICKS_PER_QUARTER = 480
DRUM_CHANNEL = 9
BEND_RANGE_SEMITONES = 12
_BEND_STEPS = 8
_SHARP_MAJORS = {
    "C": "C",
    "C#": "Db",
    "D": "D",
    "Eb": "Eb",
    "E": "E",
    "F": "F",
    "F#": "F#",
    "G": "G",
    "Ab": "Ab",
    "A": "A",
    "Bb": "Bb",
    "B": "B",
}
_PCS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_MINOR_NAMES = ("Cm", "C#m", "Dm", "Ebm", "Em", "Fm", "F#m", "Gm", "G#m", "Am", "Bbm", "Bm")
#: Semitones from a mode's tonic down to the major key that shares its key signature.
_MODE_TO_MAJOR = {"major": 0, "minor": 3, "dorian": -2, "mixolydian": -7, "phrygian": -4, "lydian": -5}


def key_signature_name(key: str, mode: str) -> str:
    """mido's key-signature name for a key and mode (church modes use their parent major key)."""
    tonic = _PCS.index(key)
    if mode == "minor":
        return _MINOR_NAMES[tonic]
    return _SHARP_MAJORS[_PCS[(tonic + _MODE_TO_MAJOR[mode]) % 12]]


def _ticks_per_beat(score: Score) -> int:
    # A beat is a dotted quarter in compound meters (6/8): one and a half MIDI quarters.
    return TICKS_PER_QUARTER * 3 // 2 if is_compound(score.time_signature) else TICKS_PER_QUARTER


def _quarter_bpm(score: Score) -> float:
    return score.tempo_bpm * (1.5 if is_compound(score.time_signature) else 1.0)


def _to_track(events: list[tuple[int, int, mido.Message | mido.MetaMessage]], name: str) -> mido.MidiTrack:
    """Absolute-time events -> a track with delta times (stable order for equal times)."""
    track = mido.MidiTrack([mido.MetaMessage("track_name", name=name, time=0)])
    now = 0
    for tick, _order, message in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(message.copy(time=tick - now))
        now = tick
    return track


def _conductor(score: Score, end_tick: int) -> mido.MidiTrack:
    num, den = score.time_signature
    clocks = 36 if is_compound(score.time_signature) else 24 * 4 // den
    events: list = [
        (0, 0, mido.MetaMessage("set_tempo", tempo=round(60_000_000 / _quarter_bpm(score)))),
        (
            0,
            1,
            mido.MetaMessage(
                "time_signature",
                numerator=num,
                denominator=den,
                clocks_per_click=clocks,
                notated_32nd_notes_per_beat=8,
            ),
        ),
        (0, 2, mido.MetaMessage("key_signature", key=key_signature_name(score.key, score.mode))),
    ]
    per_bar = score.beats_per_bar * _ticks_per_beat(score)
    for section in score.sections:
        events.append((round(section.start_bar * per_bar), 3, mido.MetaMessage("marker", text=section.name)))
    events.append((end_tick, 9, mido.MetaMessage("end_of_track")))
    return _to_track(events, "conductor")


def _bend_value(semitones: float) -> int:
    return max(-8192, min(8191, round(semitones / BEND_RANGE_SEMITONES * 8192)))


def _part_events(part: Part, channel: int, tpb: int) -> list:
    events: list = []
    if not part.is_drum:
        events.append((0, 0, mido.Message("program_change", channel=channel, program=part.program)))
    events.append(
        (
            0,
            1,
            mido.Message("control_change", channel=channel, control=10, value=round((part.pan + 1) * 63.5)),
        )
    )
    if any(n.bend for n in part.notes):
        for control, value in ((101, 0), (100, 0), (6, BEND_RANGE_SEMITONES), (38, 0)):
            events.append(
                (0, 2, mido.Message("control_change", channel=channel, control=control, value=value))
            )
    next_onset = _next_onsets(part, tpb)
    for index, note in enumerate(part.notes):
        on = round(note.start_beat * tpb)
        # A repeated pitch must not be cut by the previous note's late note-off.
        off = max(on + 1, min(round(note.end_beat * tpb), next_onset[index]))
        events.append(
            (on, 5, mido.Message("note_on", channel=channel, note=note.pitch, velocity=note.velocity))
        )
        events.append((off, 3, mido.Message("note_off", channel=channel, note=note.pitch, velocity=0)))
        if note.bend:
            # The glide takes the second half of the note, then the wheel returns before the next one.
            for k in range(1, _BEND_STEPS + 1):
                tick = round(on + (off - on) * (0.5 + 0.5 * k / _BEND_STEPS))
                value = _bend_value(note.bend * k / _BEND_STEPS)
                events.append(
                    (min(tick, off - 1), 4, mido.Message("pitchwheel", channel=channel, pitch=value))
                )
            events.append((off, 4, mido.Message("pitchwheel", channel=channel, pitch=0)))
    return events


def _next_onsets(part: Part, tpb: int) -> list[int]:
    """For each note, the tick where the next note of the same pitch starts (or infinity)."""
    out = [1 << 62] * len(part.notes)
    seen: dict[int, int] = {}
    for index in range(len(part.notes) - 1, -1, -1):
        note = part.notes[index]
        out[index] = seen.get(note.pitch, 1 << 62)
        seen[note.pitch] = round(note.start_beat * tpb)
    return out


def _channels(parts: tuple[Part, ...]) -> list[int]:
    melodic = [c for c in range(16) if c != DRUM_CHANNEL]
    out, used = [], 0
    for part in parts:
        if part.is_drum:
            out.append(DRUM_CHANNEL)
        else:
            out.append(melodic[used % len(melodic)])
            used += 1
    return out


def score_to_midi(score: Score) -> bytes:
    """A type-1 Standard MIDI File of ``score``.

    Parameters
    ----------
    score : the composed score.

    Returns
    -------
    bytes
        The file: a conductor track (tempo, time and key signature, section markers) followed by one
        track per part, in the score's part order. It lasts ``score.duration_s``.
    """
    tpb = _ticks_per_beat(score)
    end_tick = round(score.duration_s * score.tempo_bpm / 60.0 * tpb)
    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_QUARTER)
    midi.tracks.append(_conductor(score, end_tick))
    for part, channel in zip(score.parts, _channels(score.parts), strict=True):
        events = _part_events(part, channel, tpb)
        events.append((end_tick, 9, mido.MetaMessage("end_of_track")))
        midi.tracks.append(_to_track(events, part.name))
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()
