"""Data scope by role and the append-only audit log."""

import pytest
from django.db import DatabaseError, transaction

from jiandu.accounts.choices import AuditAction, Role
from jiandu.accounts.models import AuditEvent, User
from jiandu.accounts.selectors import scoped
from jiandu.accounts.services import audit_record
from jiandu.org.models import Agency, Officer

pytestmark = pytest.mark.django_db


def _agency(code, region="370117", parent=None):
    return Agency.objects.create(code=code, name=code, type="administrative_organ", level="district",
                                 region_code=region, parent_id=parent, content_hash="x")


def _officer(cert, agency):
    return Officer.objects.create(certificate=cert, name=cert, id_number_enc="x", id_number_hash="x",
                                  agency=agency, issued_on="2025-01-01", expires_on="2030-01-01",
                                  status="valid", content_hash="x")


def test_scope_by_role():
    district = _agency("91350100M000100Y43")
    entrusted = _agency("91110000600037341L", parent=district.code)
    street = _agency("91370117087830778X", region="370117001")
    for n, agency in enumerate((district, entrusted, street)):
        _officer(f"C{n}", agency)
    officers = Officer.objects.all()

    def visible(user):
        return set(scoped(officers, user).values_list("certificate", flat=True))

    assert visible(User.objects.create(username="s", role=Role.SUPERVISOR)) == {"C0", "C1", "C2"}
    assert visible(User.objects.create(username="d", role=Role.LEADER)) == {"C0", "C1", "C2"}
    assert visible(User.objects.create(username="l", role=Role.LIAISON, agency=district)) == {"C0", "C1"}
    assert visible(User.objects.create(username="e", role=Role.OFFICER, agency=entrusted)) == {"C1"}
    assert visible(User.objects.create(username="t", role=Role.STREET_SUPERVISOR,
                                       region_code="370117001")) == {"C2"}
    assert visible(User.objects.create(username="m", role=Role.SOCIAL_SUPERVISOR)) == set()
    assert visible(User.objects.create(username="i", role=Role.SUPERVISOR, is_active=False)) == set()


def test_audit_log_is_append_only_in_the_database():
    event = audit_record(action=AuditAction.LOGIN, username="someone", detail="ok")
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(detail="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).detail == "ok"
