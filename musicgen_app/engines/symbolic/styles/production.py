"""How each style is produced, as data: its drum kit, effect chains per instrument and per stem, stem
balance, sidechain pumping and room size.

What separates a boom-bap beat from a rock demo played on the same notes is mostly production: the kit
(a TR-808 is not a rock kit), guitars through an amp, an organ through a rotary speaker, drums saturated
and squashed, samples band-limited and worn. The renderer reads :func:`production_for` and nothing else
about a style's sound.

Chains are tuples of :mod:`..effects` values. Part chains are keyed by canonical instrument name and run
on each part before it is panned and sent to the reverb; stem chains run on each stem (reverb return
included) before the bus compressor. Every stem is processed on its own, so the stems still sum to the
mix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..effects import Chain, Chorus, Compress, Crush, Drive, Filter, Gain, Tremolo, Wear, Width

__all__ = ["DI_PROGRAMS", "DRUM_KITS", "PRODUCTIONS", "Production", "production_for"]

#: The drum kits of the General MIDI (GS) percussion bank: bank 128 preset numbers.
DRUM_KITS: dict[str, int] = {
    "standard": 0,
    "room": 8,
    "power": 16,
    "electronic": 24,
    "tr808": 25,
    "jazz": 32,
    "brush": 40,
    "orchestra": 48,
}
STEMS = ("vocals", "drums", "bass", "other")


@dataclass(frozen=True)
class Production:
    """The sound of one style.

    Attributes
    ----------
    kit : drum kit name (a key of :data:`DRUM_KITS`).
    parts : effect chain per canonical instrument name, run on each part of that instrument.
    stems : effect chain per stem name, run on the stem.
    stem_gain_db : level of each stem against the others (the loudness balance of kick and bass).
    sidechain_depth : 0..1; how far melodic parts dip under each kick (0 = no pumping).
    reverb_rt60_s : decay time of the shared room.
    """

    kit: str = "standard"
    parts: dict[str, Chain] = field(default_factory=dict)
    stems: dict[str, Chain] = field(default_factory=dict)
    stem_gain_db: dict[str, float] = field(default_factory=dict)
    sidechain_depth: float = 0.0
    reverb_rt60_s: float = 1.6

    def __post_init__(self) -> None:
        if self.kit not in DRUM_KITS:
            raise ValueError(f"unknown drum kit {self.kit!r}; one of {sorted(DRUM_KITS)}")
        unknown = (set(self.stems) | set(self.stem_gain_db)) - set(STEMS)
        if unknown:
            raise ValueError(f"unknown stems {sorted(unknown)}")
        if not (0.0 <= self.sidechain_depth <= 0.9 and 0.3 <= self.reverb_rt60_s <= 4.0):
            raise ValueError("sidechain_depth must be 0..0.9 and reverb_rt60_s 0.3..4 s")

    @property
    def kit_program(self) -> int:
        """The kit's preset number in the percussion bank."""
        return DRUM_KITS[self.kit]

    def part_chain(self, instrument: str) -> Chain:
        """The chain for parts of ``instrument`` (the style's own, else the house default)."""
        return self.parts.get(instrument, DEFAULT_PART_CHAINS.get(instrument, ()))

    def stem_chain(self, stem: str) -> Chain:
        """The chain for ``stem``: the style's effects, then its balance gain."""
        gain = self.stem_gain_db.get(stem, 0.0)
        return self.stems.get(stem, ()) + ((Gain(gain),) if gain else ())


# fmt: off
# --- sounds used by several styles ------------------------------------------------------------------
#: A clean-ish amp: some breakup, the cabinet's band.
AMP_CRUNCH: Chain = (Filter("highpass", 90.0), Drive(12.0, mix=0.8), Filter("peak", 1800.0, 3.0, 1.0),
                     Filter("lowpass", 5200.0))
