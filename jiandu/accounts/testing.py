"""Test helpers for every app: sign a test client in as a user who has passed the sign-in gate."""

from __future__ import annotations

from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from .selectors import two_factor_required


def gate_passed(user) -> None:
    """Mark ``user``'s password as freshly chosen, so the gate does not ask for a change."""
    now = timezone.now()
    type(user).objects.filter(pk=user.pk).update(password_changed_at=now)
    user.password_changed_at = now


def sign_in(client, user) -> None:
    """``client.force_login(user)`` plus what the gate wants: a recent password and, for roles
    that need it, a confirmed authenticator already verified in this session."""
    gate_passed(user)
    client.force_login(user)
    if two_factor_required(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() \
            or TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
