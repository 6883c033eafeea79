"""GenerationService: submit a request, run its job, read tracks and their files.

The one object the adapters (API, UI, CLI ``serve``) talk to. It owns the database, the file store, the
worker threads and the render processes, all created from a :class:`Settings` value.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .api_keys import ApiKeys
from .config import Settings
from .controls import cut_bar
from .derived_files import bundle_file, remix_preview_file
from .edits import (
    MAX_VARIATIONS,
    extended_plan,
    looped_plan,
    parse_extend,
    parse_loop,
    parse_regenerate,
    parse_remix,
    parse_variations,
    regenerated_plan,
    request_from_parent,
    variation_plan,
)
from .engines.controls import engine_for_controls
from .errors import (
    AlreadyFinished,
    EngineUnavailable,
    Forbidden,
    InvalidRequest,
    NotFound,
    NotReady,
    RateLimited,
    StartupRefused,
)
from .formats import OUTPUT_FORMATS, STEM_NAMES
from .heavy_imports import HEAVY_IMPORTS
from .jobs.runner import JobRunner, RenderPool
from .jobs.webhooks import WebhookDispatcher, WebhookPolicy, load_secret
from .jobs.worker import WorkerPool
from .plan import Plan, bar_seconds
from .rate_limit import parse_rate_limit
from .request import MAX_DURATION_S, MAX_SEED, GenerationRequest, new_seed, parse_request
from .store.db import make_engine, make_sessionmaker
from .store.encoded import EncodedFiles
from .store.files import make_storage
from .store.idempotency import IdempotencyKeys, check_key
from .store.rate_hits import RateHits
from .store.tracks import TrackRepository, row_to_track
from .track import Track, check_track_id
from .track_files import FILE_KINDS, SIDE_FILES, TrackFile, download_name, encoded_file, media_type
from .track_json import Link, track_json, url_link

__all__ = ["FILE_KINDS", "GenerationService", "TrackFile"]

log = logging.getLogger(__name__)

#: Less free space than this on the track storage makes the service degraded (a 300 s track's files
#: and encodes take about 250 MB).
_MIN_FREE_BYTES = 512 * 2**20
#: How long stopping waits for the warm-up (imports, SoundFont, the prompt reader's model: seconds).
_WARM_UP_JOIN_S = 60.0


def warm_up_process() -> None:
    """Load what the first request would otherwise wait for, in the background.

    One torch thread per process: on 2 cores the model calls here (prompt embeddings) run faster and
    steadier with one thread, and the render processes keep the other core.
    """
    try:
        with HEAVY_IMPORTS:  # the engine checks of a page load wait rather than see transformers half built
            import torch

            torch.set_num_threads(1)
            from .prompt import default_matcher

            default_matcher().warm_up()
    except Exception:  # the prompt reader falls back to word overlap by itself; never fail start-up
        log.exception("warming up the prompt reader failed")


def _lower_this_threads_priority() -> None:
    """Nice the calling thread (and the encoders it starts) to 10: on Linux a thread is a task of its
    own, so this leaves the web threads and the render processes at their priority."""
    # not Linux, or not allowed: the encodes then just run at full priority
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


#: Engines whose availability /healthz reports once the warm-up has looked (the symbolic engine's is
#: asked at once: it needs no torch).
_NEURAL_ENGINES: tuple[str, ...] = ("musicgen", "acestep")


class GenerationService:
    """Everything the product does, behind one object. ``start()`` launches the workers."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.api_keys = ApiKeys.parse(settings.api_keys)
        self._engine = make_engine(settings.resolved_database_url)
        self.repo = TrackRepository(make_sessionmaker(self._engine))
        self.idempotency = IdempotencyKeys(make_sessionmaker(self._engine))
        self.rate_limit = parse_rate_limit(settings.rate_limit)
        self.rate_hits = RateHits(make_sessionmaker(self._engine))
        self.webhook_policy = WebhookPolicy(settings.webhook_allow_http, settings.webhook_allow_private)
        base = (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")
        self.webhooks = WebhookDispatcher(
            make_sessionmaker(self._engine),
            secret=load_secret(settings.webhook_secret, settings.data_dir),
            policy=self.webhook_policy,
            public_json=lambda track: self.public(track, url_link(base, track.id)),
            to_track=row_to_track,
        )
        self.files = make_storage(
            settings.resolved_storage_url,
            cache_dir=settings.data_dir / "cache",
            endpoint_url=settings.s3_endpoint_url,
            presign=settings.s3_presign,
        )
        self.encoded = EncodedFiles(self.files.path, commit=self.files.commit, listing=self.files.listing)
        # Stems in the requested format are encoded after completion, one track at a time and at a low
        # CPU priority, so that a finished track is usable at once and the next render goes first.
        self._background = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="musicgen-encode", initializer=_lower_this_threads_priority
        )
        self.engine_config = settings.engine_config()
        #: Each neural engine's availability, known once the background warm-up has looked.
        self._neural_status: dict[str, tuple[bool, str]] = {}
        self._warming: threading.Thread | None = None
        self._render = RenderPool(settings.render_processes, self.engine_config)
        self.queue = self._make_queue(settings)
        self._runner = JobRunner(
            self.repo,
            self.files,
            self._render,
            database_url=settings.resolved_database_url,
            config=self.engine_config,
            lease_s=settings.lease_s,
            max_attempts=settings.max_attempts,
            on_completed=self._encode_stems_later,
            on_released=lambda track_id: self.queue.send([track_id]) if self.queue else None,
        )
        self._workers = WorkerPool(
            self.repo,
            self.files,
            self._render,
            database_url=settings.resolved_database_url,
            config=self.engine_config,
            threads=settings.workers if self.queue is None else 0,
            lease_s=settings.lease_s,
            max_attempts=settings.max_attempts,
            on_completed=self._encode_stems_later,
        )
        self._reconciler = None
        if self.queue is not None:
            from .jobs.dramatiq_queue import Reconciler

            self._reconciler = Reconciler(
                self.repo,
                self.queue,
                period_s=settings.reconcile_s,
                requeue_after_s=settings.requeue_after_s,
                max_attempts=settings.max_attempts,
                sweep=self.files.sweep_staging,
            )

    def _make_queue(self, settings: Settings):
        """``None`` for the local queue (the tracks table); a :class:`DramatiqQueue` for ``dramatiq``."""
        if settings.queue == "local":
            return None
        if not settings.broker_url:
            raise StartupRefused(
                "MUSICGEN_APP_QUEUE=dramatiq needs MUSICGEN_APP_BROKER_URL (redis:// or amqp://)"
            )
        from .jobs.dramatiq_queue import DramatiqQueue, make_broker

        return DramatiqQueue(make_broker(settings.broker_url, namespace=settings.broker_namespace), self.repo)

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start a web node: job workers (``settings.workers`` threads; none on a web-only node), the
        webhook dispatcher and the warm-up."""
        self._refuse_a_database_that_lost_its_tracks()
        self.files.sweep_staging()
        self.start_workers()
        self.webhooks.start()
        self._warming = threading.Thread(target=self._warm_up, name="musicgen-warm-up", daemon=True)
        self._warming.start()

    def start_workers(self) -> None:
        """Start this process's job workers: the local queue's claim threads, or Dramatiq consumer
        threads and the reconciler."""
        if self.queue is None:
            self._workers.start()
            return
        if self.settings.workers == 0:
            return
        self._render.start()
        self.queue.start_worker(self._run_message, threads=self.settings.workers)
        self._reconciler.start()

    def _run_message(self, track_id: str, worker_id: str) -> None:
        """A Dramatiq message: claim the track if it may run (else nothing to do), then run it."""
        track = self.repo.claim(
            track_id, worker_id, lease_s=self.settings.lease_s, max_attempts=self.settings.max_attempts
        )
        if track is None:
            log.info("track %s: message ignored (claimed, finished or deleted)", track_id)
            return
        self._runner.run(track, worker_id)

    def _refuse_a_database_that_lost_its_tracks(self) -> None:
        """Stop at start when the database is empty but track directories exist (a truncated or replaced
        database file): serving would silently orphan every track on disk."""
        on_disk = self.files.track_ids()
        try:
            stored = self.repo.count()
        except Exception:  # unreadable, not empty: start, and let /healthz report it as degraded
            log.exception("the database cannot be read at start")
            return
        if on_disk and stored == 0:
            raise StartupRefused(
                f"the database has no tracks, but {len(on_disk)} track directories exist in "
                f"{self.files.root}: restore the database, or move those directories away to start afresh"
            )

    def _warm_up(self) -> None:
        warm_up_process()
        for name in _NEURAL_ENGINES:
            self._neural_status[name] = self.engine_status(name)

    def musicgen_status(self) -> tuple[bool, str]:
        """Whether the MusicGen engine can run here, and why not (imports torch on first call)."""
        return self.engine_status("musicgen")

    def engine_status(self, name: str) -> tuple[bool, str]:
        """Whether engine ``name`` can run here, and why not (looks on disk only; no weights loaded)."""
        from .engines.registry import engine_status

        return engine_status(name, self.engine_config)

    def stop(self) -> None:
        # A warm-up still inside torch when the interpreter exits is killed by a forced unwind through
        # torch's C++ frames, which aborts the process (exit 134 after a clean run): let it finish first.
        if self._warming is not None:
            self._warming.join(timeout=_WARM_UP_JOIN_S)
        self.webhooks.stop()
        if self._reconciler is not None:
            self._reconciler.stop()
        if self.queue is not None:
            self.queue.stop()
        self._workers.stop()
        # the encode under way finishes (seconds at most); the queued ones are left to the first request
        self._background.shutdown(wait=True, cancel_futures=True)
        self._engine.dispose()

    def _encode_stems_later(self, track: Track) -> None:
        self._background.submit(self.encoded.encode_all, track, track.output_format, STEM_NAMES)

    # -- requests ----------------------------------------------------------------------------------

    def plan(self, body: dict[str, Any]) -> tuple[GenerationRequest, Plan]:
        """Validate a body and read its prompt into the Plan a generation would use (no side effects)."""
        from .prompt.interpret import interpret

        request = parse_request(body)
        if request.webhook_url is not None:
            self.webhook_policy.check_url(request.webhook_url)
        seed = request.seed_or_new()
        if request.engine == "auto" and self.settings.engine != "auto":
            request = GenerationRequest(**{**request.__dict__, "engine": self.settings.engine})
        request, why = engine_for_controls(request)
        if request.sings and request.engine == "auto":
            from .engines.registry import singing_engine

            engine, why = singing_engine(self.engine_config)
            request = dataclasses.replace(request, engine=engine)
        if request.engine == "acestep" and request.lyrics is not None:
            self._check_lyrics_fit(request.lyrics)
        plan = interpret(request, seed=seed)
        if why:
            plan = dataclasses.replace(plan, sources={**plan.sources, "engine": why})
        return request, plan

    def _check_lyrics_fit(self, lyrics: str) -> None:
        """A 422 now for lyrics the model would cut; a missing model is the job's error to report."""
        from .engines.acestep.engine import check_lyrics

        config = self.engine_config
        with contextlib.suppress(EngineUnavailable):
            check_lyrics(config.acestep_model, lyrics, local_files_only=config.local_files_only)

    def admit(self, identity: str) -> None:
        """Count one track-making request of ``identity`` (an API key id or a client address) against
        ``MUSICGEN_APP_RATE_LIMIT``, shared by every process on this database.

        Raises
        ------
        RateLimited
            Over the limit (429), with the seconds to wait for ``Retry-After``.
        """
        limit = self.rate_limit
        if limit is None:
            return
        wait_s = self.rate_hits.admit(identity, limit)
        if wait_s is not None:
            retry_s = limit.retry_after_s(wait_s)
            raise RateLimited(
                f"at most {limit.count} tracks per {limit.period_s:g} s; try again in {retry_s} s",
                retry_after_s=retry_s,
            )

    def submit(
        self, body: dict[str, Any], *, owner: str | None = None, idempotency_key: str | None = None
    ) -> Track:
        """Validate, plan and queue a generation for the API key ``owner``; returns the pending track.

        With ``idempotency_key``, a repeat of the same body returns the track the first request made
        (within 24 h); the same key with another body is a 422.
        """
        if idempotency_key is not None:
            key = check_key(idempotency_key)
            track, _made = self.idempotency.run(
                owner, key, body, lambda: self._submit(body, owner), lambda i: self.get(i, owner=owner)
            )
            return track
        return self._submit(body, owner)

    def _submit(self, body: dict[str, Any], owner: str | None) -> Track:
        request, plan = self.plan(body)
        return self._queue(Track.new(request, plan, owner=owner))

    def _queue(self, track: Track) -> Track:
        stored = self.repo.add(track, max_waiting=self.settings.queue_max)
        if self.queue is None:
            self._workers.wake()
        else:
            self.queue.send([stored.id])
        return stored

    # -- edits: new tracks made from a finished one ------------------------------------------------

    def edit(
        self,
        operation: str,
        track_id: str,
        body: Any,
        *,
        owner: str | None = None,
        idempotency_key: str | None = None,
    ) -> Track:
        """Run the edit ``operation`` (``remix``, ``extend``, ``regenerate``, ``loop``) of a track; with
        ``idempotency_key``, a repeat of the same edit answers the track the first one made (24 h)."""
        if operation not in ("remix", "extend", "regenerate", "loop"):
            raise NotFound(f"no edit {operation!r}")
        make = getattr(self, operation)
        if idempotency_key is None:
            return make(track_id, body, owner=owner)
        key = check_key(idempotency_key)
        # the key covers the edit and its track as well as the body: one key, one new track
        scoped = {"edit": operation, "track_id": track_id, "body": body}
        track, _made = self.idempotency.run(
            owner, key, scoped, lambda: make(track_id, body, owner=owner), lambda i: self.get(i, owner=owner)
        )
        return track

    def _edit_source(self, track_id: str, owner: str | None) -> Track:
        """The parent of an edit: it must be completed (409 otherwise)."""
        parent = self.get(track_id, owner=owner)
        if not parent.is_completed:
            raise NotReady(f"track {parent.id} is {parent.status}; only a completed track can be edited")
        return parent

    def variations(
        self, track_id: str, body: Any, *, owner: str | None = None, idempotency_key: str | None = None
    ) -> list[Track]:
        """Queue ``count`` variations of a completed track, each keeping what ``keep`` names; with
        ``idempotency_key``, a repeat of the same request answers the tracks the first one made (24 h)."""
        if idempotency_key is None:
            return self._variations(track_id, body, owner)
        scoped = {"edit": "variations", "track_id": track_id, "body": body}
        tracks, _made = self.idempotency.run_many(
            owner,
            check_key(idempotency_key),
            scoped,
            lambda: self._variations(track_id, body, owner),
            lambda i: self.get(i, owner=owner),
        )
        return tracks

    def _variations(self, track_id: str, body: Any, owner: str | None) -> list[Track]:
        """Queue ``count`` variations of a completed track, each keeping what ``keep`` names.

        Each reads the parent's words again with a new seed (so melody, chords and groove change) and
        pins the kept aspects to the parent's values; ``parent_id`` and ``operation`` say where it came
        from.
        """
        from .prompt.interpret import interpret

        wanted = parse_variations(body)
        parent = self._edit_source(track_id, owner)
        parent_plan = Plan.from_dict(parent.plan)
        request = request_from_parent(
            parent_plan, output_format=parent.output_format, engine=parent.engine or parent.engine_requested
        )
        first = wanted.seed if wanted.seed is not None else new_seed() % (MAX_SEED - MAX_VARIATIONS)
        made = []
        for index in range(wanted.count):
            fresh = interpret(request, seed=first + index)
            plan = variation_plan(parent_plan, fresh, wanted.keep)
            edit = {"keep": list(wanted.keep)}
            child = Track.new(request, plan, owner=owner, parent=(parent.id, "variation"), edit=edit)
            made.append(self._queue(dataclasses.replace(child, webhook_url=parent.webhook_url)))
        return made

    def remix(self, track_id: str, body: Any, *, owner: str | None = None) -> Track:
        """Queue a remix of a completed track: its stems at new levels, mastered again, as a new track
        (``operation: remix``); the parent is left as it is."""
        wanted = parse_remix(body)
        parent = self._edit_source(track_id, owner)
        plan = Plan.from_dict(parent.plan)
        request = request_from_parent(
            plan, output_format=parent.output_format, engine=parent.engine or parent.engine_requested
        )
        child = Track.new(request, plan, owner=owner, parent=(parent.id, "remix"), edit=wanted.as_edit())
        return self._queue(dataclasses.replace(child, webhook_url=parent.webhook_url))

    def extend(self, track_id: str, body: Any, *, owner: str | None = None) -> Track:
        """Queue an extension of a completed track (``operation: extend``): its audio sample for sample
        up to a bar line, then ``seconds`` more of new music in the same key, tempo and style.

        Symbolic: the bar line where its final chord starts (a loop: after its last bar), then new
        sections and an ending of their own. MusicGen: a bar line of its beat grid, the model continuing
        from the last window of its codes there. The parent may itself be an edit.

        Raises
        ------
        InvalidRequest
            For a bad body, a result longer than the longest track, or an engine that cannot extend.
        """
        wanted = parse_extend(body)
        parent = self._edit_source(track_id, owner)
        if parent.engine == "acestep":
            from .engines.acestep.repaint import NO_EXTEND

            raise InvalidRequest.for_field("track", NO_EXTEND)
        engine = _editing_engine(parent, "extend")
        if parent.duration_s + wanted.seconds > MAX_DURATION_S:
            raise InvalidRequest.for_field(
                "seconds",
                f"the track would last {parent.duration_s + wanted.seconds} s; at most {MAX_DURATION_S}",
            )
        parent_plan = Plan.from_dict(parent.plan)
        seed = wanted.seed if wanted.seed is not None else new_seed()
        plan = extended_plan(
            parent_plan, self._words(wanted.prompt, parent_plan, seed), seconds=wanted.seconds, seed=seed
        )
        request = request_from_parent(plan, output_format=parent.output_format, engine=engine)
        edit: dict[str, Any] = {"seconds": wanted.seconds, "prompt": wanted.prompt}
        if engine == "symbolic":
            bar = _ending_bar(parent, parent_plan)
            kept_s = round(bar * bar_seconds(parent_plan.tempo_bpm, parent_plan.time_signature), 6)
            edit |= {"kept_until_s": kept_s, "cut_bar": bar}
        child = Track.new(request, plan, owner=owner, parent=(parent.id, "extend"), edit=edit)
        return self._queue(dataclasses.replace(child, webhook_url=parent.webhook_url))

    @staticmethod
    def _words(prompt: str | None, parent_plan: Plan, seed: int) -> Plan | None:
        """An edit's extra words read as a plan (their moods and energy), or ``None`` without any."""
        from .prompt.interpret import interpret

        if prompt is None:
            return None
        return interpret(
            GenerationRequest(prompt=prompt, genre=parent_plan.genre, engine="symbolic"), seed=seed
        )

    def regenerate(self, track_id: str, body: Any, *, owner: str | None = None) -> Track:
        """Queue a copy of a completed track whose span (a section, or seconds snapped to bar lines) is
        made anew (``operation: regenerate``); elsewhere the audio is the parent's.

        Symbolic: the span's notes are composed anew; outside it the samples are the parent's but for
        the tails ringing across its edges. MusicGen: the model continues from the music before the
        span for its length, with crossfades at both ends. The parent may itself be an edit.

        Raises
        ------
        InvalidRequest
            For a bad body, a span outside the track, a span MusicGen cannot make well (too short for
            its crossfades, too long for one window), a loop, or an engine that cannot regenerate.
        """
        wanted = parse_regenerate(body)
        parent = self._edit_source(track_id, owner)
        if parent.engine == "acestep":
            return self._repaint(parent, wanted, owner)
        engine = _editing_engine(parent, "regenerate")
        if parent.plan.get("loop_bars"):
            raise InvalidRequest.for_field(
                "track",
                "a loop's end rings into its start, so a span of it cannot be replaced alone; make "
                "another loop (POST /v1/music/{id}/loop with a new seed) or regenerate the track it "
                "came from",
            )
        parent_plan = Plan.from_dict(parent.plan)
        seed = wanted.seed if wanted.seed is not None else new_seed()
        new_plan = regenerated_plan(parent_plan, self._words(wanted.prompt, parent_plan, seed), seed=seed)
        if engine == "symbolic":
            start_bar, end_bar = self._span_bars(parent, parent_plan, wanted)
            bar_s = bar_seconds(parent_plan.tempo_bpm, parent_plan.time_signature)
            span = {"start_bar": start_bar, "end_bar": end_bar, "start_s": round(start_bar * bar_s, 6)}
            span["end_s"] = round(min(end_bar * bar_s, parent_plan.duration_s), 6)
            what = f"bars {start_bar}-{end_bar}"
        else:
            start_s, end_s = _musicgen_span(parent, parent_plan, wanted)
            span, what = {"start_s": start_s, "end_s": end_s}, f"{start_s:g}-{end_s:g} s"
        edit = {**span, "seed": seed, "prompt": wanted.prompt, "new_plan": new_plan.as_dict()}
        sources = {**parent_plan.sources, "operation": f"regenerate {what}"}
        plan = dataclasses.replace(parent_plan, sources=sources)
        request = request_from_parent(plan, output_format=parent.output_format, engine=engine)
        child = Track.new(request, plan, owner=owner, parent=(parent.id, "regenerate"), edit=edit)
        return self._queue(dataclasses.replace(child, webhook_url=parent.webhook_url))

    def _repaint(self, parent: Track, wanted: Any, owner: str | None) -> Track:
        """Queue a regenerate of an ACE-Step track by the model's own ``repaint`` task: the span (a
        section, or seconds snapped to the model's 40 ms latent frames) made anew with the parent's
        caption, lyrics and metadata (plus any extra words) and a new seed; the rest kept."""
        from .engines.acestep.repaint import snap_span
        from .prompt.interpret import interpret

        ok, why = self.engine_status("acestep")
        if not ok:  # the job could only fail: say so now, with the reason
            raise EngineUnavailable(f"regenerate of an ACE-Step track needs the acestep engine: {why}")
        if parent.model != self.settings.acestep_model:  # another model would repaint another song
            raise InvalidRequest.for_field(
                "track",
                f"this track was made by ACE-Step model {parent.model}; this server runs "
                f"{self.settings.acestep_model}, and a repaint needs the model that made the track",
            )
        parent_plan = Plan.from_dict(parent.plan)
        if wanted.section is not None:
            count = len(parent.sections)
            if wanted.section >= count:
                known = (
                    f"{count} sections (0 to {count - 1})" if count else "no sections; give start_s and end_s"
                )
                raise InvalidRequest.for_field("section", f"the track has {known}")
            starts = [start for _name, start in parent.sections] + [parent_plan.duration_s]
            span = (starts[wanted.section], starts[wanted.section + 1])
        else:
            span = wanted.span_s
            if span[1] > parent_plan.duration_s:
                raise InvalidRequest.for_field(
                    "end_s", f"must be at most the track's {parent_plan.duration_s:g} s"
                )
        start_s, end_s = snap_span(*span, parent_plan.duration_s)
        seed = wanted.seed if wanted.seed is not None else new_seed()
        words = None
        if wanted.prompt is not None:
            words = interpret(GenerationRequest(prompt=wanted.prompt, genre=parent_plan.genre), seed=seed)
        new_plan = regenerated_plan(parent_plan, words, seed=seed)
        if wanted.prompt is not None:  # the caption is built from the prompt: the words must reach it
            new_plan = dataclasses.replace(new_plan, prompt=f"{parent_plan.prompt}; {wanted.prompt}")
        edit = {
            "task_type": "repaint",
            "start_s": start_s,
            "end_s": end_s,
            "seed": seed,
            "prompt": wanted.prompt,
            "new_plan": new_plan.as_dict(),
        }
        sources = {
            **parent_plan.sources,
            "operation": f"regenerate {start_s:g}-{end_s:g} s (ACE-Step repaint)",
        }
        plan = dataclasses.replace(parent_plan, sources=sources)
        request = request_from_parent(plan, output_format=parent.output_format, engine="acestep")
        child = Track.new(request, plan, owner=owner, parent=(parent.id, "regenerate"), edit=edit)
        return self._queue(dataclasses.replace(child, webhook_url=parent.webhook_url))

    @staticmethod
    def _span_bars(parent: Track, plan: Plan, wanted: Any) -> tuple[int, int]:
        """``(start_bar, end_bar)`` of the span asked for: a section's bars, or seconds snapped outwards
        to bar lines; 422 when it lies outside the track."""
        bar_s = bar_seconds(plan.tempo_bpm, plan.time_signature)
        last_bar = math.ceil(plan.duration_s / bar_s - 1e-9)
        if wanted.section is not None:
            _check_section(parent, wanted.section)
            starts = [round(start / bar_s) for _name, start in parent.sections] + [last_bar]
            return starts[wanted.section], max(starts[wanted.section] + 1, starts[wanted.section + 1])
        start_s, end_s = wanted.span_s
        if end_s > plan.duration_s:
            raise InvalidRequest.for_field("end_s", f"must be at most the track's {plan.duration_s:g} s")
        return math.floor(start_s / bar_s + 1e-9), min(last_bar, math.ceil(end_s / bar_s - 1e-9))

    def loop(self, track_id: str, body: Any, *, owner: str | None = None) -> Track:
        """Queue a seamless loop of ``bars`` bars made from a completed track (``operation: loop``).

        Symbolic: composed from its plan (its key, tempo, meter, style and lineup). MusicGen: cut from
        its audio at a bar line, at its measured tempo stretched to the nearest whole BPM, the tail
        crossfaded into the head.

        Raises
        ------
        InvalidRequest
            For a bad body, a MusicGen track without a steady beat or too short for the bars, or an
            engine that cannot loop.
        """
        bars, seed = parse_loop(body)
        parent = self._edit_source(track_id, owner)
        engine = _editing_engine(parent, "loop")
        parent_plan = Plan.from_dict(parent.plan)
        plan = looped_plan(parent_plan, bars=bars, seed=parent.seed if seed is None else seed)
        edit: dict[str, Any] = {"bars": bars}
        if engine == "musicgen":
            played = _played_tempo_bpm(parent, parent_plan)
            plan = _musicgen_loop_plan(plan, parent, played, bars)
            edit |= {"from_audio": True, "source_tempo_bpm": played}
        request = request_from_parent(plan, output_format=parent.output_format, engine=engine)
        child = Track.new(request, plan, owner=owner, parent=(parent.id, "loop"), edit=edit)
        return self._queue(dataclasses.replace(child, webhook_url=parent.webhook_url))

    def cancel(self, track_id: str, *, owner: str | None = None) -> Track:
        """Stop a pending or processing track: status ``cancelled``, no files (409 once it has ended)."""
        track = self.get(track_id, owner=owner)
        if track.is_finished or not self.repo.cancel(track.id):
            current = self.repo.get(track.id)
            raise AlreadyFinished(
                f"track {track.id} is {current.status}; only a running job can be cancelled"
            )
        # a worker that finishes anyway finds the track cancelled and removes what it published
        self.files.remove(track.id)
        return self.repo.get(track.id)

    # -- reads -------------------------------------------------------------------------------------

    def get(self, track_id: str, *, owner: str | None = None) -> Track:
        """The track; with ``owner`` (API keys on), only if that key made it (:class:`Forbidden` else)."""
        track = self.repo.get(check_track_id(track_id))
        if owner is not None and track.owner != owner:
            raise Forbidden(f"track {track.id} belongs to another API key")
        return track

    def list(self, *, limit: int = 20, offset: int = 0, status: str | None = None, owner: str | None = None):
        if not 1 <= limit <= 100:
            raise InvalidRequest.for_field("limit", "must be from 1 to 100")
        if offset < 0:
            raise InvalidRequest.for_field("offset", "must be 0 or more")
        return self.repo.list(limit=limit, offset=offset, status=status, owner=owner)

    def children(self, track_id: str, *, owner: str | None = None, limit: int = 100) -> list[Track]:
        """The tracks made from ``track_id`` (variations, edits), oldest first; ``owner``'s only."""
        if not 1 <= limit <= 100:
            raise InvalidRequest.for_field("limit", "must be from 1 to 100")
        return self.repo.children(check_track_id(track_id), limit=limit, owner=owner)

    def delete(self, track_id: str, *, owner: str | None = None) -> None:
        """Remove a track's row and files (a running job notices and discards its work)."""
        self.get(track_id, owner=owner)
        self.repo.delete(check_track_id(track_id))
        self.files.remove(track_id)

    def public(self, track: Track, link: Link) -> dict[str, Any]:
        """The public JSON of ``track`` (see :mod:`musicgen_app.track_json`) with ``link`` for its files."""
        return track_json(track, link, ready=self.encoded.ready(track))

    def file(
        self,
        track_id: str,
        kind: str,
        fmt: str | None = None,
        *,
        owner: str | None = None,
        local: bool = True,
    ) -> TrackFile:
        """The file ``kind`` (see :data:`FILE_KINDS`) of a completed track; audio in ``fmt``.

        Audio defaults to the track's own format; another format is encoded from the lossless master on
        the first request and cached. With S3 storage and ``local=False`` the answer names the stored
        object (``remote``) instead of a local copy, for the API to stream or redirect to.
        """
        track = self.get(track_id, owner=owner)
        if kind not in FILE_KINDS:
            raise NotFound(f"no file {kind!r}; files are {', '.join(FILE_KINDS)}")
        if fmt is not None and fmt not in OUTPUT_FORMATS:
            raise InvalidRequest.for_field("format", f"must be one of {', '.join(OUTPUT_FORMATS)}")
        if track.status != "completed":
            raise NotReady(f"track {track.id} is {track.status}; files exist once it is completed")
        if kind not in track.files:
            raise NotFound(f"track {track.id} has no {kind} file (engine {track.engine})")
        fmt = fmt or track.output_format
        if not local and self.files.remote_objects:
            return self._remote_file(track, kind, fmt)
        if kind in SIDE_FILES:
            path = self.files.path(track.id, track.files[kind])
            if not path.is_file():
                raise NotFound(f"the {kind} file of track {track.id} is missing")
        else:
            path = self.encoded.path(track, kind, fmt)
        return TrackFile(
            path, media_type(kind, fmt), download_name(kind, track.prompt, track.id, path.suffix)
        )

    def bundle(self, track_id: str, *, owner: str | None = None) -> TrackFile:
        """ "Download all": a zip of a completed track's mix, stems, MIDI and beats (made once)."""
        return bundle_file(self, track_id, owner=owner)

    def remix_preview(
        self, track_id: str, gains_db: dict[str, float], *, owner: str | None = None
    ) -> TrackFile:
        """A WAV preview of a completed track at a level per stem (rendered once per set of levels)."""
        return remix_preview_file(self, track_id, gains_db, owner=owner)

    def _remote_file(self, track: Track, kind: str, fmt: str) -> TrackFile:
        """The stored object of a file, encoding (and storing) it first when the format is new."""
        relative = track.files[kind]
        if kind not in SIDE_FILES and Path(relative).suffix != f".{fmt}":
            relative = encoded_file(kind, fmt)
        obj = self.files.remote(track.id, relative)
        if obj is None and kind not in SIDE_FILES:
            self.encoded.path(track, kind, fmt)  # made on this node and uploaded
            obj = self.files.remote(track.id, relative)
        if obj is None:
            raise NotFound(f"the {kind} file of track {track.id} is missing")
        suffix = Path(relative).suffix
        return TrackFile(
            None, media_type(kind, fmt), download_name(kind, track.prompt, track.id, suffix), remote=obj
        )

    def health(self) -> dict[str, Any]:
        from .engines.registry import get_engine

        symbolic_ok, symbolic_why = get_engine("symbolic", self.engine_config).available()
        engines = {"symbolic": {"available": symbolic_ok, "reason": symbolic_why}}
        models = {"musicgen": self.settings.musicgen_model, "acestep": self.settings.acestep_model}
        for name, (ok, why) in list(self._neural_status.items()):
            engines[name] = {"available": ok, "reason": why, "model": models[name]}
        checks = {
            "database": self.repo.check(),
            "broker": self.queue.check() if self.queue is not None else None,
            "storage": self.files.check_writable(min_free_bytes=_MIN_FREE_BYTES),
        }
        problems = [p for p in checks.values() if p is not None]
        waiting = self.repo.count_waiting() if not problems else None
        return {
            "status": "degraded" if problems else "ok",
            "problems": problems,
            "engines": engines,
            "queue": {"kind": self.settings.queue, "waiting": waiting, "max": self.settings.queue_max},
            "database": {"ok": checks["database"] is None, "kind": self._engine.dialect.name},
            "broker": {
                "ok": checks["broker"] is None,
                "kind": urlsplit(self.settings.broker_url).scheme if self.queue is not None else "none",
            },
            "storage": {
                "ok": checks["storage"] is None,
                "kind": "s3" if self.files.remote_objects else "file",
            },
        }


