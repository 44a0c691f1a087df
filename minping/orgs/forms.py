"""Sign-in with an optional second factor, and the organiser's user-management forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, UsernameField
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from minping.orgs import totp
from minping.orgs.fields import UnitChoiceField
from minping.orgs.models import Role, Unit


class SignInForm(AuthenticationForm):
    """User name and password, then the authenticator code for accounts that turned it on."""

    # Declared again because AuthenticationForm sets max_length after the field is made,
    # which never checks it: a longer name reached django-axes' 255-character column (a 500).
    username = UsernameField(
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True}),
        error_messages={
            "required": "请输入用户名。",
            "max_length": "用户名最长 150 个字符,请核对。",
        },
    )
    password = forms.CharField(
        label="密码",
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput,
        error_messages={"required": "请输入密码。", "max_length": "密码过长,请核对。"},
    )
    otp = forms.CharField(label="动态口令", required=False, max_length=10)

    error_messages = {
        **AuthenticationForm.error_messages,
        "otp_required": "此账号已启用动态口令:请输入手机验证器上显示的 6 位数字。",
        "otp_invalid": "动态口令不正确或已使用过,请输入验证器上最新的 6 位数字。",
    }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        device = totp.confirmed_device(self.get_user())
        if device is not None:
            code = (cleaned.get("otp") or "").strip()
            if not code:
                raise ValidationError(self.error_messages["otp_required"], code="otp_required")
            if not totp.check_and_consume(device, code):
                # The password was right, but someone guessing codes must meet the same
                # lockout as someone guessing passwords: tell django-axes it failed.
                user_login_failed.send(
                    sender=__name__,
                    credentials={"username": self.get_user().get_username()},
                    request=self.request,
                )
                raise ValidationError(self.error_messages["otp_invalid"], code="otp_invalid")
        return cleaned


class GuardedPasswordChangeForm(PasswordChangeForm):
    """Changing one's password: the old one is checked as a sign-in is, lockout included.

    Someone who found a signed-in session must not be able to guess the password
    here without limit; through ``authenticate`` django-axes refuses a locked-out
    user and counts every wrong old password against the user and the address.
    """

    def __init__(self, user: User, data: Any = None, *, request: HttpRequest) -> None:
        super().__init__(user, data)
        self.request = request

    def clean_old_password(self) -> str:
        old = str(self.cleaned_data["old_password"])
        found = authenticate(self.request, username=self.user.get_username(), password=old)
        if found is None or found.pk != self.user.pk:
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old


class NewUserForm(forms.Form):
    username = forms.RegexField(
        label="用户名",
        regex=r"^[\w.@+-]{2,150}$",
        error_messages={"invalid": "用户名只能用字母、数字和 . @ + - _,2 到 150 个字符。"},
    )
    full_name = forms.CharField(label="姓名", max_length=150, required=False)


class GrantForm(forms.Form):
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    unit = UnitChoiceField(
        label="单位(单位联络员必选;评分人选所在单位,领导小组成员不选)",
        queryset=Unit.objects.all(),
        to_field_name="code",
        required=False,
        empty_label="(不指定)",
        error_messages={"invalid_choice": "请从列表中选择单位"},
    )
    source_code = forms.ChoiceField(
        label="提出单位或审定机关(提出单位人员、结果审定人必选)",
        choices=(),
        required=False,
        error_messages={"invalid_choice": "请从列表中选择提出单位或审定机关"},
    )

    def __init__(self, *args: Any, bodies: dict[str, str], **kwargs: Any) -> None:
        # ``bodies`` (code → name) come from the campaigns, which build on orgs: the page
        # passes them in (``campaigns.bodies``).
        super().__init__(*args, **kwargs)
        named = sorted(bodies.items(), key=lambda item: item[1])
        self.fields["source_code"].choices = [("", "(不指定)"), *named]  # type: ignore[attr-defined]


class TOTPConfirmForm(forms.Form):
    code = forms.CharField(label="验证器上的 6 位数字", max_length=10)
