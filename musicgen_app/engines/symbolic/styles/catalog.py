"""The style of every genre. Tempo ranges and swing come from ``genres.GENRES``; the rest is here."""

from __future__ import annotations

from ....genres import GENRES
from .style import Style

__all__ = ["STYLES"]

# fmt: off
_FIELDS: dict[str, dict[str, object]] = {
    "lo-fi": dict(harmony="lofi", colour="seventh", cadence="V7", groove="lofi", bass="root",
                  figure="lofi", chords_instrument="electric piano", lead_instrument="vibraphone",
                  pad_instrument="", swing_unit=0.25, form="loop", lead_density=0.35, lead_centre=70,
                  reverb=0.3, looseness=0.02),
    # Jazz rap: chopped keys and a string bed sampled off a record, an upright walking under dusty
    # boom-bap drums, a muted-trumpet phrase between the rapper's lines (an 808 bass read as electro).
    "hip-hop": dict(harmony="lofi", colour="seventh", cadence="V7", groove="boom_bap", bass="walking",
                    figure="boom_bap", bass_instrument="upright bass", chords_instrument="piano",
                    pad_instrument="strings", lead_instrument="trumpet", swing_unit=0.25, form="loop",
                    lead_density=0.4, reverb=0.15, looseness=0.015),
    # Southern trap (Lex Luger, Shawty Redd): orchestral brass stabs on a boom-bap chop's hits over a
    # string bed, a dark piano line; a sustained piano under bells read as electro (ranks 11-12 -> 6-7,
    # still not Hip-Hop to the stand-in judge, BENCHMARKS.md).
    "trap": dict(harmony="dark", cadence="", groove="trap", groove_peak="trap_roll", bass="808",
                 figure="boom_bap", bass_instrument="808", chords_instrument="brass",
                 pad_instrument="strings", lead_instrument="piano",
                 form="edm", lead_density=0.45, lead_centre=76, reverb=0.15, looseness=0.0),
    "pop": dict(harmony="pop", cadence="V", groove="pop", bass="pulse8", figure="pulse4",
                figure_peak="pulse8", chords_instrument="piano", pad_instrument="pad",
                lead_instrument="synth", arp_instrument="pluck", arp_figure="arp8", form="song",
                lead_density=0.55, reverb=0.2, looseness=0.004),
    "rock": dict(harmony="rock", cadence="IV", groove="rock", groove_peak="rock_ride", bass="pulse8",
                 figure="power8", chords_instrument="distorted guitar", colour="power",
                 lead_instrument="electric guitar", pad_instrument="organ", form="song",
                 lead_density=0.5, lead_centre=67, reverb=0.15),
    # Double kick from the first bar (a rock beat under distorted guitars reads as punk or rock).
    "metal": dict(harmony="metal", colour="power", cadence="bVII", groove="metal_double",
                  groove_peak="metal_double", bass="pulse8", figure="chug",
                  chords_instrument="distorted guitar", lead_instrument="distorted guitar",
                  form="song", lead_density=0.6, lead_centre=67, reverb=0.12, looseness=0.004),
    "jazz": dict(harmony="jazz", colour="seventh", cadence="V7", groove="swing", bass="walking",
                 figure="charleston", bass_instrument="upright bass", chords_instrument="piano",
                 lead_instrument="saxophone", form="jazz", lead_density=0.55, lead_centre=68,
                 reverb=0.2, looseness=0.015),
    # A club band: organ comping the shuffle, piano fills, an upright walking the changes (a boogie
    # bass under it reads as country), the guitar singing the tune with bends.
    "blues": dict(harmony="blues", colour="seventh", cadence="V7", groove="shuffle", bass="walking",
                  figure="shuffle", bass_instrument="upright bass", chords_instrument="organ",
                  lead_instrument="electric guitar", pad_instrument="piano", form="blues",
                  lead_density=0.45, lead_centre=72,
                  reverb=0.2, looseness=0.015, bends=0.35),
    # A funk band's rhythm section with its percussion (James Brown's, Kool & the Gang's): tambourine,
    # congas and claps over the kit, the Rhodes on sixteenth stabs, a busy trumpet riffing on top, the
    # plain chords coloured as sevenths (ninths under a Rhodes and trumpet lean jazz; a bare kit read
    # as electronic).
    "funk": dict(harmony="funk", colour="seventh", cadence="V7", groove="funk", bass="funk",
                 figure="funk16", bass_instrument="bass", chords_instrument="electric piano",
                 lead_instrument="trumpet", percussion=("tambourine", "congas", "claps"),
                 swing_unit=0.25, form="song", lead_density=0.6, lead_centre=70, reverb=0.12,
                 looseness=0.006),
    # A soul band (Motown, Stax): piano and strings, a Rhodes on the tune, a busy bass, the backbeat
    # doubled by claps and tambourine. Neo-soul pads over an 808 kit read as chill electronica. The
    # chords voiced with ninths (neo-soul's colour) and the sixteenths straight under a lazy eighth:
    # plain triads with swung sixteenths read as jazz or country (BENCHMARKS, sixth round).
    "r&b": dict(harmony="soul", colour="extended", cadence="V7", groove="soul", bass="funk",
                figure="rnb", chords_instrument="piano", pad_instrument="strings",
                lead_instrument="electric piano", percussion=("tambourine",), swing_unit=0.5,
                form="song",
                lead_density=0.45, lead_centre=70, reverb=0.25),
    "reggae": dict(harmony="reggae", cadence="V", groove="one_drop", groove_peak="steppers",
                   bass="one_drop", figure="skank", chords_instrument="electric guitar",
                   pad_instrument="organ", lead_instrument="electric piano", form="song",
                   lead_density=0.4, lead_centre=70, reverb=0.25),
    "latin": dict(harmony="latin", cadence="V7", groove="salsa", bass="tumbao", figure="montuno",
                  bass_instrument="upright bass", chords_instrument="piano", lead_instrument="trumpet",
                  percussion=("congas",), form="song", lead_density=0.5, lead_centre=72,
                  reverb=0.18),
    # Jobim's records: the piano comping the bossa rhythm, a tenor sax singing the tune (Getz), an
    # upright, the kit on brushes. A nylon guitar on the comp (or under the piano) read as country or
    # folk on some seeds, a flute on top as folk.
    "bossa nova": dict(harmony="bossa", colour="seventh", cadence="V7", groove="bossa", bass="bossa",
                       figure="bossa", bass_instrument="upright bass", chords_instrument="piano",
                       lead_instrument="saxophone", form="song", lead_density=0.4, lead_centre=74,
                       reverb=0.22),
    "country": dict(harmony="folk", cadence="V", groove="train", bass="boom_chick", figure="strum",
                    chords_instrument="acoustic guitar", lead_instrument="fiddle",
                    arp_instrument="banjo", arp_figure="arp16", form="song", lead_density=0.5,
                    lead_centre=74, reverb=0.18),
    # A singer-songwriter's band: the guitar fingerpicked then strummed, the tune on a harmonica in a
    # neck rack (a tin whistle read as country).
    "folk": dict(harmony="folk", cadence="V", groove="folk", bass="root", figure="fingerpick",
                 figure_peak="strum", bass_instrument="upright bass", chords_instrument="acoustic guitar",
                 lead_instrument="harmonica", form="song", lead_density=0.55, lead_centre=76,
                 reverb=0.25),
    "classical": dict(harmony="classical", cadence="V7", groove="", bass="classical", figure="alberti",
                      bass_instrument="cello", chords_instrument="piano", pad_instrument="strings",
                      lead_instrument="violin", voice_program=52, form="classical", lead_density=0.5,
                      lead_centre=74, reverb=0.3),
    "cinematic": dict(harmony="cinematic", cadence="V", groove="epic", groove_peak="epic_full",
                      bass="pulse8", figure="ostinato", bass_instrument="contrabass",
                      chords_instrument="strings", pad_instrument="french horn",
                      lead_instrument="french horn", percussion=("timpani",), voice_program=52,
                      form="song", lead_density=0.3, lead_centre=67, reverb=0.35),
    "ambient": dict(harmony="ambient", colour="extended", chord_bars=2, cadence="IV", groove="",
                    bass="pedal", figure="pad", bass_instrument="synth bass", chords_instrument="pad",
                    lead_instrument="piano", arp_instrument="harp", arp_figure="arp8",
                    voice_program=53, form="ambient", lead_density=0.15, lead_centre=74, reverb=0.5),
    # Piano stabs over the four-on-the-floor, a shaker running sixteenths over the hats (without it
    # the same track read as plain dance or electro) and a tambourine on the offbeats, as in disco and
    # garage house (it turned a borderline third place into a steadier one). The offbeat bass on a
    # bass guitar, as disco and garage house play it (a synth bass leaned towards electronica).
    "house": dict(harmony="soul", colour="seventh", cadence="", groove="four_floor",
                  groove_peak="house_full", bass="offbeat", figure="house_stab",
                  bass_instrument="bass", chords_instrument="piano", pad_instrument="pad",
                  lead_instrument="pluck", percussion=("shekere", "tambourine"), form="edm",
                  lead_density=0.45, reverb=0.2, looseness=0.0),
    "techno": dict(harmony="techno", cadence="", groove="techno", groove_peak="techno_full",
                   bass="rolling", figure="techno_stab", bass_instrument="synth bass",
                   chords_instrument="pluck", pad_instrument="pad", lead_instrument="",
                   arp_instrument="synth", arp_figure="arp16", voice_program=54, form="edm",
                   lead_density=0.5, reverb=0.2, looseness=0.0),
    "drum and bass": dict(harmony="edm", colour="seventh", cadence="", groove="dnb",
                          groove_peak="dnb_full", bass="reese", figure="pad",
                          bass_instrument="synth bass", chords_instrument="pad",
                          lead_instrument="electric piano", voice_program=54, form="edm",
                          lead_density=0.35, reverb=0.25, looseness=0.0),
    "dubstep": dict(harmony="dark", cadence="", groove="halftime", groove_peak="halftime_full",
                    bass="wobble", figure="pad", bass_instrument="synth bass", chords_instrument="pad",
                    lead_instrument="synth", voice_program=54, form="edm", lead_density=0.35,
                    reverb=0.2, looseness=0.0),
    "synthwave": dict(harmony="edm", cadence="", groove="synthwave", bass="pulse8", figure="pad",
                      bass_instrument="synth bass", chords_instrument="pad", lead_instrument="synth",
                      arp_instrument="pluck", arp_figure="arp16", voice_program=54, form="song",
                      lead_density=0.45, reverb=0.3, looseness=0.0),
    "chiptune": dict(harmony="pop", cadence="V", groove="chip", bass="octaves", figure="chip_arp",
                     bass_instrument="synth bass", chords_instrument="square lead",
                     lead_instrument="square lead", form="song", lead_density=0.65, lead_centre=76,
                     reverb=0.05, looseness=0.0),
    # Church band, not a jazz trio: straight time, plain triads on the organ, the horn section carrying
    # the tune over a busy bass, claps and tambourine on the backbeat.
    "gospel": dict(harmony="gospel", colour="triad", cadence="V7", groove="soul", bass="funk",
                   figure="gospel", chords_instrument="organ", lead_instrument="brass",
                   percussion=("claps", "tambourine"), voice_program=52, swing_unit=0.5,
                   form="song", lead_density=0.5, reverb=0.28),
    # Fela's band: electric piano and guitar interlocking on the same ostinato figures, plain chords
    # left as triads, a syncopated bass, congas, shekere and claps over the kit, a trumpet leading the
    # horn riff (a brass-section patch on it read as jazz and rock).
    "afrobeat": dict(harmony="afro", colour="triad", cadence="", groove="afrobeat", bass="funk",
                     figure="afro_guitar", chords_instrument="electric piano", pad_instrument="",
                     arp_instrument="electric guitar", arp_figure="afro_guitar",
                     lead_instrument="trumpet", percussion=("congas", "shekere", "claps"), form="loop",
                     lead_density=0.5, lead_centre=70, reverb=0.18, looseness=0.008),
    # Unplugged: no kit (drums read as indie rock), a fingerpicked guitar opening into strumming at
    # the peaks, an upright under it.
    "acoustic": dict(harmony="pop", cadence="V", groove="", bass="root", figure="fingerpick",
                     figure_peak="strum", bass_instrument="upright bass",
                     chords_instrument="acoustic guitar", lead_instrument="piano", arp_instrument="",
                     form="song", lead_density=0.45, lead_centre=79, reverb=0.2),
}

# fmt: on


def _build() -> dict[str, Style]:
    styles: dict[str, Style] = {}
    for genre in GENRES:
        fields = dict(_FIELDS[genre.id])
        fields.setdefault("swing", genre.swing)
        styles[genre.id] = Style(id=genre.id, tempo_range=genre.tempo_range, **fields)
    return styles


STYLES: dict[str, Style] = _build()
