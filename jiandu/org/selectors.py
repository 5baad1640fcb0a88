"""Reads of the org app."""

from __future__ import annotations

from collections.abc import Iterator

from jiandu.core.crypto import decrypt_text

from .models import Agency, Officer


def iso(value) -> str | None:
    """A date (or the ISO string a just-saved model still holds) as YYYY-MM-DD."""
    return None if value is None else str(value)


def agency_to_contract(obj: Agency) -> dict:
    return {"code": obj.code, "name": obj.name, "type": obj.type, "level": obj.level,
            "region": obj.region_code, "parent": obj.parent_id}


def officer_to_contract(obj: Officer, *, reveal: bool) -> dict:
    return {"certificate": obj.certificate, "name": obj.name,
            "id_number": decrypt_text(obj.id_number_enc) if reveal else obj.id_number_enc,
            "agency": obj.agency_id, "issued_on": iso(obj.issued_on),
            "expires_on": iso(obj.expires_on), "status": obj.status,
            "status_since": iso(obj.status_since),
            "legal_qualification": obj.legal_qualification, "oath_on": iso(obj.oath_on)}


def agency_rows() -> Iterator[dict]:
    for obj in Agency.objects.order_by("code").iterator(chunk_size=2000):
        yield agency_to_contract(obj)


def officer_rows() -> Iterator[dict]:
    for obj in Officer.objects.order_by("certificate").iterator(chunk_size=2000):
        yield officer_to_contract(obj, reveal=True)


def agencies_with_officer_count(queryset):
    """``queryset`` with ``officer_count`` on each agency, counted in the same query."""
    from django.db.models import Count

    return queryset.annotate(officer_count=Count("officers"))


def officer_id_number_masked(obj: Officer) -> str:
    """The officer's 身份证号 as it may be shown on screen: decrypted only to be masked at once."""
    from jiandu.core.crypto import DecryptionError, mask_id_number

    try:
        return mask_id_number(decrypt_text(obj.id_number_enc))
    except DecryptionError:
        return "（无法解密）"


def officers_with_id_number(queryset, term: str):
    """Officers in ``queryset`` whose 身份证号 is exactly ``term``, found through its keyed hash;
    none when ``term`` is not a valid 身份证号 (a partial number cannot be matched by a hash)."""
    from jiandu.core.crypto import keyed_hash
    from jiandu.core.validators import is_id_number

    number = term.strip().upper()
    if not is_id_number(number):
        return queryset.none()
    return queryset.filter(id_number_hash=keyed_hash(number))


def officer_by_certificate(certificate: str) -> Officer | None:
    return Officer.objects.select_related("agency").filter(certificate=certificate).first()
