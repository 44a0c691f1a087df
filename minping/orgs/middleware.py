"""Until a user replaces a password an organiser gave them, that is all they can do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from minping.orgs.access import ACCESS_ATTRIBUTE, PUBLIC
from minping.orgs.models import TemporaryPassword

# Set at sign-in when the password is a temporary one; cleared when the user changes it.
MUST_CHANGE = "minping_must_change_password"
PASSWORD_PAGE = "console:password-change"


@receiver(user_logged_in)
def note_temporary_password(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """Read the table once, at sign-in, so that no other request pays a query for it."""
    if TemporaryPassword.objects.filter(user_id=user.pk).exists():
        request.session[MUST_CHANGE] = True


def password_changed(request: HttpRequest) -> None:
    request.session.pop(MUST_CHANGE, None)


class TemporaryPasswordMiddleware:
    """Send a user still on an organiser-given password to the page that changes it.

    Only pages that need a role are held; public pages (the respondents', the home
    page, signing in and out) stay open, so a liaison can still rate a window.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        # A request without a session cookie (every respondent) never loads a session here.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        if not request.session.get(MUST_CHANGE) or getattr(view, ACCESS_ATTRIBUTE, None) == PUBLIC:
            return None
        if request.resolver_match and request.resolver_match.view_name == PASSWORD_PAGE:
            return None
        return redirect(PASSWORD_PAGE)
