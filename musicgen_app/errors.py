"""One error tree for the whole product, each class with a stable ``code``.

::

    MusicgenAppError                 code            HTTP  exit
    ├── InvalidRequest               invalid_request  422    2
    │   ├── UnknownGenre             unknown_genre    422    2
    │   ├── PayloadTooLarge          payload_too_large 413   2
    │   ├── UnsupportedMediaType     unsupported_media_type 415 2
    │   └── RangeUnsatisfiable       range_not_satisfiable 416 2
    ├── Unauthorized                 unauthorized     401   11
    ├── Forbidden                    forbidden        403   11
    ├── NotFound                     not_found        404    3
    ├── NotReady                     not_ready        409    4
    ├── AlreadyFinished              already_finished 409    4
    ├── QueueFull                    queue_full       503    5
    ├── RateLimited                  rate_limited     429   12
    ├── EngineUnavailable            engine_unavailable 503  6
    ├── GenerationFailed             generation_failed 500   7
    │   └── RenderError              render_error      500   7
    ├── EncodingFailed               encoding_failed   503   8
    ├── InsufficientStorage          insufficient_storage 503 9
    └── StartupRefused               startup_refused   503  10

Adapters translate these in exactly one place each: ``api.py`` maps ``http_status``, ``cli.py`` maps
``exit_code``. The core raises them and never knows about HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AlreadyFinished",
    "EncodingFailed",
    "EngineUnavailable",
    "ErrorDetail",
    "Forbidden",
    "GenerationFailed",
    "InsufficientStorage",
    "InvalidRequest",
    "MusicgenAppError",
    "NotFound",
    "NotReady",
    "PayloadTooLarge",
    "QueueFull",
    "RangeUnsatisfiable",
    "RateLimited",
    "RenderError",
    "StartupRefused",
    "Unauthorized",
    "UnknownGenre",
    "UnsupportedMediaType",
]


@dataclass(frozen=True)
class ErrorDetail:
    """One broken rule: the field it concerns and the rule in words."""

    field: str
    rule: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "rule": self.rule}


class MusicgenAppError(Exception):
    """Base of every error the product raises on purpose."""

    code = "internal_error"
    http_status = 500
    exit_code = 1
    #: Seconds a caller should wait before trying again (``Retry-After``); ``None``: not a wait matter.
    retry_after_s: int | None = None

    def __init__(
        self, message: str, *, details: list[ErrorDetail] | None = None, retry_after_s: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details: list[ErrorDetail] = list(details or [])
        if retry_after_s is not None:
            self.retry_after_s = retry_after_s

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "details": [d.as_dict() for d in self.details],
        }


class InvalidRequest(MusicgenAppError):
    """The caller's input breaks a rule; ``details`` names each field and rule."""

    code = "invalid_request"
    http_status = 422
    exit_code = 2

    @classmethod
    def for_field(cls, field_name: str, rule: str) -> InvalidRequest:
        return cls(f"{field_name}: {rule}", details=[ErrorDetail(field_name, rule)])


class UnknownGenre(InvalidRequest):
    """A ``genre`` that maps to no known style; the message lists the closest ones."""

    code = "unknown_genre"


class PayloadTooLarge(InvalidRequest):
    """A request body over the configured size limit."""

    code = "payload_too_large"
    http_status = 413


class UnsupportedMediaType(InvalidRequest):
    """A body in another format than JSON."""

    code = "unsupported_media_type"
    http_status = 415


class RangeUnsatisfiable(InvalidRequest):
    """An HTTP Range outside the file."""

    code = "range_not_satisfiable"
    http_status = 416

    def __init__(self, message: str, *, size: int) -> None:
        super().__init__(message, details=[ErrorDetail("range", message)])
        self.headers = {"Content-Range": f"bytes */{size}"}


class Unauthorized(MusicgenAppError):
    """No API key, or not one of the server's (when keys are on)."""

    code = "unauthorized"
    http_status = 401
    exit_code = 11

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.headers = {"WWW-Authenticate": 'Bearer realm="musicgen_app"'}


class Forbidden(MusicgenAppError):
    """The track belongs to another API key."""

    code = "forbidden"
    http_status = 403
    exit_code = 11


class NotFound(MusicgenAppError):
    code = "not_found"
    http_status = 404
    exit_code = 3


class NotReady(MusicgenAppError):
    """The track exists but its files are not there yet (or it failed)."""

    code = "not_ready"
    http_status = 409
    exit_code = 4


class AlreadyFinished(MusicgenAppError):
    """The track's job has ended (completed, failed or cancelled): there is nothing left to cancel."""

    code = "already_finished"
    http_status = 409
    exit_code = 4


class QueueFull(MusicgenAppError):
    code = "queue_full"
    http_status = 503
    exit_code = 5

    retry_after_s = 10


class EngineUnavailable(MusicgenAppError):
    """An engine cannot run here (missing weights, missing synth, missing SoundFont)."""

    code = "engine_unavailable"
    http_status = 503
    exit_code = 6


class GenerationFailed(MusicgenAppError):
    code = "generation_failed"
    http_status = 500
    exit_code = 7


class RenderError(GenerationFailed):
    code = "render_error"


class EncodingFailed(MusicgenAppError):
    """A stored track could not be encoded in a requested format now (its master is intact)."""

    code = "encoding_failed"
    http_status = 503
    exit_code = 8


class InsufficientStorage(MusicgenAppError):
    """The server cannot store anything more right now (disk full); nothing was changed."""

    code = "insufficient_storage"
    http_status = 503
    exit_code = 9

    retry_after_s = 60


class StartupRefused(MusicgenAppError):
    """The service will not start on this data (it would lose or orphan tracks); the message says why."""

    code = "startup_refused"
    http_status = 503
    exit_code = 10


class RateLimited(MusicgenAppError):
    """Too many track-making requests from one caller in the configured window."""

    code = "rate_limited"
    http_status = 429
    exit_code = 12

    retry_after_s = 1