#: Engines whose tracks each edit can make from (a remix and variations work for every engine).
_EDITABLE_BY = {
    "extend": ("symbolic", "musicgen"),
    "regenerate": ("symbolic", "musicgen"),
    "loop": ("symbolic", "musicgen"),
}
#: Edits another engine makes its own way (handled before :func:`_editing_engine` is asked).
_ALSO_EDITABLE = {"regenerate": " (or of acestep, by its repaint task)"}


def _editing_engine(parent: Track, operation: str) -> str:
    """The engine that makes ``operation`` of ``parent``: the one that made it (422 when it cannot)."""
    engine = parent.engine or ""
    if engine not in _EDITABLE_BY[operation]:
        able = " or ".join(_EDITABLE_BY[operation])
        raise InvalidRequest.for_field(
            "track",
            f"{operation} needs a track of the {able} engine{_ALSO_EDITABLE.get(operation, '')}; "
            f"this one was made by {engine or 'none'}",
        )
    return engine


def _ending_bar(parent: Track, plan: Plan) -> int:
    """The bar where a symbolic track's final chord starts (a loop: its bar count); tracks made before
    this was recorded end where their plan's form does."""
    stored = parent.details.get("ending_bar")
    if stored is not None:
        return int(stored)
    if plan.loop_bars:
        return plan.loop_bars
    return cut_bar(plan.duration_s, plan.tempo_bpm, plan.time_signature)


