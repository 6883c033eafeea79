"""The genres the product knows: ids, aliases, tempo ranges and a description each.

This table is the shared vocabulary: the prompt reader maps words to these ids, the composer has one style
per id, ``GET /v1/genres`` lists them. Descriptions are written for people and for the sentence-embedding
fallback.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace

from .errors import ErrorDetail, UnknownGenre

__all__ = [
    "GENRES",
    "GENRE_TERMS",
    "Genre",
    "closest_genres",
    "genre_by_id",
    "normalise_term",
    "resolve_genre",
]


@dataclass(frozen=True)
class Genre:
    """One genre: canonical ``id``, the words that mean it, its tempo range and typical tempo."""

    id: str
    name: str
    aliases: tuple[str, ...]
    tempo_range: tuple[int, int]
    default_tempo: int
    description: str
    time_signature: tuple[int, int] = (4, 4)
    swing: float = 0.0

    def __post_init__(self) -> None:
        low, high = self.tempo_range
        if not low <= self.default_tempo <= high:
            raise ValueError(f"{self.id}: default_tempo outside tempo_range")

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "aliases": list(self.aliases),
            "tempo_range": list(self.tempo_range),
            "default_tempo": self.default_tempo,
            "time_signature": f"{self.time_signature[0]}/{self.time_signature[1]}",
            "description": self.description,
        }


def _g(id_, name, aliases, tempo, default, description, **kw) -> Genre:
    return Genre(id_, name, tuple(aliases), tempo, default, description, **kw)


# A table reads better one genre per entry than as the formatter would lay it out.
# fmt: off
GENRES: tuple[Genre, ...] = (
    _g("lo-fi", "Lo-fi", ("lofi", "lo fi", "lo-fi hip hop", "chillhop", "lofi hip hop", "study beats"),
       (65, 95), 80, "Chill, dusty hip-hop beats with jazzy Rhodes chords, soft swung drums, vinyl crackle "
       "and mellow, nostalgic warmth; music to study or relax to.", swing=0.18),
    _g("hip-hop", "Hip-hop", ("hip hop", "hiphop", "boom bap", "boom-bap", "rap", "90s hip hop"),
       (80, 100), 90, "Head-nodding hip-hop beat with punchy kick and snare, sampled-sounding keys, a deep "
       "bassline and swing; boom bap and rap instrumentals.", swing=0.12),
    _g("trap", "Trap", ("trap beat", "drill"), (130, 160), 140, "Hard-hitting trap with booming 808 bass "
       "glides, rolling hi-hat triplets, sparse snares on three and dark bells or plucks.", ),
    _g("pop", "Pop", ("pop song", "synth pop", "synthpop", "dance pop", "indie pop", "k-pop", "kpop"),
       (95, 128), 112, "Bright, catchy pop with a memorable hook, clear verse-chorus form, punchy drums and "
       "polished synths or guitars; upbeat and radio friendly."),
    _g("rock", "Rock", ("rock and roll", "classic rock", "indie rock", "alt rock", "alternative rock",
        "punk", "grunge", "shoegaze", "hard rock", "garage rock"), (100, 150), 120,
       "Driving rock band: distorted electric guitars, bass guitar and live drums with a big chorus; "
       "energetic, loud and raw."),
    _g("metal", "Metal", ("heavy metal", "thrash", "metalcore", "death metal", "doom metal"), (90, 200),
       150, "Heavy metal riffs on palm-muted distorted guitars, double-kick drums, aggressive power chords "
       "in minor keys."),
    _g("jazz", "Jazz", ("swing", "bebop", "jazz trio", "smooth jazz", "big band", "cool jazz"),
       (70, 200), 120, "Acoustic jazz trio or combo: swing feel, walking upright bass, ride cymbal and "
       "brushes, extended seventh chords and ii-V-I progressions, late-night club mood.", swing=0.33),
    _g("blues", "Blues", ("blues shuffle", "delta blues", "chicago blues", "12-bar blues"), (60, 130), 90,
       "Twelve-bar blues shuffle with dominant sevenths, bent guitar licks, harmonica and a swung groove.",
       swing=0.33),
    _g("funk", "Funk", ("funky", "disco", "p-funk"), (95, 125), 108, "Syncopated funk groove with slap "
       "bass, tight sixteenth-note hi-hats, clavinet or rhythm guitar scratches and horn stabs."),
    _g("r&b", "R&B / Soul", ("rnb", "r and b", "soul", "neo soul", "neo-soul", "motown"), (65, 105), 85,
       "R&B and soul: piano and strings, a Rhodes lead, a busy warm bass and a laid-back backbeat "
       "with claps and tambourine.", swing=0.1),
    _g("reggae", "Reggae", ("ska", "dub", "dancehall", "rocksteady", "one drop"), (60, 90), 75,
       "Jamaican reggae one-drop groove: offbeat guitar skanks, organ bubble, deep round bassline, relaxed "
       "and sunny."),
    _g("latin", "Latin", ("salsa", "cumbia", "samba", "reggaeton", "merengue", "mambo", "cha cha"),
       (90, 200), 180, "Latin dance music with piano montuno, clave-driven congas and timbales, tumbao bass "
       "and bright trumpets."),
    _g("bossa nova", "Bossa nova", ("bossa", "brazilian jazz"), (110, 145), 130, "Brazilian bossa nova: "
       "nylon-string guitar comping with syncopated bass, soft brushes, flute or voice, relaxed cafe mood."),
    _g("country", "Country", ("americana", "bluegrass", "country rock", "western"), (80, 140), 110,
       "Country and americana with acoustic guitar strumming, banjo rolls, fiddle, pedal steel and a "
       "boom-chick bass on a road-trip groove."),
    _g("folk", "Folk", ("celtic", "irish", "acoustic folk", "singer-songwriter", "jig", "reel", "sea shanty"),
       (80, 140), 110, "Acoustic folk and celtic music: fingerpicked guitar, tin whistle, fiddle, bodhran; "
       "lively jigs or gentle ballads."),
    _g("classical", "Classical", ("baroque", "romantic era", "string quartet", "chamber music", "sonata",
        "piano sonata", "symphony", "waltz", "minuet"), (50, 140), 90, "Classical chamber music: string "
       "quartet or piano, functional harmony, elegant counterpoint and phrasing, baroque to romantic."),
    _g("cinematic", "Cinematic", ("orchestral", "epic", "film score", "soundtrack", "trailer", "score",
        "epic orchestral"), (60, 140), 90, "Cinematic orchestral score: strings, brass, choir, timpani and "
       "taiko; epic trailer build-ups, tense underscore or emotional themes."),
    _g("ambient", "Ambient", ("drone", "soundscape", "new age", "meditation music", "atmospheric"),
       (40, 90), 60, "Ambient soundscape: slow evolving pads, soft textures, drones, sparse piano and no "
       "beat or only a gentle pulse; calm, spacious and meditative."),
    _g("house", "House", ("deep house", "tech house", "edm", "dance", "garage", "progressive house"),
       (118, 130), 124, "House music: four-on-the-floor kick, offbeat open hats, claps on two and four, warm "
       "chords and a groovy bassline for the dance floor."),
    _g("techno", "Techno", ("minimal techno", "industrial techno", "acid techno", "hard techno"),
       (120, 150), 130, "Hypnotic techno: pounding four-on-the-floor kick, repetitive synth sequences, dark "
       "warehouse atmosphere, minimal and driving."),
    _g("drum and bass", "Drum and bass", ("dnb", "d&b", "drum & bass", "drum n bass", "jungle",
        "liquid dnb", "neurofunk"), (160, 180), 174, "Fast drum and bass: breakbeat drums at 170-175 BPM, "
       "rolling reese or sub bass, atmospheric pads."),
    _g("dubstep", "Dubstep", ("brostep", "riddim"), (135, 150), 140, "Dubstep: half-time drums with a "
       "huge snare on three, wobble bass with LFO, heavy drops."),
    _g("synthwave", "Synthwave", ("retrowave", "outrun", "80s synth", "vaporwave", "darksynth"),
       (80, 125), 100, "Retro 80s synthwave: gated-reverb snare, arpeggiated analog synths, lush pads, "
       "driving bass; neon night drive nostalgia."),
    _g("chiptune", "Chiptune", ("8-bit", "8 bit", "16-bit", "16 bit", "video game", "game music",
        "retro game"), (110, 200), 150, "Chiptune video-game music: square and triangle wave leads, fast "
       "arpeggios, noise drums; 8-bit and 16-bit console style."),
    _g("gospel", "Gospel", ("spiritual", "church", "praise", "worship"), (60, 130), 90, "Gospel: Hammond "
       "organ, a horn section, handclaps and tambourine over a busy bass, a joyful, uplifting groove."),
    _g("afrobeat", "Afrobeat", ("afrobeats", "afro beat", "afropop", "highlife", "amapiano"), (95, 125),
       108, "Afrobeat groove: interlocking guitars, talking drums, shekere and congas, a bright horn section "
       "and a hypnotic bassline."),
    _g("acoustic", "Acoustic", ("acoustic pop", "corporate", "ukulele", "background music"), (85, 130),
       110, "Light acoustic background music: ukulele or acoustic guitar, claps, glockenspiel and simple "
       "bright melodies; happy, optimistic, for videos and ads."),
)
# fmt: on

# More names people use for each genre (subgenres, scenes, spellings). Kept apart from the table above
# so the table stays readable; merged into ``aliases`` below, after the table's own aliases.
_MORE_ALIASES: dict[str, tuple[str, ...]] = {
    "lo-fi": ("lo-fi beats", "lofi beats", "chill hop", "jazzhop", "jazz hop", "lofi jazz"),
    "hip-hop": ("trip hop", "trip-hop", "instrumental hip hop", "old school hip hop", "g-funk",
                "west coast hip hop", "east coast hip hop"),
    "trap": ("uk drill", "phonk", "trap music", "rage beat"),
    "pop": ("electropop", "hyperpop", "j-pop", "jpop", "pop music", "teen pop", "europop"),
    "rock": ("pop punk", "post rock", "post-rock", "emo", "surf rock", "blues rock", "psychedelic rock",
             "prog rock", "progressive rock", "stoner rock", "rockabilly", "punk rock", "britpop"),
    "metal": ("black metal", "power metal", "nu metal", "djent", "speed metal", "symphonic metal"),
    "jazz": ("jazz fusion", "acid jazz", "lounge", "lounge jazz", "dixieland", "ragtime", "nu jazz",
             "jazz ballad", "gypsy jazz", "manouche"),
    "blues": ("boogie woogie", "texas blues", "electric blues"),
    "funk": ("nu disco", "nu-disco", "jazz funk", "funk music", "boogie"),
    "r&b": ("contemporary r&b", "slow jam", "quiet storm", "rhythm and blues"),
    "reggae": ("lovers rock", "roots reggae", "reggae music"),
    "latin": ("bachata", "tango", "flamenco", "latin pop", "latin jazz", "bolero", "son cubano"),
    "bossa nova": ("mpb", "samba jazz", "bossanova"),
    "country": ("honky tonk", "outlaw country", "country pop", "country music"),
    "folk": ("indie folk", "medieval", "medieval folk", "folk music", "traditional folk", "shanty"),
    "classical": ("neoclassical", "neo-classical", "modern classical", "contemporary classical",
                  "nocturne", "etude", "concerto", "fugue", "requiem", "classical music"),
    "cinematic": ("film music", "movie score", "trailer music", "underscore", "hybrid orchestral",
                  "game soundtrack", "orchestra"),
    "ambient": ("dark ambient", "chillout", "chill out", "space music", "sleep music", "spa music",
                "relaxation music", "ambient music"),
    "house": ("uk garage", "future house", "french house", "disco house", "trance", "electro house",
              "big room", "eurodance", "electronic dance music", "progressive trance"),
    "techno": ("detroit techno", "dub techno", "industrial", "ebm", "berlin techno"),
    "drum and bass": ("jump up", "drumstep", "breakcore", "liquid funk"),
    "dubstep": ("bass music", "melodic dubstep", "tearout", "future bass"),
    "synthwave": ("chillwave", "dreamwave", "italo disco", "new retro wave"),
    "chiptune": ("nintendo", "bitpop", "retro gaming", "8-bit music", "chip music"),
    "gospel": ("christian", "hymn", "hymns", "gospel music"),
    "afrobeat": ("afro house", "afro-pop", "afro pop", "afro fusion"),
    "acoustic": ("coffeehouse", "kids music", "children's music", "jingle", "advertising music"),
}  # fmt: skip


def _with_more_aliases(genre: Genre) -> Genre:
    own = {alias.lower() for alias in (genre.id, genre.name, *genre.aliases)}
    extra = tuple(a for a in _MORE_ALIASES.get(genre.id, ()) if a.lower() not in own)
    return replace(genre, aliases=genre.aliases + extra)


GENRES = tuple(_with_more_aliases(genre) for genre in GENRES)

_BY_ID = {g.id: g for g in GENRES}


def normalise_term(text: str) -> str:
    """Lower-case, unify dashes/underscores and squeeze spaces: ``'Lo_Fi'`` -> ``'lo fi'``."""
    text = text.lower().replace("_", " ").replace("–", "-")
    return re.sub(r"\s+", " ", text).strip()


def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for genre in GENRES:
        for term in (genre.id, genre.name, *genre.aliases):
            table.setdefault(normalise_term(term), genre.id)
            table.setdefault(normalise_term(term).replace("-", " "), genre.id)
    return table


_LOOKUP = _lookup()
#: Every spelling the ``genre`` field takes (ids, names and aliases, lower case), for the request rules.
GENRE_TERMS: tuple[str, ...] = tuple(sorted(_LOOKUP))


def genre_by_id(genre_id: str) -> Genre:
    """The :class:`Genre` with this canonical id (``KeyError`` when there is none)."""
    return _BY_ID[genre_id]


def closest_genres(term: str, *, n: int = 3) -> list[str]:
    """Ids of the genres whose names or aliases are closest in spelling to ``term``."""
    matches = difflib.get_close_matches(normalise_term(term), list(_LOOKUP), n=n * 3, cutoff=0.4)
    ids: list[str] = []
    for match in matches:
        if _LOOKUP[match] not in ids:
            ids.append(_LOOKUP[match])
    return ids[:n]


def resolve_genre(term: str) -> Genre:
    """The genre a user's ``genre`` field names (id, name or alias, any case).

    Raises
    ------
    UnknownGenre
        Naming the field and listing the closest known genres.
    """
    key = normalise_term(term)
    genre_id = _LOOKUP.get(key) or _LOOKUP.get(key.replace("-", " "))
    if genre_id is None:
        close = closest_genres(term)
        hint = f"; closest: {', '.join(close)}" if close else ""
        rule = f"unknown genre {term!r}{hint} (see GET /v1/genres)"
        raise UnknownGenre(f"genre: {rule}", details=[ErrorDetail("genre", rule)])
    return _BY_ID[genre_id]
