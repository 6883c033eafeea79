"""What LAME's algorithm quality (``-compression_level``, LAME's ``-q``) costs and buys on a real master.

    python bench/mp3_quality.py [--seconds 300] [--levels 2 5 7] [--json PATH]

Renders one symbolic track (the lo-fi bench prompt, seed 7) and encodes its 24-bit FLAC master as mp3 at
VBR V2 (what the service uses) with each algorithm quality, through ffmpeg's LAME as the service does.
Each encode is timed (the encoder's own CPU seconds, best of ``--repeat``) and decoded back (ffmpeg honours
LAME's gapless header, so the decode lines up with the source sample for sample). Reported per level:

- ``cpu_s``: the encoder process's user + system CPU time;
- ``kbit_s``: the average bitrate;
- ``snr_db``: source energy over the energy of the difference, whole track;
- ``segmental_snr_db``: the same per 2048-frame segment (segments above -60 dBFS), averaged in dB;
- ``band_nsr_db``: per Bark band, the difference's energy over the source's (2048-point STFT, Hann,
  summed over the track), in dB; the bench prints the worst band and the bands above 8 kHz.

A lower SNR means more coding noise; whether it is audible depends on masking, which these figures do not
model. They tell how much more noise a faster setting leaves, band by band, at what speed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from musicgen_app.audio.encode import MP3_VBR_QUALITY
from musicgen_app.config import DEFAULT_SOUNDFONT
from musicgen_app.engines.registry import EngineConfig
from musicgen_app.pipeline import JobSpec, produce_track
from musicgen_app.prompt.interpret import interpret
from musicgen_app.request import parse_request

PROMPT = "Chill lo-fi beat with jazzy Rhodes piano, soft drums, and rain ambiance"
SR = 44_100
#: Upper edges of the Bark critical bands (Zwicker), Hz.
BARK_EDGES_HZ = (
    100, 200, 300, 400, 510, 630, 770, 920, 1080, 1270, 1480, 1720, 2000, 2320, 2700,
    3150, 3700, 4400, 5300, 6400, 7700, 9500, 12000, 15500, 22050,
)  # fmt: skip


def master_of_a_track(seconds: int, out: Path) -> np.ndarray:
    request = parse_request({"prompt": PROMPT, "duration": seconds, "output_format": "flac"})
    plan = interpret(request, seed=7)
    spec = JobSpec("0" * 32, plan.as_dict(), "flac", "symbolic", EngineConfig(DEFAULT_SOUNDFONT))
    outcome = produce_track(spec, out)
    audio, _ = sf.read(out / outcome.files["mix"], dtype="float32")
    return audio


def encode(pcm: np.ndarray, level: int, target: Path) -> float:
    """Encode as the service does; the encoder's CPU seconds."""
    command = [
        "ffmpeg",
        *f"-nostdin -v error -y -f f32le -ar {SR} -ac 2 -i pipe:0 -c:a libmp3lame".split(),
        *f"-q:a {MP3_VBR_QUALITY} -compression_level {level} -id3v2_version 0 -write_id3v1 0".split(),
        *("-f", "mp3", str(target)),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, input=pcm.astype("<f4").tobytes(), check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def decode(path: Path) -> np.ndarray:
    command = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), *f"-f f32le -ac 2 -ar {SR} -".split()]
    raw = subprocess.run(command, check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype="<f4").reshape(-1, 2)


def band_nsr_db(source: np.ndarray, noise: np.ndarray) -> list[float]:
    """Per Bark band: the noise's energy over the source's, summed over the track, in dB."""
    n_fft = 2048
    window = np.hanning(n_fft).astype(np.float32)
    frames = (len(source) - n_fft) // (n_fft // 2)
    signal_power = np.zeros(n_fft // 2 + 1)
    noise_power = np.zeros(n_fft // 2 + 1)
    for channel in range(source.shape[1]):
        for start in range(0, frames * (n_fft // 2), 64 * n_fft):
            index = np.arange(start, min(start + 64 * n_fft, frames * (n_fft // 2)), n_fft // 2)
            segments = index[:, None] + np.arange(n_fft)
            signal_power += (np.abs(np.fft.rfft(source[segments, channel] * window)) ** 2).sum(axis=0)
            noise_power += (np.abs(np.fft.rfft(noise[segments, channel] * window)) ** 2).sum(axis=0)
    bins_hz = np.fft.rfftfreq(n_fft, 1.0 / SR)
    lower, result = 0.0, []
    for upper in BARK_EDGES_HZ:
        band = (bins_hz >= lower) & (bins_hz < upper)
        result.append(float(10 * np.log10(noise_power[band].sum() / max(signal_power[band].sum(), 1e-30))))
        lower = upper
    return result


def quality(source: np.ndarray, decoded: np.ndarray) -> dict[str, object]:
    if decoded.shape != source.shape:
        raise SystemExit(f"decoded {decoded.shape} frames, the source has {source.shape}")
    noise = decoded - source
    snr = 10 * np.log10(np.sum(source.astype(np.float64) ** 2) / np.sum(noise.astype(np.float64) ** 2))
    segment = 2048
    whole = (len(source) // segment) * segment
    s = (source[:whole].astype(np.float64) ** 2).reshape(-1, segment * 2).sum(axis=1)
    n = (noise[:whole].astype(np.float64) ** 2).reshape(-1, segment * 2).sum(axis=1)
    loud = s / (segment * 2) > 1e-6  # above -60 dBFS
    segmental = float(np.mean(10 * np.log10(s[loud] / np.maximum(n[loud], 1e-30))))
    return {"snr_db": float(snr), "segmental_snr_db": segmental, "band_nsr_db": band_nsr_db(source, noise)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--levels", type=int, nargs="+", default=[2, 5, 7])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        source = master_of_a_track(args.seconds, Path(tmp))
        for level in args.levels:
            target = Path(tmp) / f"q{level}.mp3"
            cpu_s = min(encode(source, level, target) for _ in range(args.repeat))
            rows.append(
                {
                    "level": level,
                    "cpu_s": cpu_s,
                    "kbit_s": target.stat().st_size * 8 / 1000 / args.seconds,
                    **quality(source, decode(target)),
                }
            )
    high = [i for i, edge in enumerate(BARK_EDGES_HZ) if edge > 8000]
    print(f"{args.seconds} s master, LAME V{MP3_VBR_QUALITY} through ffmpeg")
    print(
        f"{'level':>5} {'cpu s':>7} {'kbit/s':>7} {'SNR dB':>7} {'segSNR':>7} "
        f"{'worst band NSR':>15} {'>8 kHz NSR':>24}"
    )
    for row in rows:
        bands = row["band_nsr_db"]
        worst = max(range(len(bands)), key=lambda i: bands[i])
        high_text = " ".join(f"{bands[i]:.1f}" for i in high)
        print(
            f"{row['level']:>5} {row['cpu_s']:7.2f} {row['kbit_s']:7.0f} {row['snr_db']:7.2f} "
            f"{row['segmental_snr_db']:7.2f} {bands[worst]:7.1f} (<{BARK_EDGES_HZ[worst]} Hz) {high_text:>24}"
        )
    if args.json:
        meta = {
            "date": time.strftime("%Y-%m-%d"),
            "machine": platform.processor() or platform.machine(),
            "cores": os.cpu_count(),
            "bark_edges_hz": BARK_EDGES_HZ,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"meta": meta, "seconds": args.seconds, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