#: A high-gain amp fed a clean guitar: mids pushed into the drive (a tube screamer), scooped after, and
#: the steep roll-off of a 4x12 cabinet that turns the fizz of hard clipping into a wall.
AMP_HIGH_GAIN: Chain = (Filter("highpass", 100.0), Filter("peak", 800.0, 6.0, 0.9), Drive(36.0),
                        Filter("peak", 450.0, -4.0, 0.9), Filter("lowpass", 5000.0, slope_db=24))
#: A Hammond through a Leslie: growl from the preamp, the horn's doppler and its sweep across the stereo.
ROTARY: Chain = (Drive(8.0, mix=0.5), Chorus(6.2, 0.18, 0.45, 3.0), Tremolo(6.2, 0.22, math.pi / 2),
                 Filter("lowpass", 7500.0))
#: A Rhodes with its stereo tremolo and a touch of chorus.
EP_TREMOLO: Chain = (Tremolo(4.2, 0.3, math.pi), Chorus(0.7, 0.2, 0.3), Filter("lowshelf", 250.0, 2.0))
#: A clavinet or muted funk guitar: bright, compressed, with the pick's edge.
FUNK_BITE: Chain = (Filter("highpass", 150.0), Compress(10.0, 6.0, 2.0, 60.0),
                    Filter("peak", 2200.0, 4.0, 1.0))
#: An acoustic guitar miked close: body, sparkle, even dynamics.
ACOUSTIC_MIC: Chain = (Filter("highpass", 80.0), Filter("peak", 220.0, 2.0, 0.8),
                       Filter("highshelf", 6000.0, 3.0), Compress(6.0, 3.0, 10.0, 150.0))
#: Drums of a sampled-breaks beat: saturated, squashed in parallel, the top rolled off steeply from
#: 6 kHz like a break lifted off vinyl (a bright 808 kit reads as electro).
DRUMS_BOOM_BAP: Chain = (Drive(10.0, mix=0.6), Compress(12.0, 6.0, 15.0, 90.0, parallel=0.55),
                         Filter("lowshelf", 90.0, 3.0), Filter("lowpass", 9500.0), Filter("lowpass", 6000.0))
#: Punchy, controlled drums of a modern production.
DRUMS_PUNCH: Chain = (Compress(8.0, 4.0, 8.0, 100.0, parallel=0.6), Filter("lowshelf", 80.0, 2.0),
                      Filter("highshelf", 8000.0, 2.0))
#: A sample chopped from an old record: band-limited, gritty, slightly detuned.
SAMPLED: Chain = (Wear(0.0012, 0.0004, 150.0, 6500.0), Drive(6.0, mix=0.5), Crush(11.0, 0.25))
# fmt: on

#: Chains every style uses unless it says otherwise, by instrument.
DEFAULT_PART_CHAINS: dict[str, Chain] = {
    "distorted guitar": AMP_HIGH_GAIN,
    "electric guitar": AMP_CRUNCH,
    "organ": ROTARY,
    "electric piano": EP_TREMOLO,
    "clavinet": FUNK_BITE,
    "acoustic guitar": ACOUSTIC_MIC,
}
#: Instruments rendered from another General MIDI program than their own, because their chain makes the
#: sound: a distorted guitar is a clean guitar's signal through the amp (GM's distortion samples through
#: a second drive only fizz). The MIDI export keeps the instrument's own program.
DI_PROGRAMS: dict[str, int] = {"distorted guitar": 27}
_ELECTRONIC_DRUMS: Chain = (Compress(6.0, 3.0, 5.0, 80.0, parallel=0.7),)

