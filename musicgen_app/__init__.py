"""musicgen_app: original music from a text description."""

__version__ = "0.1.0"
