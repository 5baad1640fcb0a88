"""Forms of sign-in, two-factor and password change, and of account administration."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth.forms import UsernameField
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jiandu.core.crypto import decrypt_text, mask_phone

from .models import User

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


class LoginForm(forms.Form):
    username = UsernameField(label=_("用户名"), max_length=150,
                             widget=forms.TextInput(attrs={"autofocus": True,
                                                           "autocomplete": "username"}))
    password = forms.CharField(label=_("密码"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("动态口令"), max_length=12,
        help_text=_("手机验证器上当前显示的 6 位数字"),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "one-time-code",
                                      "inputmode": "numeric", "pattern": r"[0-9 ]*"}))


class PasswordChangeForm(forms.Form):
    """The new password is checked against the policy by the service, which knows the history."""

    old_password = forms.CharField(
        label=_("当前密码"), strip=False,
        widget=forms.PasswordInput(attrs={"autofocus": True, "autocomplete": "current-password"}))
    new_password1 = forms.CharField(
        label=_("新密码"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password2 = forms.CharField(
        label=_("再次输入新密码"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_old_password(self):
        old = self.cleaned_data["old_password"]
        if not self.user.check_password(old):
            raise ValidationError(_("当前密码不正确。"), code="password_incorrect")
        return old

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return data


class PhoneField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)  # room for "138 0013 5678"
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value):
        value = "".join(super().clean(value).split())
        if value and not PHONE_RE.match(value):
            raise ValidationError(_("请输入 11 位手机号码。"), code="invalid_phone")
        return value


class AccountCreationForm(forms.ModelForm):
    """A new account; its password is generated and shown once, never typed by the admin."""

    phone = PhoneField(label=_("手机号"), help_text=_("加密保存，页面上只显示部分数字"))

    class Meta:
        model = User
        fields = ["username", "name", "role", "agency", "region_code", "is_staff"]
        field_classes = {"username": UsernameField}


class AccountChangeForm(forms.ModelForm):
    phone = PhoneField(label=_("新手机号"), help_text=_("留空则不修改；加密保存"))
    phone_clear = forms.BooleanField(label=_("清除手机号"), required=False)

    class Meta:
        model = User
        fields = ["username", "name", "role", "agency", "region_code", "is_staff", "is_superuser",
                  "groups", "user_permissions"]
        field_classes = {"username": UsernameField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.phone_enc:
            self.fields["phone"].help_text = _("当前：%(masked)s；留空则不修改；加密保存") % {
                "masked": mask_phone(decrypt_text(self.instance.phone_enc))}

    def clean(self):
        data = super().clean()
        if data.get("phone") and data.get("phone_clear"):
            self.add_error("phone_clear", _("填写了新手机号就不要同时勾选清除。"))
        return data

    def phone_value(self) -> str | None:
        """What the service stores: None keeps the number, "" clears it."""
        if self.cleaned_data.get("phone_clear"):
            return ""
        return self.cleaned_data.get("phone") or None