def _check_section(parent: Track, section: int) -> None:
    count = len(parent.sections)
    if count == 0:
        raise InvalidRequest.for_field("section", "the track has no sections; give start_s and end_s")
    if section >= count:
        raise InvalidRequest.for_field("section", f"the track has {count} sections (0 to {count - 1})")


def _musicgen_span(parent: Track, plan: Plan, wanted: Any) -> tuple[float, float]:
    """The span of a MusicGen regenerate in seconds (snapped to its bar lines when rendered); 422 when
    the model cannot make it well."""
    from .engines.musicgen.edit import MAX_SPAN_S, MIN_SPAN_S

    duration_s = plan.duration_s
    if wanted.section is not None:
        _check_section(parent, wanted.section)
        starts = [start for _name, start in parent.sections] + [duration_s]
        start_s, end_s = starts[wanted.section], starts[wanted.section + 1]
        field = "section"
    else:
        start_s, end_s = wanted.span_s
        field = "end_s"
        if end_s > duration_s:
            raise InvalidRequest.for_field("end_s", f"must be at most the track's {duration_s:g} s")
    if end_s - start_s < MIN_SPAN_S:
        raise InvalidRequest.for_field(
            field, f"a MusicGen span must last at least {MIN_SPAN_S:g} s (a crossfade at each end)"
        )
    if end_s - start_s > MAX_SPAN_S:
        raise InvalidRequest.for_field(
            field,
            f"a MusicGen span may last at most {MAX_SPAN_S:g} s (one model window after its prompt); "
            "regenerate a longer span in parts",
        )
    return round(start_s, 6), round(end_s, 6)


