"""``python -m musicgen_app worker``: a worker node, several processes that run jobs and nothing else.

A supervisor starts ``processes`` spawned processes, each a service with ``threads`` job threads (Dramatiq
consumers, or the local queue's claim threads) and no web server; a process that dies (SIGKILL, OOM) is
started again, and its interrupted job is run again by whichever worker claims it after its lease. Each
process dies with the supervisor. SIGTERM or Ctrl-C stops them all (their jobs go back to the queue).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time

__all__ = ["run_worker_node"]

log = logging.getLogger(__name__)

#: A process that dies is started again after this long (a crash loop must not spin).
_RESTART_DELAY_S = 1.0


def _serve_jobs(threads: int, supervisor_pid: int) -> None:
    """One worker process: the service's job workers until SIGTERM."""
    from ..config import load_settings
    from ..service import GenerationService
    from .render_process import _ask_the_kernel_for_sigkill_on_parent_death

    _ask_the_kernel_for_sigkill_on_parent_death()
    if os.getppid() != supervisor_pid:
        os._exit(70)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    service = GenerationService(load_settings(workers=threads))
    service.files.sweep_staging()
    service.start_workers()
    log.info("worker process %d: %d job thread(s), %s queue", os.getpid(), threads, service.settings.queue)
    stop.wait()
    service.stop()


def run_worker_node(*, processes: int, threads: int) -> int:
    """Run the worker processes until SIGTERM or SIGINT; returns the exit code."""
    context = multiprocessing.get_context("spawn")
    stopping = threading.Event()

    def start() -> multiprocessing.Process:
        process = context.Process(target=_serve_jobs, args=(threads, os.getpid()), name="musicgen-worker")
        process.start()
        return process

    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    children = [start() for _ in range(processes)]
    while not stopping.wait(0.5):
        for index, child in enumerate(children):
            if child.exitcode is not None and not stopping.is_set():
                log.warning("worker process %d ended (code %s); starting another", child.pid, child.exitcode)
                time.sleep(_RESTART_DELAY_S)
                children[index] = start()
    for child in children:
        if child.is_alive():
            child.terminate()
    for child in children:
        child.join(30)
        if child.is_alive():
            child.kill()
    return 0