PRODUCTIONS: dict[str, Production] = {
    # Boom bap is mixed drums first: the break loud and upfront, the sampled loop and the upright under
    # it, still heard (about 9 LU under the drums; at 6 LU it read as electronica or electro on some
    # seeds, and the 12 LU that an outside tagger liked best leaves the music a murmur under a drum track).
    "hip-hop": Production(
        kit="tr808",
        stems={"drums": DRUMS_BOOM_BAP, "other": SAMPLED},
        stem_gain_db={"drums": 9.0, "bass": 2.0, "other": -4.0},
        reverb_rt60_s=0.9,
    ),
    "lo-fi": Production(kit="standard", reverb_rt60_s=1.4),
    # Programmed drums: an acoustic kit under a pop song reads as country or rock.
    "pop": Production(kit="electronic"),
    "trap": Production(
        kit="tr808",
        stems={"drums": DRUMS_PUNCH},
        stem_gain_db={"drums": 2.0, "bass": 1.0, "other": -1.0},
        reverb_rt60_s=1.2,
    ),
    "metal": Production(
        kit="standard",
        stems={"drums": DRUMS_PUNCH, "bass": (Drive(14.0, mix=0.6), Filter("lowpass", 4000.0))},
        stem_gain_db={"drums": 3.0, "bass": 3.0},
        reverb_rt60_s=1.0,
    ),
    "rock": Production(kit="power", reverb_rt60_s=1.3),
    "blues": Production(kit="room", reverb_rt60_s=1.4),
    # The kit leads a funk band: drums a little over the bass and the band (at 1.5 dB the Rhodes and
    # trumpet read as jazz or chillout on some seeds).
    "funk": Production(
        kit="room",
        parts={"electric guitar": FUNK_BITE},
        stems={"drums": (Compress(8.0, 4.0, 5.0, 70.0, parallel=0.6),)},
        stem_gain_db={"drums": 3.5, "bass": 2.0},
        reverb_rt60_s=0.8,
    ),
    # Soul and gospel records put the rhythm section forward: the backbeat and a busy bass over the
    # keys, strings and horns (at an even balance the band read as jazz or pop on some seeds).
    "r&b": Production(kit="standard", stem_gain_db={"drums": 3.0, "bass": 2.0}, reverb_rt60_s=1.8),
    "gospel": Production(kit="standard", stem_gain_db={"drums": 2.0, "bass": 2.0}, reverb_rt60_s=2.2),
    "afrobeat": Production(
        kit="standard",
        parts={
            "electric guitar": (
                Filter("highpass", 200.0),
                Compress(8.0, 4.0, 3.0, 60.0),
                Filter("peak", 2500.0, 3.0, 1.0),
            )
        },
        stems={"drums": (Compress(6.0, 3.0, 8.0, 90.0, parallel=0.6),)},
        reverb_rt60_s=1.2,
    ),
    "acoustic": Production(kit="brush", stems={"other": (Width(1.2),)}, reverb_rt60_s=1.5),
    "jazz": Production(kit="jazz", reverb_rt60_s=1.5),
    "bossa nova": Production(kit="brush", reverb_rt60_s=1.4),
    # The four-on-the-floor leads a house mix: the kit 3 dB over the band (the bass guitar lands at the
    # loudness the synth bass had, about -25 LUFS in the master).
    "house": Production(
        kit="electronic",
        stems={"drums": _ELECTRONIC_DRUMS},
        stem_gain_db={"drums": 3.0},
        sidechain_depth=0.55,
    ),
    "techno": Production(kit="electronic", stems={"drums": _ELECTRONIC_DRUMS}, sidechain_depth=0.5),
    "dubstep": Production(kit="electronic", stems={"drums": _ELECTRONIC_DRUMS}, sidechain_depth=0.45),
    "synthwave": Production(kit="electronic", sidechain_depth=0.35, reverb_rt60_s=2.0),
    # Programmed, electronic drums (techstep, neurofunk): an acoustic kit at 174 BPM read as jazz or rock.
    "drum and bass": Production(kit="electronic", sidechain_depth=0.3),
}
_DEFAULT = Production()


def production_for(genre_id: str) -> Production:
    """The production of a genre id; styles without one of their own get the house default."""
    return PRODUCTIONS.get(genre_id, _DEFAULT)
