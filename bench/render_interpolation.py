"""What FluidSynth's interpolation costs in the symbolic render: the floor under issue 11's 50x target.

    python bench/render_interpolation.py [--duration 300] [--repeat 2] [--prompt TEXT] [--json PATH]

Renders one composed track (the pipeline bench's lo-fi prompt, seed 7) with ``render_score`` under each of
FluidSynth's sample interpolations: 4th order (its default, what the engine uses), linear, none. Linear and
none change the sound (more aliasing and less treble accuracy on pitched samples), so they are measured
only to learn how much of the render the interpolation is. Wall and CPU seconds (every thread) per mode,
best of ``--repeat``. Run it under ``flock /tmp/musicgen_bench.lock``.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline import PROMPT, _cpu_s  # the pipeline bench beside this file: its track and its CPU clock

from musicgen_app.config import DEFAULT_SOUNDFONT
from musicgen_app.engines.symbolic import fluidsynth
from musicgen_app.engines.symbolic.compose import compose
from musicgen_app.engines.symbolic.render import render_score
from musicgen_app.prompt.interpret import interpret
from musicgen_app.request import parse_request

#: FluidSynth's fluid_interp values.
MODES = {"4th order (used)": 4, "linear": 1, "none": 0}
_ALL_CHANNELS = -1
_ENGINE_SELECT_PROGRAM = fluidsynth.Synth.select_program


def _use_interpolation(method: int) -> None:
    """Make every synth set ``method`` on all channels whenever a part selects its program.

    The engine never sets an interpolation (FluidSynth's default is 4th order). The pool resets every synth
    it lends (a system reset) between parts, so the method is set at each program select, not once per synth.
    """
    lib = fluidsynth.load_library()
    lib.fluid_synth_set_interp_method.restype = ctypes.c_int
    lib.fluid_synth_set_interp_method.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]

    def select_program(self, channel: int, *, bank: int, program: int) -> bool:
        selected = _ENGINE_SELECT_PROGRAM(self, channel, bank=bank, program=program)
        lib.fluid_synth_set_interp_method(self._synth, _ALL_CHANNELS, method)
        return selected

    fluidsynth.Synth.select_program = select_program


def measure(duration_s: int, repeat: int, prompt: str) -> dict[str, dict[str, float]]:
    request = parse_request({"prompt": prompt, "duration": duration_s, "output_format": "mp3"})
    score = compose(interpret(request, seed=7))
    render_score(score, soundfont=DEFAULT_SOUNDFONT)  # warm the synth pool and the SoundFont pages
    results = {}
    for label, method in MODES.items():
        _use_interpolation(method)
        best_wall = best_cpu = float("inf")
        for _ in range(repeat):
            cpu, start = _cpu_s(), time.perf_counter()
            render_score(score, soundfont=DEFAULT_SOUNDFONT)
            best_wall = min(best_wall, time.perf_counter() - start)
            best_cpu = min(best_cpu, _cpu_s() - cpu)
        results[label] = {"wall_s": best_wall, "cpu_s": best_cpu, "realtime_x": duration_s / best_wall}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--prompt", default=PROMPT)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = measure(args.duration, args.repeat, args.prompt)
    machine = platform.processor() or platform.machine()
    print(f"render of a {args.duration} s track, best of {args.repeat} ({machine})")
    print(f"{'interpolation':<18} {'wall s':>8} {'cpu s':>8} {'realtime':>9}")
    for label, row in results.items():
        print(f"{label:<18} {row['wall_s']:>8.2f} {row['cpu_s']:>8.2f} {row['realtime_x']:>8.1f}x")
    if args.json:
        args.json.write_text(
            json.dumps({"duration_s": args.duration, "repeat": args.repeat, "modes": results}, indent=2)
            + "\n"
        )


if __name__ == "__main__":
    main()
