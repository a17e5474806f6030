"""The one error a service raises for a person's mistake.

Views show ``message`` on the page; the API answers 4xx JSON with it. Messages
are lazy translations, so they come out in the reader's language.
"""
from __future__ import annotations


class ServiceError(Exception):
    """A rule said no. ``status`` is the HTTP status the API answers with."""

    def __init__(self, message, *, field: str | None = None, status: int = 400, detail=None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status
        self.detail = detail

    def __str__(self) -> str:
        return str(self.message)


class NotFound(ServiceError):
    def __init__(self, message, **kwargs):
        kwargs.setdefault("status", 404)
        super().__init__(message, **kwargs)


class Forbidden(ServiceError):
    def __init__(self, message, **kwargs):
        kwargs.setdefault("status", 403)
        super().__init__(message, **kwargs)
