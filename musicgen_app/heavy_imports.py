"""One lock for bringing in the large libraries (torch, transformers, diffusers) from several threads.

transformers resolves its names lazily, on first access. Two threads doing that at once can see the
package half built: the web process's warm-up (the prompt reader's model) and a page load's engine check
(MusicGen's modules) raced so, and the studio said "MusicGen unavailable: not installed (transformers)"
on a machine that has it (``cannot import name 'LogitsProcessorList' from 'transformers'``). Whatever
imports those libraries in a thread of the web process does it holding :data:`HEAVY_IMPORTS`.
"""

from __future__ import annotations

import threading

__all__ = ["HEAVY_IMPORTS"]

#: Re-entrant: an engine built while the lock is held imports its own modules under it again.
HEAVY_IMPORTS = threading.RLock()
