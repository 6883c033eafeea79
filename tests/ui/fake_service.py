"""A stand-in for GenerationService with the same surface the studio uses, rendering on a step clock.

Each ``get()`` of an unfinished track moves it one step on (pending -> processing 0.4 -> 0.9 ->
completed), and completion writes real files: four sine stems, their sum as the mix (WAV) and an
audiowaveform v2 document, so the studio's reading, plotting and remixing run on genuine audio.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import soundfile as sf

from musicgen_app.api_keys import ApiKeys
from musicgen_app.derived_files import bundle_file, remix_preview_file
from musicgen_app.engines.registry import EngineConfig
from musicgen_app.errors import AlreadyFinished, NotFound, NotReady
from musicgen_app.formats import STEM_NAMES
from musicgen_app.request import parse_request
from musicgen_app.store.encoded import EncodedFiles
from musicgen_app.store.files import FileStore
from musicgen_app.track import Track, check_track_id

SR = 44_100
_STEPS = (("processing", 0.4), ("processing", 0.9), ("completed", 1.0))


def waveform_document(mix: np.ndarray, *, per_pixel: int = 441) -> dict[str, Any]:
    """An 8-bit, one-channel audiowaveform v2 document of ``mix``."""
    mono = mix.mean(axis=1)
    pixels = len(mono) // per_pixel
    blocks = mono[: pixels * per_pixel].reshape(pixels, per_pixel)
    pairs = np.stack([blocks.min(axis=1), blocks.max(axis=1)], axis=1)
    data = np.clip(np.round(pairs * 127), -128, 127).astype(int).ravel().tolist()
    return {
        "version": 2,
        "channels": 1,
        "sample_rate": SR,
        "samples_per_pixel": per_pixel,
        "bits": 8,
        "length": pixels,
        "data": data,
    }


class FakeService:
    """Tracks in memory, files on disk under ``root``; ``fail_prompts`` make a job fail on completion."""

    def __init__(self, root: Path, *, fail_prompts: tuple[str, ...] = ()) -> None:
        self.files = FileStore(root)
        self.encoded = EncodedFiles(self.files.path)
        self.api_keys = ApiKeys()
        self.settings = SimpleNamespace(public_url=None, musicgen_model="facebook/musicgen-small")
        self.engine_config = EngineConfig(soundfont=Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"))
        self.fail_prompts = fail_prompts
        self._tracks: dict[str, Track] = {}
        self._steps: dict[str, int] = {}
        self.submitted: list[dict[str, Any]] = []
        self.admitted: list[str] = []  # who the studio counted against the rate limit

    def admit(self, identity: str) -> None:
        self.admitted.append(identity)

    def submit(self, body: dict[str, Any]) -> Track:
        request = parse_request(body)
        self.submitted.append(body)
        track_id = f"{len(self._tracks) + 1:032x}"
        track = Track(
            id=track_id,
            status="pending",
            prompt=request.prompt,
            duration_s=request.duration_s,
            genre=request.genre or "ambient",
            tempo_bpm=request.tempo_bpm or 90,
            key="A minor",
            output_format=request.output_format,
            seed=request.seed if request.seed is not None else 7,
            engine_requested=request.engine,
            created_at=dt.datetime.now(dt.UTC),
            plan={"time_signature": "4/4", "instruments": ["pad"], "moods": ["calm"], "energy": 0.3},
        )
        self._tracks[track_id], self._steps[track_id] = track, 0
        return track

    def variations(self, track_id: str, body: dict[str, Any]) -> list[Track]:
        """As the real service: a child with a new seed that keeps the parent's key and tempo."""
        parent = self.get(track_id)
        if not parent.is_completed:
            raise NotReady(f"track {parent.id} is {parent.status}; only a completed track can be edited")
        child_id = f"{len(self._tracks) + 1:032x}"
        child = replace(
            parent,
            id=child_id,
            status="pending",
            progress=0.0,
            files={},
            seed=parent.seed + 1,
            parent_id=parent.id,
            operation="variation",
            created_at=dt.datetime.now(dt.UTC),
        )
        self._tracks[child_id], self._steps[child_id] = child, 0
        return [child]

    def cancel(self, track_id: str) -> Track:
        """As the real service: a running job becomes ``cancelled``; an ended one is refused."""
        track = self._tracks.get(check_track_id(track_id))
        if track is None:
            raise NotFound("no track with that id")
        if track.is_finished:
            raise AlreadyFinished(f"track {track.id} is {track.status}; only a running job can be cancelled")
        self._tracks[track.id] = replace(track, status="cancelled")
        return self._tracks[track.id]

    def get(self, track_id: str, *, owner: str | None = None) -> Track:
        track = self._tracks.get(check_track_id(track_id))
        if track is None:
            raise NotFound("no track with that id")
        if track.status in ("pending", "processing"):
            track = self._advance(track)
        return track

    def _advance(self, track: Track) -> Track:
        status, progress = _STEPS[self._steps[track.id]]
        self._steps[track.id] += 1
        if status == "completed" and track.prompt in self.fail_prompts:
            track = replace(track, status="failed", error="the synth ran out of notes")
        elif status == "completed":
            track = replace(
                track,
                status="completed",
                progress=1.0,
                engine="symbolic",
                engine_version="1",
                model="test.sf2",
                license="royalty-free",
                files=self._render(track),
                sections=(("intro", 0.0), ("A", track.duration_s / 2)),
            )
        else:
            track = replace(track, status=status, progress=progress)
        self._tracks[track.id] = track
        return track

    def _render(self, track: Track) -> dict[str, str]:
        directory = self.files.track_dir(track.id)
        (directory / "stems").mkdir(parents=True, exist_ok=True)
        t = np.arange(track.duration_s * SR) / SR
        stems = {
            name: 0.1 * np.sin(2 * np.pi * 110.0 * (i + 1) * t) * np.linspace(0, 1, t.size)
            for i, name in enumerate(STEM_NAMES)
        }
        files = {}
        for name, mono in stems.items():
            files[name] = f"stems/{name}.wav"
            sf.write(directory / files[name], np.stack([mono, mono], axis=1), SR)
        mix = np.stack([sum(stems.values())] * 2, axis=1)
        sf.write(directory / "track.wav", mix, SR)
        (directory / "waveform.json").write_text(json.dumps(waveform_document(mix)))
        return {"mix": "track.wav", **files, "waveform": "waveform.json"}

    def list(self, *, limit: int = 20, offset: int = 0, status: str | None = None):
        tracks = sorted(self._tracks.values(), key=lambda t: t.created_at, reverse=True)
        return tracks[offset : offset + limit], len(tracks)

    def children(self, track_id: str, *, limit: int = 100):
        made = [t for t in self._tracks.values() if t.parent_id == check_track_id(track_id)]
        return sorted(made, key=lambda t: t.created_at)[:limit]

    def delete(self, track_id: str) -> None:
        if self._tracks.pop(check_track_id(track_id), None) is None:
            raise NotFound("no track with that id")
        self.files.remove(track_id)

    def file(
        self, track_id: str, kind: str, fmt: str | None = None, *, owner: str | None = None
    ) -> SimpleNamespace:
        track = self._tracks.get(check_track_id(track_id))
        if track is None:
            raise NotFound("no track with that id")
        if track.status != "completed":
            raise NotReady(f"track {track_id} is {track.status}")
        if kind not in track.files:
            raise NotFound(f"no {kind} file")
        return SimpleNamespace(
            path=self.files.path(track_id, track.files[kind]),
            media_type="audio/wav",
            download_name=f"{kind}.wav",
        )

    def remix_preview(self, track_id: str, gains_db: dict[str, float]):
        """As the real service: the same function over this fake's tracks and files."""
        return remix_preview_file(self, track_id, gains_db)

    def bundle(self, track_id: str):
        return bundle_file(self, track_id)
