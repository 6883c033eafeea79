"""Stem separation with Demucs: arrays (:func:`separate`), files (:func:`separate_file`), the CLI.

``core`` runs the model over segments, ``models`` loads Demucs checkpoints, ``run`` lays out the
segments, ``files`` writes stem files, ``cli`` is the ``separate`` command.
"""

from .core import DEFAULT_MODEL, DEFAULT_OVERLAP, separate, separate_file

__all__ = ["DEFAULT_MODEL", "DEFAULT_OVERLAP", "separate", "separate_file"]
