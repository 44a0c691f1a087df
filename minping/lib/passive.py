"""Pages that only look, such as a progress bar polled every second, leave the session alone.

The site saves the session on every request (``SESSION_SAVE_EVERY_REQUEST``),
so that a sign-in lapses after a time without activity. A page that polls by
itself must not keep a sign-in alive for ever; and on SQLite, where an import
holds the one write lock of the database until it commits, saving the session
would make every poll wait for the import: the progress bar would stand still.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase


def _not_saved(*args: Any, **kwargs: Any) -> None:
    """The session of a passive page is not written back (see the module)."""


def leaves_session(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Run ``view``; the session middleware then finds nothing to save for this request."""

    @wraps(view)
    def passive(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        session = getattr(request, "session", None)
        if session is not None:
            session.save = _not_saved
        return response

    return passive
