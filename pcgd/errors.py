"""Errors that are the user's to fix: shown as one line (CLI) or a 4xx JSON answer (web)."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or an unusable environment; never shown with a traceback."""


class NotFound(UserError):
    pass


class Forbidden(UserError):
    pass


class SessionEnded(UserError):
    """The request's session ended (logout, revocation, timeout) before its write (HTTP 401)."""


class Conflict(UserError):
    """Someone else saved in between (optimistic locking)."""

    def __init__(self, message: str, extra: object = None) -> None:
        super().__init__(message)
        self.extra = extra


class Locked(UserError):
    """The commune's survey for the year is locked by the approval workflow."""


class ValidationFailed(UserError):
    """Field errors; extra holds [{row, column/field, message}]."""

    def __init__(self, message: str, errors: list[dict[str, object]]) -> None:
        super().__init__(message)
        self.errors = errors


class TooManyAttempts(UserError):
    """Too many failed logins: try again after `retry_after` seconds (HTTP 429)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
