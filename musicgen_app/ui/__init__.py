"""The Gradio studio: ``build_ui(service)`` gives the Blocks, ``mount_studio(app, service)`` mounts it."""

from .layout import build_ui
from .mount import mount_studio

__all__ = ["build_ui", "mount_studio"]
