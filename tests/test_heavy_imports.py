"""The web process's warm-up and a page load's engine check import transformers at the same time; the
check must wait for the library, not report it missing (it once said "not installed (transformers)")."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[1]

#: Start the warm-up, and ask for MusicGen's status as soon as the warm-up is inside transformers
#: (sentence-transformers comes in through it): the moment the two threads used to race.
_RACE = textwrap.dedent(
    """
    import sys, threading, time
    from musicgen_app.config import load_settings
    from musicgen_app.engines.registry import engine_status
    from musicgen_app.service import warm_up_process

    config = load_settings().engine_config()
    warming = threading.Thread(target=warm_up_process)
    warming.start()
    while "sentence_transformers" not in sys.modules and warming.is_alive():
        time.sleep(0.001)
    print("STATUS", engine_status("musicgen", config)[1])
    warming.join()
    """
)


def test_an_engine_check_during_the_warm_up_sees_transformers_whole(tmp_path) -> None:
    pytest.importorskip("transformers")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "MUSICGEN_APP_MUSICGEN_MODEL": str(tmp_path / "no-musicgen"),
    }
    done = subprocess.run(
        [sys.executable, "-c", _RACE], cwd=_ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    status = [line for line in done.stdout.splitlines() if line.startswith("STATUS")]
    assert done.returncode == 0 and status, done.stderr[-2000:]
    assert "not installed" not in status[0], status[0]
    assert "no-musicgen" in status[0], status[0]  # it looked for the model, as a whole library does