def _played_tempo_bpm(parent: Track, plan: Plan) -> float:
    """The tempo a MusicGen track plays at: the asked one when it was locked to it, else as measured
    (422 when no steady beat was found: a loop needs bars)."""
    if parent.details.get("tempo_locked"):
        return float(plan.tempo_bpm)
    measured = float(parent.details.get("measured_tempo_bpm") or 0.0)
    if measured <= 0:
        raise InvalidRequest.for_field("track", "no steady beat was found in this track; a loop needs bars")
    return measured


def _musicgen_loop_plan(plan: Plan, parent: Track, played_bpm: float, bars: int) -> Plan:
    """A loop plan at the whole BPM nearest what the track plays (the loop is stretched to it); 422
    when the track is too short to cut the bars and a crossfade from it."""
    from .engines.musicgen.edit import CROSSFADE_S

    tempo = max(1, round(played_bpm))
    length_s = bars * bar_seconds(tempo, plan.time_signature)
    # a bar line to start on, the bars, the crossfaded tail, and the stretch
    needed_s = (length_s + CROSSFADE_S) * tempo / played_bpm + bar_seconds(played_bpm, plan.time_signature)
    if needed_s > parent.duration_s:
        raise InvalidRequest.for_field(
            "bars",
            f"{bars} bars at {played_bpm:.1f} BPM need a track of {needed_s:.1f} s; "
            f"this one lasts {parent.duration_s} s",
        )
    sources = {**plan.sources, "tempo_bpm": f"played at {played_bpm:.2f} BPM, stretched to {tempo}"}
    return dataclasses.replace(plan, tempo_bpm=tempo, duration_s=length_s, sources=sources)
