"""Arrangement: which parts play, on which instruments, into which stems, with which mix hints.

The style proposes a lineup by role (bass, chords, pad, lead, arpeggio); the plan's named instruments
take over the roles they suit, extra ones become counter-melodies, percussion gets parts of its own,
and everything the plan excludes is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...instruments import Instrument, instrument
from ...plan import Plan
from .styles import Style
from .styles.production import production_for

__all__ = ["MELODIC_ROLES", "PartSpec", "arrange"]

MELODIC_ROLES = ("bass", "chords", "pad", "lead", "arp")
_VOICES = frozenset({"choir", "vocals"})
_KIT_PIECES = frozenset({"hi-hats", "kick", "snare", "cymbals"})

#: Roles an instrument family prefers, best first.
# fmt: off
_FAMILY_ROLES: dict[str, tuple[str, ...]] = {
    "bass": ("bass",), "keys": ("chords", "lead"), "guitar": ("chords", "lead"),
    "plucked": ("chords", "lead", "arp"), "mallet": ("lead", "arp", "chords"),
    "strings": ("pad", "chords", "lead"), "brass": ("lead", "chords"), "woodwind": ("lead",),
    "synth": ("lead", "arp", "chords"), "pad": ("pad", "chords"), "percussion": (), "drums": (),
}
_INSTRUMENT_ROLES: dict[str, tuple[str, ...]] = {
    "violin": ("lead",), "fiddle": ("lead",), "viola": ("chords", "pad"), "cello": ("bass",),
    "contrabass": ("bass",), "pizzicato strings": ("chords", "arp"), "drone": ("pad",),
    "harp": ("arp", "chords"), "music box": ("lead", "arp"), "brass": ("lead", "chords"),
    "square lead": ("lead", "arp"), "pluck": ("arp", "lead", "chords"), "harmonica": ("lead",),
}
#: Stand-ins when the style's instrument for a role is excluded.
_FALLBACKS: dict[str, tuple[str, ...]] = {
    "bass": ("bass", "synth bass", "upright bass"),
    "chords": ("piano", "electric piano", "acoustic guitar", "pad", "strings"),
    "pad": ("pad", "strings", "organ"),
    "lead": ("synth", "flute", "piano", "electric guitar"),
    "arp": ("pluck", "harp", "synth"),
}
_SOLO_FAMILIES = frozenset({"keys", "guitar", "plucked"})
_LINEUP_WORDS = frozenset({"solo", "duo", "trio", "quartet", "quintet", "only", "just"})
#: Which families suit a role best when several named instruments could take it (lower is better).
_AFFINITY: dict[str, dict[str, int]] = {
    "chords": {"guitar": 0, "keys": 0, "plucked": 1, "strings": 2, "pad": 3},
    "lead": {"woodwind": 0, "brass": 0, "strings": 0, "synth": 1, "mallet": 1},
}
_CLAIM_ORDER = ("bass", "chords", "lead", "pad", "arp")
_MIX: dict[str, tuple[float, float, float]] = {  # gain_db, pan, extra reverb
    "drums": (0.0, 0.0, -0.1), "perc": (-5.0, 0.35, -0.05), "bass": (-1.0, 0.0, -0.15),
    "chords": (-4.0, -0.2, 0.0), "pad": (-9.0, 0.25, 0.15), "lead": (-2.0, 0.1, 0.05),
    "arp": (-8.0, 0.4, 0.05), "counter": (-6.0, -0.4, 0.05), "vocals": (-2.5, 0.0, 0.12),
    "choir": (-6.0, 0.0, 0.2),
}
# fmt: on


@dataclass(frozen=True)
class PartSpec:
    """One part to compose: its name, role and what plays it."""

    name: str
    role: str
    instrument: str
    program: int
    stem: str
    is_drum: bool
    low: int
    high: int
    gain_db: float = 0.0
    pan: float = 0.0
    reverb_send: float = 0.2


def _excluded(plan: Plan, name: str) -> bool:
    return plan.excludes(name)


def _fallback(role: str, wanted: str, plan: Plan) -> str:
    for name in (wanted, *_FALLBACKS[role]):
        if name and not _excluded(plan, name):
            return name
    return ""


def _roles_for(inst: Instrument) -> tuple[str, ...]:
    return _INSTRUMENT_ROLES.get(inst.name, _FAMILY_ROLES.get(inst.family, ("lead",)))


def _is_solo(plan: Plan, melodic: list[Instrument]) -> bool:
    return "solo" in _words(plan) and len(melodic) == 1 and melodic[0].family in _SOLO_FAMILIES


def _words(plan: Plan) -> set[str]:
    return set(re.findall(r"[a-z]+", plan.prompt.lower()))


def _explicit_lineup(plan: Plan, melodic: list[Instrument]) -> bool:
    """The prompt lists the band ("trio", "only"...) or names three pitched instruments or more."""
    return len(melodic) >= 3 or bool(_words(plan) & _LINEUP_WORDS and melodic)


def _claim_roles(plan: Plan, melodic: list[Instrument]) -> tuple[dict[str, str], list[str]]:
    """Roles the named instruments take (each role to the best suited), and the ones left over."""
    no_bass = _excluded(plan, "bass")
    remaining = [i for i in melodic if not (no_bass and i.family == "bass")]
    claimed: dict[str, str] = {}
    # First choices first: an instrument takes its second-best role only if nobody wants it more.
    for rank in range(3):
        for role in _CLAIM_ORDER:
            if role in claimed or (role == "bass" and no_bass):
                continue
            fits = [i for i in remaining if len(_roles_for(i)) > rank and _roles_for(i)[rank] == role]
            if fits:
                best = min(fits, key=lambda i: _AFFINITY.get(role, {}).get(i.family, 5))
                claimed[role] = best.name
                remaining.remove(best)
    if "lead" not in claimed:
        # Named instruments carry the tune rather than a stand-in the prompt never mentioned.
        carrier = next(
            (n for r, n in claimed.items() if r != "bass" and "lead" in _roles_for(instrument(n))), None
        )
        if carrier:
            claimed["lead"] = carrier
    return claimed, [i.name for i in remaining]


def _melodic_lineup(plan: Plan, style: Style, melodic: list[Instrument]) -> list[tuple[str, str]]:
    """``(role, instrument)`` pairs for the pitched parts (voices excluded)."""
    defaults = {
        "bass": style.bass_instrument,
        "chords": style.chords_instrument,
        "pad": style.pad_instrument,
        "lead": style.lead_instrument,
        "arp": style.arp_instrument,
    }
    if _is_solo(plan, melodic):
        roles = ("chords", "lead") if _excluded(plan, "bass") else ("bass", "chords", "lead")
        return [(role, melodic[0].name) for role in roles]
    claimed, extras = _claim_roles(plan, melodic)
    lineup_given = _explicit_lineup(plan, melodic)
    pairs: list[tuple[str, str]] = []
    for role in MELODIC_ROLES:
        if role == "bass" and _excluded(plan, "bass"):
            continue
        if role in claimed:
            pairs.append((role, claimed[role]))
        elif defaults[role] and not (lineup_given and role in ("pad", "arp")):
            name = _fallback(role, defaults[role], plan)
            if name:
                pairs.append((role, name))
    return pairs + [("counter", name) for name in extras]


def _voice_parts(plan: Plan, style: Style) -> list[tuple[str, str]]:
    if _excluded(plan, "vocals"):
        return []
    names = [n for n in ("choir", "vocals") if n in plan.instruments and not _excluded(plan, n)]
    if plan.vocals and not names:
        names = ["choir" if style.voice_program == 52 else "vocals"]
    return [(name, name) for name in names]


def _percussion(plan: Plan, style: Style, drums_allowed: bool) -> list[str]:
    wanted = [n for n in plan.instruments if instrument(n).family in ("percussion", "drums")]
    wanted += [n for n in style.percussion if n not in wanted and not _excluded(plan, n)]
    out = []
    for name in wanted:
        if name == "drums" or _excluded(plan, name):
            continue
        if instrument(name).is_drum and not drums_allowed:
            continue
        out.append(name)
    return out


def _spec(
    name: str,
    role: str,
    inst_name: str,
    style: Style,
    *,
    index: int,
    program: int | None = None,
    stem: str | None = None,
) -> PartSpec:
    inst = instrument(inst_name)
    gain, pan, extra = _MIX[role]
    if role in ("perc", "counter") and index % 2:
        pan = -pan
    return PartSpec(
        name=name,
        role=role,
        instrument=inst.name,
        program=inst.program if program is None else program,
        stem=stem or ("bass" if role == "bass" else inst.stem if inst.stem != "bass" else "other"),
        is_drum=inst.is_drum,
        low=inst.low,
        high=inst.high,
        gain_db=gain,
        pan=pan,
        reverb_send=round(min(0.9, max(0.0, style.reverb + extra)), 3),
    )


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}{n}", n + 1
    taken.add(candidate)
    return candidate


def arrange(plan: Plan, style: Style) -> list[PartSpec]:
    """The parts of the track, drums first, then bass, harmony, melodies, voices and percussion."""
    melodic = [
        instrument(n)
        for n in plan.instruments
        if instrument(n).family not in ("percussion", "drums", "voice") and not _excluded(plan, n)
    ]
    drums_allowed = not _excluded(plan, "drums")
    solo = _is_solo(plan, melodic)
    wants_kit = "drums" in plan.instruments or any(n in _KIT_PIECES for n in plan.instruments)
    specs: list[PartSpec] = []
    taken: set[str] = set()
    if drums_allowed and not solo and (style.has_drums or wants_kit):
        kit = production_for(style.id).kit_program
        specs.append(_spec(_unique("drums", taken), "drums", "drums", style, index=0, program=kit))
    for index, (role, name) in enumerate(_melodic_lineup(plan, style, melodic)):
        specs.append(_spec(_unique(role, taken), role, name, style, index=index))
    for role, name in _voice_parts(plan, style):
        program = style.voice_program if role == "vocals" and "vocals" not in plan.instruments else None
        specs.append(_spec(_unique(role, taken), role, name, style, index=0, program=program, stem="vocals"))
    for index, name in enumerate(_percussion(plan, style, drums_allowed)):
        if name in _KIT_PIECES and any(s.role == "drums" for s in specs):
            continue  # carved out of the kit part later
        specs.append(_spec(_unique(name, taken), "perc", name, style, index=index))
    return specs
