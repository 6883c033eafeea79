"""A small ctypes binding to libfluidsynth (2.x) and a process-level pool of warm synths.

Only what the renderer needs is bound: settings, one SoundFont per synth, program selection, note on/off,
controllers, pitch bend and float output. Reverb and chorus are switched off: effects are ours (see
``mixing.py``) so that renders are deterministic and every stem is exact.

FluidSynth renders audio in blocks of :data:`BLOCK_FRAMES` frames and applies events at the next block
boundary. :class:`Synth` tracks how many frames it has already rendered ahead, so callers can keep their
events on block boundaries (``Synth.aligned``).

Loading FluidR3_GM (148 MB) takes about 0.2 s cold; FluidSynth's own sample cache makes a second synth on the
same file take about 0.03 s. :func:`warm_synth` lends synths from a pool so that a worker process loads each
SoundFont once and reuses it across jobs.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import lru_cache
from pathlib import Path

import numpy as np

from ...errors import EngineUnavailable

__all__ = [
    "BLOCK_FRAMES",
    "DRUM_BANK",
    "DRUM_CHANNEL",
    "INSTALL_HINT",
    "Synth",
    "check_soundfont",
    "library_available",
    "load_library",
    "preload",
    "warm_synth",
]

LIBRARY_NAME = "libfluidsynth.so.3"
INSTALL_HINT = "install it with: apt-get install fluidsynth fluid-soundfont-gm"
BLOCK_FRAMES = 64
DRUM_CHANNEL = 9
DRUM_BANK = 128
_FLUID_OK = 0
_LOG_LEVELS_SILENCED = (1, 2, 3, 4)  # FLUID_ERR..FLUID_DBG: our own errors say what went wrong
_MAX_IDLE_SYNTHS = 4
_SETTLE_CHANNEL = 15
#: Serialises synth creation. The first new_fluid_synth of a process fills FluidSynth's global tables
#: (interpolation coefficients, conversions), but it marks them filled before it starts: a second synth
#: created meanwhile in another thread renders its first notes with half-filled tables, so the same
#: seed gave other audio in about one process in ten.
_create_lock = threading.Lock()
_SETTLE_KEYS = range(60, 64)  # 4 piano notes = 8 voices; no note of FluidR3_GM uses more than 4
_SETTINGS_INT = {
    "synth.reverb.active": 0,
    "synth.chorus.active": 0,
    "synth.polyphony": 256,
    "synth.cpu-cores": 1,
    # One synth is only ever used by one thread at a time (the pool lends it), so skip the API mutex.
    "synth.threadsafe-api": 0,
    # mlock of 148 MB of samples fails in containers and only prints warnings.
    "synth.lock-memory": 0,
    "synth.audio-channels": 1,
}

_P = ctypes.c_void_p
_I = ctypes.c_int
_SIGNATURES: dict[str, tuple[type | None, list[type]]] = {
    "new_fluid_settings": (_P, []),
    "delete_fluid_settings": (None, [_P]),
    "fluid_settings_setint": (_I, [_P, ctypes.c_char_p, _I]),
    "fluid_settings_setnum": (_I, [_P, ctypes.c_char_p, ctypes.c_double]),
    "new_fluid_synth": (_P, [_P]),
    "delete_fluid_synth": (None, [_P]),
    "fluid_synth_sfload": (_I, [_P, ctypes.c_char_p, _I]),
    "fluid_synth_program_select": (_I, [_P, _I, _I, _I, _I]),
    "fluid_synth_noteon": (_I, [_P, _I, _I, _I]),
    "fluid_synth_noteoff": (_I, [_P, _I, _I]),
    "fluid_synth_cc": (_I, [_P, _I, _I, _I]),
    "fluid_synth_pitch_bend": (_I, [_P, _I, _I]),
    "fluid_synth_pitch_wheel_sens": (_I, [_P, _I, _I]),
    "fluid_synth_all_sounds_off": (_I, [_P, _I]),
    "fluid_synth_system_reset": (_I, [_P]),
    "fluid_synth_get_active_voice_count": (_I, [_P]),
    "fluid_synth_write_float": (_I, [_P, _I, _P, _I, _I, _P, _I, _I]),
    "fluid_set_log_function": (_P, [_I, _P, _P]),
}


@lru_cache(maxsize=4)
def load_library(name: str = LIBRARY_NAME) -> ctypes.CDLL:
    """Load libfluidsynth and declare the functions we call.

    Parameters
    ----------
    name : the shared library's file name or path.

    Raises
    ------
    EngineUnavailable
        When the library cannot be loaded.
    """
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        raise EngineUnavailable(f"FluidSynth library {name} not found ({exc}); {INSTALL_HINT}") from exc
    for function, (restype, argtypes) in _SIGNATURES.items():
        handle = getattr(lib, function)
        handle.restype = restype
        handle.argtypes = argtypes
    for level in _LOG_LEVELS_SILENCED:
        lib.fluid_set_log_function(level, None, None)
    return lib


def library_available(name: str = LIBRARY_NAME) -> tuple[bool, str]:
    """``(True, "")`` when libfluidsynth loads, else ``(False, why)``."""
    try:
        load_library(name)
    except EngineUnavailable as exc:
        return False, exc.message
    return True, ""


def check_soundfont(soundfont: Path) -> Path:
    """Return ``soundfont`` resolved, or raise :class:`EngineUnavailable` naming the path and the fix."""
    path = Path(soundfont).expanduser()
    if not path.is_file():
        raise EngineUnavailable(f"SoundFont {path} not found; {INSTALL_HINT}")
    return path.resolve()


class Synth:
    """One FluidSynth instance with one SoundFont loaded, dry (no reverb, no chorus).

    Parameters
    ----------
    soundfont : path of an ``.sf2`` file.
    sample_rate : output rate in Hz.
    gain : FluidSynth's master gain (linear).
    library : the shared library to use.

    Raises
    ------
    EngineUnavailable
        When the library or the SoundFont cannot be loaded.
    """

    def __init__(
        self,
        soundfont: Path,
        *,
        sample_rate: int = 44_100,
        gain: float = 0.2,
        library: str = LIBRARY_NAME,
    ) -> None:
        self.soundfont = check_soundfont(soundfont)
        self.sample_rate = sample_rate
        self._lib = load_library(library)
        self._settings = self._new_settings(sample_rate, gain)
        with _create_lock:
            self._synth = self._lib.new_fluid_synth(self._settings)
        if not self._synth:
            self._lib.delete_fluid_settings(self._settings)
            raise EngineUnavailable("FluidSynth could not create a synthesizer")
        self._sfont_id = self._lib.fluid_synth_sfload(self._synth, str(self.soundfont).encode(), 1)
        if self._sfont_id < 0:
            self.close()
            raise EngineUnavailable(f"SoundFont {self.soundfont} could not be loaded; {INSTALL_HINT}")
        self._buffered = 0

    def _new_settings(self, sample_rate: int, gain: float) -> int:
        lib = self._lib
        settings = lib.new_fluid_settings()
        failed = [k for k, v in _SETTINGS_INT.items() if lib.fluid_settings_setint(settings, k.encode(), v)]
        for key, value in (("synth.sample-rate", float(sample_rate)), ("synth.gain", float(gain))):
            if lib.fluid_settings_setnum(settings, key.encode(), value) != _FLUID_OK:
                failed.append(key)
        if failed:
            lib.delete_fluid_settings(settings)
            raise EngineUnavailable(f"FluidSynth rejected settings {failed}")
        return settings

    @property
    def aligned(self) -> bool:
        """True when no frames are rendered ahead, so the next event lands on the next frame read."""
        return self._buffered == 0

    def select_program(self, channel: int, *, bank: int, program: int) -> bool:
        """Select ``bank``/``program`` on ``channel``; False when the SoundFont has no such preset."""
        status = self._lib.fluid_synth_program_select(self._synth, channel, self._sfont_id, bank, program)
        return status == _FLUID_OK

    def note_on(self, channel: int, key: int, velocity: int) -> None:
        self._lib.fluid_synth_noteon(self._synth, channel, key, velocity)

    def note_off(self, channel: int, key: int) -> None:
        self._lib.fluid_synth_noteoff(self._synth, channel, key)

    def control_change(self, channel: int, number: int, value: int) -> None:
        self._lib.fluid_synth_cc(self._synth, channel, number, value)

    def pitch_bend(self, channel: int, value: int) -> None:
        """Set the pitch wheel: 0..16383, 8192 is centre."""
        self._lib.fluid_synth_pitch_bend(self._synth, channel, value)

    def set_bend_range(self, channel: int, semitones: int) -> None:
        """Pitch wheel sensitivity (RPN 0) in semitones for a full wheel deflection."""
        self._lib.fluid_synth_pitch_wheel_sens(self._synth, channel, semitones)

    def active_voices(self) -> int:
        return int(self._lib.fluid_synth_get_active_voice_count(self._synth))

    def render(self, frames: int) -> np.ndarray:
        """Render ``frames`` frames of stereo float32, shape ``(frames, 2)``."""
        out = np.empty((frames, 2), dtype=np.float32)
        if frames:
            address = out.ctypes.data
            self._lib.fluid_synth_write_float(self._synth, frames, address, 0, 2, address, 1, 2)
        self._advance(frames)
        return out

    def _advance(self, frames: int) -> None:
        if frames <= self._buffered:
            self._buffered -= frames
        else:
            self._buffered = -(frames - self._buffered) % BLOCK_FRAMES

    def settle(self) -> None:
        """Leave the voice slots the next note will use in one canonical state, and no voice sounding.

        FluidSynth ramps a voice's output gains over its first block from whatever the previous voice in
        the same slot left behind, so a note's first 64 frames depend on history. Sounding a fixed chord
        for one block and cutting it makes that history the same before every note.
        """
        self.select_program(_SETTLE_CHANNEL, bank=0, program=0)
        for key in _SETTLE_KEYS:
            self.note_on(_SETTLE_CHANNEL, key, 1)
        self.render(self._buffered + BLOCK_FRAMES)
        self.silence()

    def silence(self) -> None:
        """Cut every sounding voice at once and let the synth drop them."""
        self._lib.fluid_synth_all_sounds_off(self._synth, -1)
        self.render(self._buffered + BLOCK_FRAMES)

    def reset(self) -> None:
        """Return to the state of a freshly loaded synth: no voices, default controllers, aligned."""
        self._lib.fluid_synth_all_sounds_off(self._synth, -1)
        self._lib.fluid_synth_system_reset(self._synth)
        self.render(self._buffered + BLOCK_FRAMES)

    def close(self) -> None:
        """Free the synth and its settings; the object is unusable afterwards."""
        if self._synth:
            self._lib.delete_fluid_synth(self._synth)
            self._synth = None
        if self._settings:
            self._lib.delete_fluid_settings(self._settings)
            self._settings = None


_pool_lock = threading.Lock()
_idle: dict[tuple[Path, int], list[Synth]] = {}


@contextmanager
def warm_synth(soundfont: Path, *, sample_rate: int = 44_100) -> Iterator[Synth]:
    """Lend a warm synth for ``soundfont``, reset, from the process-level pool.

    A synth is created only when none is idle, so a process running N render threads holds N synths
    and loads the SoundFont at most N times. A synth that saw an error is closed, not returned.

    Raises
    ------
    EngineUnavailable
        When a new synth is needed and the library or SoundFont is missing.
    """
    key = (check_soundfont(soundfont), sample_rate)
    with _pool_lock:
        idle = _idle.setdefault(key, [])
        synth = idle.pop() if idle else None
    if synth is None:
        synth = Synth(key[0], sample_rate=sample_rate)
    try:
        yield synth
        synth.reset()
    except BaseException:
        synth.close()
        raise
    with _pool_lock:
        idle = _idle.setdefault(key, [])
        if len(idle) < _MAX_IDLE_SYNTHS:
            idle.append(synth)
            return
    synth.close()


def preload(soundfont: Path, *, sample_rate: int = 44_100, count: int = 1) -> None:
    """Make sure ``count`` warm synths for ``soundfont`` wait in the pool (call at worker start-up).

    Raises
    ------
    EngineUnavailable
        When the library or the SoundFont is missing.
    """
    with ExitStack() as lent:
        for _ in range(count):
            lent.enter_context(warm_synth(soundfont, sample_rate=sample_rate))
