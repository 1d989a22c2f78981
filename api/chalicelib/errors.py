"""The errors a view raises; :mod:`chalicelib.web` turns each into one JSON answer."""

from __future__ import annotations


class ApiError(Exception):
    """An answer other than success: ``status``, a stable ``code``, and the parameter at fault.

    Body: ``{"error": {"status": 400, "code": "invalid_parameter", "parameter": "limit",
    "message": "..."}}``.
    """

    def __init__(
        self, status: int, code: str, message: str, *, parameter: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.parameter = parameter

    def body(self) -> dict[str, object]:
        return {
            "error": {
                "status": self.status,
                "code": self.code,
                "parameter": self.parameter,
                "message": self.message,
            }
        }


def invalid(parameter: str, message: str) -> ApiError:
    """A client mistake in one parameter: 400, naming it."""
    return ApiError(400, "invalid_parameter", f"{parameter}: {message}", parameter=parameter)


def not_found(parameter: str, message: str) -> ApiError:
    return ApiError(404, "not_found", message, parameter=parameter)


def no_route(path: str) -> ApiError:
    """A path no route declares (the index, ``/``, lists those that exist)."""
    return ApiError(404, "not_found", f"no route {path}: see / for the routes of this API")


def method_not_allowed(method: str, allowed: str) -> ApiError:
    return ApiError(
        405, "method_not_allowed", f"{method} is not allowed here: this API answers {allowed}"
    )
