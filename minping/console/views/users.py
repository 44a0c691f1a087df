"""People and their roles, password resets by the organiser, and the organiser's second factor."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.models import User
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from minping.campaigns.bodies import bodies
from minping.lib.errors import InvalidInput
from minping.orgs import totp
from minping.orgs.access import require
from minping.orgs.actions import (
    do_begin_totp,
    do_change_password,
    do_confirm_totp,
    do_create_user,
    do_grant_role,
    do_remove_totp,
    do_reset_password,
    do_revoke_role,
)
from minping.orgs.forms import (
    GrantForm,
    GuardedPasswordChangeForm,
    NewUserForm,
    TOTPConfirmForm,
)
from minping.orgs.middleware import MUST_CHANGE, password_changed
from minping.orgs.models import Membership, Role, TOTPDevice

# The one-time password is shown once, on the page after the action, then forgotten.
SESSION_KEY = "console_one_time_password"


def _get_user(pk: int) -> User:
    user = User.objects.filter(pk=pk).first()
    if user is None:
        raise Http404("没有这个用户")
    return user


@require(Role.ORGANISER)
def user_list(request: HttpRequest) -> HttpResponse:
    users = User.objects.order_by("username").prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("unit"))
    )
    form = NewUserForm(request.POST or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            user, password = do_create_user(
                form.cleaned_data["username"],
                full_name=form.cleaned_data["full_name"],
                actor=request.user,
            )
        except InvalidInput as error:
            problems = error.lines()
        else:
            request.session[SESSION_KEY] = [user.pk, password]
            return redirect("console:user", pk=user.pk)
    return render(
        request, "console/users.html", {"users": users, "form": form, "problems": problems}
    )


@require(Role.ORGANISER)
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _get_user(pk)
    shown = request.session.pop(SESSION_KEY, None)
    password = shown[1] if shown and shown[0] == user.pk else None
    form = GrantForm(request.POST or None, bodies=bodies())
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not problems:
            try:
                do_grant_role(
                    user,
                    data["role"],
                    unit=data["unit"],
                    source_code=data["source_code"],
                    actor=request.user,
                )
            except InvalidInput as error:
                problems = error.lines()
            else:
                messages.success(request, "已授予角色。")
                return redirect("console:user", pk=user.pk)
    context = {
        "person": user,
        "memberships": user.memberships.select_related("unit"),
        "form": form,
        "problems": problems,
        "password": password,
        "totp_on": TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).exists(),
    }
    return render(request, "console/user_detail.html", context)


@require(Role.ORGANISER)
@require_POST
def role_revoke(request: HttpRequest, pk: int, membership: int) -> HttpResponse:
    user = _get_user(pk)
    found = Membership.objects.filter(user=user, pk=membership).first()
    if found is None:
        messages.error(request, "没有这个角色。")
    elif found.role == Role.ORGANISER and user == request.user:
        messages.error(request, "不能撤销自己的组织单位角色,请由另一位组织单位人员操作。")
    else:
        do_revoke_role(found, actor=request.user)
        messages.success(request, "已撤销角色。")
    return redirect("console:user", pk=user.pk)


@require(Role.ORGANISER)
@require_POST
def password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    user = _get_user(pk)
    password = do_reset_password(user, actor=request.user)
    request.session[SESSION_KEY] = [user.pk, password]
    return redirect("console:user", pk=user.pk)


@require(Role.ORGANISER)
@require_POST
def totp_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = _get_user(pk)
    do_remove_totp(user, actor=request.user)
    messages.success(request, "已停用该账号的动态口令。")
    return redirect("console:user", pk=user.pk)


@require(Role.ORGANISER)
def totp_setup(request: HttpRequest) -> HttpResponse:
    """An organiser turns on the authenticator app for their own account."""
    user = User.objects.get(username=request.user.get_username())
    device = TOTPDevice.objects.filter(user=user).first()
    form = TOTPConfirmForm(request.POST or None)
    problems: list[str] = []
    if request.method == "POST" and request.POST.get("begin"):
        device = do_begin_totp(user, actor=user)
        form = TOTPConfirmForm()
    elif request.method == "POST" and device is not None and form.is_valid():
        try:
            do_confirm_totp(device, form.cleaned_data["code"], actor=request.user)
        except InvalidInput as error:
            problems = error.lines()
        else:
            messages.success(request, "已启用动态口令:以后登录时需要输入验证器上的 6 位数字。")
            return redirect("console:totp")
    context = {
        "device": device,
        "uri": totp.provisioning_uri(device) if device else "",
        "form": form,
        "problems": problems,
    }
    return render(request, "console/totp.html", context)


@require(*Role.values)
def password_change(request: HttpRequest) -> HttpResponse:
    """Anyone with a role replaces the one-time password an organiser gave them."""
    me = User.objects.get(username=request.user.get_username())
    form = GuardedPasswordChangeForm(me, request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        # The form checks the old password (a wrong one counts towards the sign-in lockout)
        # and the new one's strength; the action stores it.
        do_change_password(me, form.cleaned_data["new_password1"], actor=me)
        update_session_auth_hash(request, me)
        password_changed(request)
        messages.success(request, "密码已修改。")
        return redirect("console:home")
    context = {"form": form, "temporary": request.session.get(MUST_CHANGE, False)}
    return render(request, "console/password.html", context)
