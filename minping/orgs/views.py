"""Signing in and out, and the pages shown when access is refused."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token

from minping.orgs.access import public
from minping.orgs.forms import SignInForm

login = public(
    auth_views.LoginView.as_view(
        template_name="orgs/login.html",
        authentication_form=SignInForm,
        redirect_authenticated_user=True,
    )
)
logout = public(auth_views.LogoutView.as_view())


@requires_csrf_token
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from a page left open too long, or with cookies off: say so plainly."""
    return render(request, "orgs/csrf_failure.html", status=403)
