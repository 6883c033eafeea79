"""The studio's audio players, fed from the ``/v1`` file routes instead of Gradio's file route.

A stock ``gr.Audio`` given a file path copies it into Gradio's cache and sends the browser that absolute
path; given a URL, it downloads the URL on the server first. :class:`LinkedAudio` passes a URL through
untouched: the browser fetches the audio from the API (with HTTP Range, the API's error shapes and, behind
API keys, a signed link), and no response of the studio names a file on the server.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
from gradio.data_classes import FileData

__all__ = ["LinkedAudio"]

from gradio.events import Dependency

class LinkedAudio(gr.Audio):
    """``gr.Audio`` whose value is ``(absolute http(s) URL, file name)``, played by the browser as it is."""

    #: Gradio's way to render a subclass with its base's front-end component ("audio").
    is_template = True

    def postprocess(self, value: Any) -> FileData | None:
        """``None``, or ``(url, file name)``: a file the browser fetches itself (never a path here)."""
        if value is None:
            return None
        url, name = value
        if not str(url).startswith(("http://", "https://")):
            raise ValueError("a studio player takes an absolute http(s) URL of a /v1 file route")
        return FileData(path=str(url), url=str(url), orig_name=str(name))
    from typing import Callable, Literal, Sequence, Any, TYPE_CHECKING
    from gradio.blocks import Block
    if TYPE_CHECKING:
        from gradio.components import Timer
        from gradio.components.base import Component